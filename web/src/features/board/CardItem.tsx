import { memo, useMemo, useState, type FormEvent, type KeyboardEvent } from 'react'
import { shallowEqual } from 'react-redux'
import type { Actor, MeetingState } from '../../domain'
import type { RootState } from '../../app/rootReducer'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested, typingStarted } from '../meeting/commands'
import { allowed, selectActor, selectTravelling, selectViewState, totalVotes } from '../meeting/selectors'
import { TypingHint } from '../typing/TypingHint'

type Card = MeetingState['cards'][number]

// What one card shows beyond the card itself, derived from the meeting; compared field by field, so a card
// re-renders only when something it shows changed (a board of a hundred cards stays cheap to update while
// stepping through the timeline or when one card gets a vote).
function cardView(state: MeetingState, actor: Actor | null, travelling: boolean, card: Card) {
  const id = { card_id: card.card_id }
  const can = (type: string, data: Record<string, unknown> = id) => allowed(state, actor, travelling, type, data)
  return {
    phase: state.phase,
    author: state.participants[card.author]?.name ?? 'someone',
    mine: actor ? (card.votes[actor.pid] ?? 0) : 0,
    canVote: can('card_voted'),
    canWithdraw: can('vote_withdrawn'),
    canDiscuss: can('discussion_started'),
    canEdit: can('card_edited', { card_id: card.card_id, title: card.title }),
    canDelete: can('card_deleted'),
  }
}

export const CardItem = memo(function CardItem({ card }: { card: Card }) {
  const dispatch = useAppDispatch()
  const selectView = useMemo(() => {
    let last: { state: MeetingState; actor: Actor | null; travelling: boolean } | null = null
    let view: ReturnType<typeof cardView> | null = null
    return (s: RootState) => {
      const state = selectViewState(s)
      const actor = selectActor(s)
      const travelling = selectTravelling(s)
      if (!view || !last || last.state !== state || last.actor !== actor || last.travelling !== travelling) {
        last = { state, actor, travelling }
        view = cardView(state, actor, travelling, card)
      }
      return view
    }
  }, [card])
  const view = useAppSelector(selectView, shallowEqual)
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(card.title)

  const id = { card_id: card.card_id }
  const push = (type: string, data: Record<string, unknown> = id) => dispatch(eventRequested({ type, data }))
  const votes = totalVotes(card)
  const { mine, author, canEdit } = view
  const headingId = `card-${card.card_id}`

  const save = (e?: FormEvent) => {
    e?.preventDefault()
    const title = draft.trim()
    if (title && title !== card.title) push('card_edited', { card_id: card.card_id, title })
    setEditing(false)
  }
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      setDraft(card.title)
      setEditing(false)
    }
  }

  return (
    <li className={`card card-${card.status}`} aria-labelledby={headingId}>
      {editing ? (
        <form className="card-edit" onSubmit={save}>
          <label className="visually-hidden" htmlFor={`edit-${card.card_id}`}>
            Card title
          </label>
          <input
            id={`edit-${card.card_id}`}
            value={draft}
            maxLength={140}
            autoFocus
            onKeyDown={onKey}
            onChange={(e) => {
              setDraft(e.target.value)
              dispatch(typingStarted({ card_id: card.card_id }))
            }}
          />
          <div className="card-actions">
            <button type="submit" className="primary small" disabled={draft.trim() === ''}>
              Save
            </button>
            <button
              type="button"
              className="ghost small"
              onClick={() => {
                setDraft(card.title)
                setEditing(false)
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <h3 id={headingId} className="card-title">
          {card.title}
        </h3>
      )}
      <p className="card-meta muted">
        by {author}
        {card.status === 'parked' && <span className="badge badge-parked">Parked</span>}
        {card.notes.length > 0 && (
          <span className="badge">
            {card.notes.length} {card.notes.length === 1 ? 'note' : 'notes'}
          </span>
        )}
      </p>
      <TypingHint cardId={card.card_id} />
      <div className="card-footer">
        <span className="vote-count">
          <span className="dots" aria-hidden="true">
            {Array.from({ length: Math.min(mine, 10) }, (_, i) => (
              <i key={i} className="dot mine" />
            ))}
          </span>
          <strong>{votes}</strong> {votes === 1 ? 'vote' : 'votes'}
          {mine > 0 && <span className="visually-hidden">, {mine} yours</span>}
        </span>
        <div className="card-actions">
          {view.phase === 'vote' && (
            <>
              <button type="button" className="vote-button small" disabled={!view.canVote} onClick={() => push('card_voted')}>
                Vote
              </button>
              {mine > 0 && (
                <button
                  type="button"
                  className="ghost small"
                  aria-label="Take back one of my dots"
                  title="Take back one of my dots"
                  disabled={!view.canWithdraw}
                  onClick={() => push('vote_withdrawn')}
                >
                  −1
                </button>
              )}
            </>
          )}
          {view.phase === 'discuss' && (card.status === 'todo' || card.status === 'parked') && view.canDiscuss && (
            <button type="button" className="secondary small" onClick={() => push('discussion_started')}>
              Discuss
            </button>
          )}
          {!editing && canEdit && (
            <button
              type="button"
              className="ghost small"
              aria-label={`Edit card: ${card.title}`}
              onClick={() => {
                setDraft(card.title)
                setEditing(true)
              }}
            >
              Edit
            </button>
          )}
          {!editing && view.canDelete && (
            <button
              type="button"
              className="ghost small danger"
              aria-label={`Delete card: ${card.title}`}
              onClick={() => push('card_deleted')}
            >
              Delete
            </button>
          )}
        </div>
      </div>
      {(card.status === 'done' || card.status === 'parked') && card.notes.length > 0 && (
        <ul className="notes compact">
          {card.notes.map((n) => (
            <li key={n.note_id} className={`note note-${n.kind}`}>
              <span className="note-kind">{n.kind === 'action' ? 'Action' : 'Takeaway'}</span> {n.text}
            </li>
          ))}
        </ul>
      )}
    </li>
  )
})
