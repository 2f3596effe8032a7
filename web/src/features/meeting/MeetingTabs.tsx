// The meeting's views: the live board, and the server's projections of the log (Analytics, Audit).
// ARIA tabs pattern: one tab stop (roving tabindex); arrows, Home and End move focus AND select (the
// panels are cheap to show), so keyboard users never tab through every tab.
import { useRef, type KeyboardEvent } from 'react'

export type MeetingView = 'board' | 'actions' | 'analytics' | 'audit'

export const VIEWS: { id: MeetingView; label: string }[] = [
  { id: 'board', label: 'Board' },
  { id: 'actions', label: 'Actions' },
  { id: 'analytics', label: 'Analytics' },
  { id: 'audit', label: 'Audit' },
]

// Where a key moves from tab `i` of `n`, or null for keys the tablist does not handle.
export function tabTarget(key: string, i: number, n: number): number | null {
  if (key === 'ArrowRight') return (i + 1) % n
  if (key === 'ArrowLeft') return (i - 1 + n) % n
  if (key === 'Home') return 0
  if (key === 'End') return n - 1
  return null
}

export function MeetingTabs({ current, onSelect }: { current: MeetingView; onSelect: (v: MeetingView) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = tabTarget(e.key, VIEWS.findIndex((v) => v.id === current), VIEWS.length)
    if (target === null) return
    e.preventDefault() // Home/End would scroll the page
    onSelect(VIEWS[target].id)
    refs.current[target]?.focus()
  }
  return (
    <div className="tabs" role="tablist" aria-label="Meeting views" onKeyDown={onKeyDown}>
      {VIEWS.map((v, i) => (
        <button
          key={v.id}
          ref={(el) => {
            refs.current[i] = el
          }}
          id={`tab-${v.id}`}
          type="button"
          role="tab"
          aria-selected={v.id === current}
          aria-controls={`view-${v.id}`}
          tabIndex={v.id === current ? 0 : -1}
          onClick={() => onSelect(v.id)}
        >
          {v.label}
        </button>
      ))}
    </div>
  )
}
