import { useAppSelector } from '../../app/hooks'
import { hueFor, initials } from '../../ui/format'

export function PresenceList() {
  const people = useAppSelector((s) => s.presence.people)
  const me = useAppSelector((s) => s.meeting.me)
  const shown = people.slice(0, 8)
  return (
    <div className="presence">
      <ul className="avatars" aria-label={`${people.length} ${people.length === 1 ? 'person' : 'people'} here`}>
        {shown.map((p) => (
          <li key={p.pid} className="avatar" style={{ ['--hue' as string]: hueFor(p.pid) }} title={p.name}>
            <span aria-hidden="true">{initials(p.name)}</span>
            <span className="visually-hidden">
              {p.name}
              {p.pid === me?.pid ? ' (you)' : ''}
            </span>
          </li>
        ))}
        {people.length > shown.length && (
          <li className="avatar avatar-more">+{people.length - shown.length}</li>
        )}
      </ul>
    </div>
  )
}
