import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { toastDismissed } from './toastsSlice'
import './toasts.css'

// Refusals from the server and other notices. Screen readers hear each toast exactly ONCE: its text is
// added to a single polite live region (keyed, so a re-render never re-inserts it, and removals are not
// announced); the visible toasts with their Dismiss buttons are a plain region, not live.
export function Toasts() {
  const items = useAppSelector((s) => s.toasts.items)
  const dispatch = useAppDispatch()
  return (
    <>
      <div className="toasts" role="region" aria-label="Notifications">
        {items.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} data-toast-id={t.id}>
            <span>{t.text}</span>
            <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => dispatch(toastDismissed({ id: t.id }))}>
              ×
            </button>
          </div>
        ))}
      </div>
      <div className="visually-hidden" aria-live="polite" aria-relevant="additions" data-testid="announcer">
        {items.map((t) => (
          <p key={t.id}>{t.text}</p>
        ))}
      </div>
    </>
  )
}
