// Who is here: overlapping avatars that open a list of names (touch has no hover titles), the facilitator
// marked, in the same order for everyone.
import { useId, useState } from 'react'
import { useAppSelector } from '../../app/hooks'
import { hueFor, initials } from '../../ui/format'
import { selectIsFacilitator, selectLiveState } from '../meeting/selectors'
import { orderPresence } from './order'
import './presence.css'

export function PresenceList() {
  const people = useAppSelector((s) => s.presence.people)
  const me = useAppSelector((s) => s.meeting.me)
  const facilitatorPid = useAppSelector((s) => selectLiveState(s).facilitator ?? null)
  // Presence carries the name someone joined with; a rename since then is in the meeting state.
  const participants = useAppSelector((s) => selectLiveState(s).participants)
  const meIsFacilitator = useAppSelector(selectIsFacilitator)
  const [open, setOpen] = useState(false)
  const listId = useId()
  const shown = orderPresence(
    people.map((p) => ({ ...p, name: participants[p.pid]?.name ?? p.name })),
    me,
    facilitatorPid,
    meIsFacilitator,
  )
  const count = `${people.length} ${people.length === 1 ? 'person' : 'people'} here`
  return (
    <div className="presence" onKeyDown={(e) => e.key === 'Escape' && open && setOpen(false)}>
      <ul className="avatars" aria-label={count}>
        {shown.slice(0, 5).map((p) => (
          <li
            key={p.pid}
            className={`avatar${p.facilitator ? ' avatar-facilitator' : ''}`}
            style={{ ['--hue' as string]: hueFor(p.pid) }}
            title={p.name}
          >
            <span aria-hidden="true">{initials(p.name)}</span>
            <span className="visually-hidden">
              {p.name}
              {p.you ? ' (you)' : ''}
              {p.facilitator ? ' (facilitator)' : ''}
            </span>
          </li>
        ))}
        {shown.length > 5 && <li className="avatar avatar-more">+{shown.length - 5}</li>}
      </ul>
      <button
        type="button"
        className="presence-toggle"
        aria-expanded={open}
        aria-controls={listId}
        aria-label={`${people.length} here: show who`}
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">{people.length}</span>
        <span aria-hidden="true" className="presence-caret">
          ▾
        </span>
      </button>
      <ul id={listId} className="presence-list" hidden={!open} aria-label="People here">
        {shown.map((p) => (
          <li key={p.pid}>
            <span className="avatar" style={{ ['--hue' as string]: hueFor(p.pid) }} aria-hidden="true">
              {initials(p.name)}
            </span>
            <span className="presence-name">{p.name}</span>
            {p.you && <span className="muted"> (you)</span>}
            {p.facilitator && <span className="badge-facilitator">facilitator</span>}
          </li>
        ))}
      </ul>
    </div>
  )
}
