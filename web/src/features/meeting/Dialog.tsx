// A modal dialog on the native <dialog> element: showModal() traps focus, Escape closes, and focus goes
// back to what opened it. (jsdom has no showModal: there the dialog is simply `open`.)
import { useEffect, useRef, type ReactNode } from 'react'

export function Dialog({
  title,
  onClose,
  children,
  className = '',
}: {
  title: string
  onClose: () => void
  children: ReactNode
  className?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const opener = document.activeElement as HTMLElement | null
    if (typeof dialog.showModal === 'function') dialog.showModal()
    else dialog.setAttribute('open', '')
    return () => {
      if (dialog.open && typeof dialog.close === 'function') dialog.close()
      opener?.focus?.()
    }
  }, [])
  const headingId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`
  return (
    <dialog
      ref={ref}
      className={`dialog ${className}`}
      aria-labelledby={headingId}
      onCancel={(e) => {
        e.preventDefault() // React unmounts it; the native close would race the state update
        onClose()
      }}
    >
      <div className="dialog-head">
        <h2 id={headingId}>{title}</h2>
        <button type="button" className="icon-button dialog-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  )
}
