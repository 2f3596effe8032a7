// Drag a card onto another to merge them, with Pointer Events so that mouse, pen and touch share one code
// path (no drag library: the HTML5 drag-and-drop API does not fire for touch, and this is ~60 lines).
// The drag starts on the card's grip, which has `touch-action: none` (board.css) so a finger moving on it
// drags instead of scrolling the page; the rest of the card scrolls as usual. The pointer is captured, so
// the moves keep coming to the grip wherever the finger goes; the card under the pointer is found with
// elementFromPoint (the floating ghost has `pointer-events: none`). Escape or a cancelled pointer ends
// the drag without merging. Nothing is pushed here: a drop asks the board, which asks the person.
import { useEffect, useRef, useState, type PointerEvent } from 'react'

export interface DragHandlers {
  onStart: () => void
  onOver: (targetId: string | null) => void
  onDrop: (targetId: string | null) => void
  onEnd: () => void
}

// Movement (px) before a press becomes a drag: a tap on the grip is not a drag.
const THRESHOLD = 6

// The id of the card under a screen point, other than `self`.
export function cardIdAt(x: number, y: number, self: string): string | null {
  const el = document.elementFromPoint(x, y)
  const id = el?.closest<HTMLElement>('[data-card-id]')?.dataset.cardId
  return id && id !== self ? id : null
}

interface Drag {
  pointerId: number
  x0: number
  y0: number
  active: boolean
  over: string | null
}

export function useDragToMerge(cardId: string, enabled: boolean, handlers: DragHandlers) {
  const drag = useRef<Drag | null>(null)
  const latest = useRef(handlers)
  latest.current = handlers
  const [ghost, setGhost] = useState<{ x: number; y: number } | null>(null)

  const end = (drop: boolean) => {
    const d = drag.current
    drag.current = null
    setGhost(null)
    if (!d?.active) return
    if (drop) latest.current.onDrop(d.over)
    latest.current.onEnd()
  }

  // Escape cancels a drag in progress.
  useEffect(() => {
    if (!ghost) return
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && end(false)
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [ghost !== null]) // eslint-disable-line react-hooks/exhaustive-deps

  const gripProps = {
    onPointerDown(e: PointerEvent<HTMLElement>) {
      if (!enabled || (e.pointerType === 'mouse' && e.button !== 0)) return
      e.preventDefault() // no text selection while dragging
      e.currentTarget.setPointerCapture?.(e.pointerId)
      drag.current = { pointerId: e.pointerId, x0: e.clientX, y0: e.clientY, active: false, over: null }
    },
    onPointerMove(e: PointerEvent<HTMLElement>) {
      const d = drag.current
      if (!d || e.pointerId !== d.pointerId) return
      if (!d.active) {
        if (Math.hypot(e.clientX - d.x0, e.clientY - d.y0) < THRESHOLD) return
        d.active = true
        latest.current.onStart()
      }
      setGhost({ x: e.clientX, y: e.clientY })
      const over = cardIdAt(e.clientX, e.clientY, cardId)
      if (over !== d.over) {
        d.over = over
        latest.current.onOver(over)
      }
    },
    onPointerUp(e: PointerEvent<HTMLElement>) {
      if (drag.current?.pointerId === e.pointerId) end(true)
    },
    onPointerCancel(e: PointerEvent<HTMLElement>) {
      if (drag.current?.pointerId === e.pointerId) end(false)
    },
  }

  return { gripProps, ghost, dragging: ghost !== null }
}
