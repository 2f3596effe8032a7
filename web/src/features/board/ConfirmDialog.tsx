// A modal question before something that cannot be taken back (merge, delete, finishing the meeting).
// The native <dialog> gives the modal behaviour for free: focus moves in and stays in, Escape cancels,
// the page behind is inert. The safe choice has the focus, so Enter on a stray double click keeps things
// as they are. Focus goes back to where it was when the dialog closes.
import { useEffect, useId, useRef, type ReactNode } from 'react'

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger = false,
  onConfirm,
  onCancel,
}: {
  title: string
  children: ReactNode
  confirmLabel: string
  cancelLabel?: string
  danger?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const bodyId = useId()

  useEffect(() => {
    const d = dialog.current
    const opener = document.activeElement as HTMLElement | null
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal()
      else d.setAttribute('open', '') // jsdom
    }
    return () => {
      if (d?.open && typeof d.close === 'function') d.close()
      if (opener?.isConnected) opener.focus()
    }
  }, [])

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault() // React unmounts it; the cleanup closes it
        onCancel()
      }}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      <div id={bodyId} className="dialog-body">
        {children}
      </div>
      <div className="dialog-actions">
        <button type="button" className="ghost" autoFocus onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="button" className={danger ? 'danger-solid' : 'primary'} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  )
}
