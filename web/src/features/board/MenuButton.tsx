// A button that opens a small menu (ARIA menu button pattern): the menu's first item gets focus, arrow
// keys move between items, Escape closes and returns to the button, a click outside or Tab closes it.
// The items are rendered only while open, so a closed menu costs nothing on a board of many cards.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

export function MenuButton({
  label,
  ariaLabel,
  describedBy,
  className = 'ghost small',
  menuLabel,
  menuClassName = '',
  disabled = false,
  children,
}: {
  label: ReactNode
  ariaLabel?: string
  // The card the button acts on (its heading), so "Merge into…" on many cards is told apart by context.
  describedBy?: string
  className?: string
  menuLabel: string
  menuClassName?: string
  disabled?: boolean
  children: (close: () => void) => ReactNode
}) {
  const [open, setOpen] = useState(false)
  const button = useRef<HTMLButtonElement>(null)
  const menu = useRef<HTMLDivElement>(null)
  const menuId = useId()

  const close = (refocus = true) => {
    setOpen(false)
    if (refocus) button.current?.focus()
  }

  useEffect(() => {
    if (!open) return
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    const outside = (e: PointerEvent) => {
      const t = e.target as Node
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false)
    }
    document.addEventListener('pointerdown', outside)
    return () => document.removeEventListener('pointerdown', outside)
  }, [open])

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLElement)
    const go = (i: number) => items[(i + items.length) % items.length]?.focus()
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowRight':
        go(at + 1)
        break
      case 'ArrowUp':
      case 'ArrowLeft':
        go(at - 1)
        break
      case 'Home':
        go(0)
        break
      case 'End':
        go(items.length - 1)
        break
      case 'Escape':
        close()
        break
      case 'Tab':
        setOpen(false)
        return // let the focus move on
      default:
        return
    }
    e.preventDefault()
    e.stopPropagation()
  }

  return (
    <div className="menu-anchor">
      <button
        ref={button}
        type="button"
        className={className}
        aria-label={ariaLabel}
        aria-describedby={describedBy}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault()
            setOpen(true)
          }
        }}
      >
        {label}
      </button>
      {open && (
        <div ref={menu} id={menuId} role="menu" aria-label={menuLabel} className={`menu ${menuClassName}`} onKeyDown={onMenuKey}>
          {children(() => close())}
        </div>
      )}
    </div>
  )
}
