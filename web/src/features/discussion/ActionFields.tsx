// An action item's owner (a participant) and due date, editable in place: each change is one
// action_updated event (owner or due; null clears it). Used by the discussion notes and the Actions list.
import { useState } from 'react'
import type { MeetingState, Note } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested } from '../meeting/commands'
import { allowed, selectActor, selectTravelling } from '../meeting/selectors'

const DATE = /^\d{4}-\d{2}-\d{2}$/

// Participants by name, for owner pickers.
export function participantOptions(state: MeetingState): { pid: string; name: string }[] {
  return Object.entries(state.participants)
    .map(([pid, p]) => ({ pid, name: p.name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.pid.localeCompare(b.pid))
}

export function ActionFields({ state, cardId, note }: { state: MeetingState; cardId: string; note: Note }) {
  // Re-mounted when the server's owner/due change (key below), so local edits never fight the log.
  return <ActionFieldsInner key={`${note.owner ?? ''}|${note.due ?? ''}`} state={state} cardId={cardId} note={note} />
}

function ActionFieldsInner({ state, cardId, note }: { state: MeetingState; cardId: string; note: Note }) {
  const dispatch = useAppDispatch()
  const actor = useAppSelector(selectActor)
  const travelling = useAppSelector(selectTravelling)
  const [owner, setOwner] = useState(note.owner ?? '')
  const [due, setDue] = useState(note.due ?? '')
  const base = { card_id: cardId, note_id: note.note_id }
  const canEdit = allowed(state, actor, travelling, 'action_updated', { ...base, due: null })
  const people = participantOptions(state)

  const push = (data: Record<string, unknown>) => dispatch(eventRequested({ type: 'action_updated', data: { ...base, ...data } }))
  const changeOwner = (value: string) => {
    setOwner(value)
    if (value !== (note.owner ?? '')) push({ owner: value || null })
  }
  // A date input reports '' while half typed; only a whole date (or clearing it) is sent.
  const changeDue = (value: string) => {
    setDue(value)
    if ((value === '' || DATE.test(value)) && value !== (note.due ?? '')) push({ due: value || null })
  }

  return (
    <span className="action-fields">
      <label className="action-field">
        <span className="visually-hidden">Owner of “{note.text}”</span>
        <select value={owner} disabled={!canEdit} onChange={(e) => changeOwner(e.target.value)}>
          <option value="">No owner</option>
          {people.map((p) => (
            <option key={p.pid} value={p.pid}>
              {p.name}
            </option>
          ))}
          {owner && !state.participants[owner] && <option value={owner}>{owner}</option>}
        </select>
      </label>
      <label className="action-field">
        <span className="visually-hidden">Due date of “{note.text}”</span>
        <input type="date" value={due} disabled={!canEdit} onChange={(e) => changeDue(e.target.value)} />
      </label>
    </span>
  )
}
