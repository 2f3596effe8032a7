import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { toastDismissed } from './toastsSlice'

// The alert region: refusals from the server and other notices, announced by screen readers.
export function Toasts() {
  const items = useAppSelector((s) => s.toasts.items)
  const dispatch = useAppDispatch()
  return (
    <div className="toasts" aria-live="assertive" aria-relevant="additions" role="region" aria-label="Notifications">
      {items.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => dispatch(toastDismissed({ id: t.id }))}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
