import { useState, type FormEvent } from 'react'
import type { MeetingState, NoteKind } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { newShortId } from '../../lib/uuid'
import { eventRequested } from '../meeting/commands'
import { allowed, selectActor, selectTravelling, selectViewState } from '../meeting/selectors'
import { ActionFields, participantOptions } from './ActionFields'
import './actions.css'

type Card = MeetingState['cards'][number]

// Takeaways and action items for the card being discussed. An action item can be given an owner and a
// due date as it is written (note_added's owner/due) or later (action_updated, ActionFields).
export function Notes({ card }: { card: Card }) {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const actor = useAppSelector(selectActor)
  const travelling = useAppSelector(selectTravelling)
  const [text, setText] = useState('')
  const [kind, setKind] = useState<NoteKind>('takeaway')
  const [owner, setOwner] = useState('')
  const [due, setDue] = useState('')
  // Owner and due date go with action items only (the domain refuses them on a takeaway).
  const extra = kind === 'action' ? { ...(owner ? { owner } : {}), ...(due ? { due } : {}) } : {}
  const probe = { card_id: card.card_id, note_id: 'n_probe', text: text.trim() || 'x', kind, ...extra }
  const canAdd = allowed(state, actor, travelling, 'note_added', probe)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!text.trim() || !canAdd) return
    dispatch(
      eventRequested({
        type: 'note_added',
        data: { card_id: card.card_id, note_id: newShortId('n'), text: text.trim(), kind, ...extra },
      }),
    )
    setText('')
    setOwner('')
    setDue('')
  }

  return (
    <section className="notes-section" aria-labelledby="notes-heading">
      <h3 id="notes-heading">Notes and action items</h3>
      {card.notes.length === 0 && <p className="muted">No notes yet.</p>}
      <ul className="notes">
        {card.notes.map((n) => (
          <li key={n.note_id} className={`note note-${n.kind}`}>
            <span className="note-kind">{n.kind === 'action' ? 'Action' : 'Takeaway'}</span>
            <span className="note-text">{n.text}</span>
            <span className="muted small-text">{state.participants[n.author]?.name ?? (n.author === 'anonymous' ? 'Anonymous' : '')}</span>
            {n.kind === 'action' && <ActionFields state={state} cardId={card.card_id} note={n} />}
            {allowed(state, actor, travelling, 'note_deleted', { card_id: card.card_id, note_id: n.note_id }) && (
              <button
                type="button"
                className="ghost small danger"
                aria-label={`Delete note: ${n.text}`}
                onClick={() => dispatch(eventRequested({ type: 'note_deleted', data: { card_id: card.card_id, note_id: n.note_id } }))}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <form className={kind === 'action' ? 'note-form note-form-action' : 'note-form'} onSubmit={submit}>
        <label className="visually-hidden" htmlFor="note-text">
          Note
        </label>
        <input
          id="note-text"
          value={text}
          maxLength={500}
          placeholder="A takeaway or an action item…"
          disabled={travelling}
          onChange={(e) => setText(e.target.value)}
        />
        <label className="visually-hidden" htmlFor="note-kind">
          Note kind
        </label>
        <select id="note-kind" value={kind} disabled={travelling} onChange={(e) => setKind(e.target.value as NoteKind)}>
          <option value="takeaway">Takeaway</option>
          <option value="action">Action item</option>
        </select>
        {kind === 'action' && (
          <>
            <label className="visually-hidden" htmlFor="note-owner">
              Owner
            </label>
            <select id="note-owner" value={owner} disabled={travelling} onChange={(e) => setOwner(e.target.value)}>
              <option value="">No owner</option>
              {participantOptions(state).map((p) => (
                <option key={p.pid} value={p.pid}>
                  {p.name}
                </option>
              ))}
            </select>
            <label className="visually-hidden" htmlFor="note-due">
              Due date
            </label>
            <input id="note-due" type="date" value={due} disabled={travelling} onChange={(e) => setDue(e.target.value)} />
          </>
        )}
        <button type="submit" className="secondary" disabled={!canAdd || text.trim() === ''}>
          Add note
        </button>
      </form>
    </section>
  )
}
