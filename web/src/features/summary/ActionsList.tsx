// Every action item of the meeting, across topics, with its owner and due date editable in place. Read
// from the live meeting state, so a change made here or anywhere else shows at once.
import type { MeetingState, Note } from '../../domain'
import { useAppSelector } from '../../app/hooks'
import { ActionFields } from '../discussion/ActionFields'
import { selectViewState } from '../meeting/selectors'
import '../discussion/actions.css'
import './summary.css'

export interface ActionRow {
  cardId: string
  topic: string
  note: Note
}

// In board order (the order the cards were added), then the order the items were written.
export function actionRows(state: MeetingState): ActionRow[] {
  return state.cards.flatMap((c) =>
    c.notes.filter((n) => n.kind === 'action').map((note) => ({ cardId: c.card_id, topic: c.title, note })),
  )
}

export function ActionsList({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const state = useAppSelector(selectViewState)
  const rows = actionRows(state)
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <section className="actions-panel card-surface" aria-labelledby="actions-heading">
      <Heading id="actions-heading">Action items{rows.length > 0 ? ` (${rows.length})` : ''}</Heading>
      {rows.length === 0 ? (
        <p className="muted">No action items yet. Add one to a topic while it is discussed (a note of kind “Action item”).</p>
      ) : (
        <ul className="actions-list">
          {rows.map((r) => (
            <li key={r.note.note_id} className="action-row" data-note={r.note.note_id}>
              <span className="action-text">{r.note.text}</span>
              <span className="action-topic muted small-text">
                <span className="visually-hidden">Topic: </span>
                {r.topic}
              </span>
              <ActionFields state={state} cardId={r.cardId} note={r.note} />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
