import { useEffect, type RefObject } from 'react'

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex="0"]'

// Keyboard users lose their place when the control they used goes away or is disabled under them: a
// phase button replaced by the next phase's, a vote button at the end of the budget, "Finish as done"
// ending the discussion. The browser then drops focus to <body>, and the next Tab starts from the top
// of the page. This puts focus back where the person was: the next usable control of the same card,
// else the phase bar, else the main region.
export function useFocusRescue(root: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const container = root.current
    if (!container) return
    let last: HTMLElement | null = null
    let lastCard: string | null = null
    const onFocusIn = (e: FocusEvent) => {
      last = e.target as HTMLElement
      lastCard = last.closest('[data-card-id]')?.getAttribute('data-card-id') ?? null
    }
    const rescue = () => {
      // Only a control that went away or was disabled; a click elsewhere leaves the page as it is.
      if (!last || (last.isConnected && !last.matches(':disabled'))) return
      const lost = last
      last = null
      // The browser moves focus off a disabled or removed control at its next rendering step.
      requestAnimationFrame(() => {
        const active = document.activeElement
        if (active && active !== document.body && active !== lost) return
        const card = lastCard === null ? null : container.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(lastCard)}"]`)
        const target =
          card?.querySelector<HTMLElement>(FOCUSABLE) ??
          container.querySelector<HTMLElement>(`.phase-bar :is(${FOCUSABLE})`) ??
          container.querySelector<HTMLElement>('#main')
        target?.focus()
      })
    }
    // Removing a focused node fires no focusout in every browser; a DOM change is the reliable signal.
    const observer = new MutationObserver(rescue)
    observer.observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] })
    container.addEventListener('focusin', onFocusIn)
    return () => {
      observer.disconnect()
      container.removeEventListener('focusin', onFocusIn)
    }
  }, [root])
}
