// The meeting's views: the live board, and the server's projections of the log (Analytics, Audit).
import type { KeyboardEvent } from 'react'

export type MeetingView = 'board' | 'analytics' | 'audit'

export const VIEWS: { id: MeetingView; label: string }[] = [
  { id: 'board', label: 'Board' },
  { id: 'analytics', label: 'Analytics' },
  { id: 'audit', label: 'Audit' },
]

export function MeetingTabs({ current, onSelect }: { current: MeetingView; onSelect: (v: MeetingView) => void }) {
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = VIEWS.findIndex((v) => v.id === current)
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
    if (step) onSelect(VIEWS[(i + step + VIEWS.length) % VIEWS.length].id)
  }
  return (
    <div className="tabs" role="tablist" aria-label="Meeting views" onKeyDown={onKeyDown}>
      {VIEWS.map((v) => (
        <button
          key={v.id}
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
