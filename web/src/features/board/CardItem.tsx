import { memo, useMemo, useState, type FormEvent, type KeyboardEvent } from 'react'
import { createPortal } from 'react-dom'
import { shallowEqual } from 'react-redux'
import type { Card, MeetingState } from '../../domain'
import { validate } from '../../domain'
import type { RootState } from '../../app/rootReducer'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested, typingStarted } from '../meeting/commands'
import type { Me } from '../meeting/meetingSlice'
import { allowed, selectLiveState, selectMe, selectTravelling, selectViewState, totalVotes } from '../meeting/selectors'
import { CardReactions } from '../reactions/CardReactions'
import { TypingHint } from '../typing/TypingHint'
import { useBoard } from './boardContext'
import { absorbedAuthor, absorbedInto } from './merged'
import { MergeMenu } from './MergeMenu'
import { authorLabel, canEditCardIn, canMergeIn, isFacilitatorIn, isMergePhase, selectOwnCards } from './permissions'
import { useDragToMerge } from './useDragToMerge'

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many)

// What one card shows beyond the card itself, derived from the meeting; compared field by field, so a card
// re-renders only when something it shows changed (a board of a hundred cards stays cheap to update while
// stepping through the timeline or when one card gets a vote).
function cardView(
  state: MeetingState,
  live: MeetingState,
  me: Me | null,
  ownCards: readonly string[],
  travelling: boolean,
  card: Card,
) {
  const actor = me && { pid: me.pid, name: me.name, role: me.role }
  const id = { card_id: card.card_id }
  const can = (type: string, data: Record<string, unknown> = id) => allowed(state, actor, travelling, type, data)
  // Editing, deleting and merging follow "author or facilitator" (permissions.ts), which on the client
  // also covers anonymous cards this person wrote; the domain's validate cannot see those seals.
  const mayChange = !travelling && canEditCardIn(state, me, ownCards, card)
  return {
    phase: state.phase,
    author: authorLabel(state, card),
    absorbed: absorbedInto(card)
      .map((m) => `${m.title} (${absorbedAuthor(state, m)})`)
      .join(' · '),
    mine: me ? (card.votes[me.pid] ?? 0) : 0,
    hideTotals: state.phase === 'vote' && state.settings.hide_totals === true,
    canVote: can('card_voted'),
    canWithdraw: can('vote_withdrawn'),
    canDiscuss: can('discussion_started'),
    canEdit: mayChange && card.status !== 'done',
    canDelete: mayChange && card.status !== 'discussing',
    canMerge: !travelling && mergeable(state, me, ownCards, card),
    // Reactions are not editing: they go to the live meeting, also while travelling.
    canReact: actor !== null && validate(live, actor, 'reaction', { emoji: '\u{1F44D}', card_id: card.card_id }) === null,
  }
}

// Whether some other card could take this one in (cheap for the facilitator, who may merge any two).
function mergeable(state: MeetingState, me: Me | null, ownCards: readonly string[], card: Card): boolean {
  if (!isMergePhase(state) || !canEditCardIn(state, me, ownCards, card)) return false
  return isFacilitatorIn(state, me) ? state.cards.length > 1 : state.cards.some((o) => canMergeIn(state, me, ownCards, card, o))
}

export const CardItem = memo(function CardItem({ card }: { card: Card }) {
  const dispatch = useAppDispatch()
  const selectView = useMemo(() => {
    let last: unknown[] = []
    let view: ReturnType<typeof cardView> | null = null
    return (s: RootState) => {
      const inputs = [selectViewState(s), selectLiveState(s), selectMe(s), selectOwnCards(s), selectTravelling(s)] as const
      if (!view || inputs.some((x, i) => x !== last[i])) {
        last = [...inputs]
        view = cardView(...inputs, card)
      }
      return view
    }
  }, [card])
  const view = useAppSelector(selectView, shallowEqual)
  const board = useBoard()
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(card.title)
  const drag = useDragToMerge(card.card_id, view.canMerge, {
    onStart: () => board.startDrag(card.card_id),
    onOver: board.overDrag,
    onDrop: board.dropDrag,
    onEnd: board.endDrag,
  })

  const id = { card_id: card.card_id }
  const push = (type: string, data: Record<string, unknown> = id) => dispatch(eventRequested({ type, data }))
  const votes = totalVotes(card)
  const { mine, author, canEdit } = view
  const headingId = `card-${card.card_id}`
  const isTarget = board.targets.has(card.card_id)
  const classes = [
    'card',
    `card-${card.status}`,
    board.dragFrom === card.card_id ? 'card-dragged' : '',
    isTarget ? 'card-drop-target' : '',
    isTarget && board.dragOver === card.card_id ? 'card-drop-over' : '',
  ]

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
  const vote = (type: 'card_voted' | 'vote_withdrawn') => {
    board.voted()
    push(type)
  }

  return (
    <li className={classes.filter(Boolean).join(' ')} aria-labelledby={headingId} data-card-id={card.card_id}>
      <div className="card-head">
        {view.canMerge && !editing && (
          <span className="drag-grip" aria-hidden="true" title="Drag onto another card to merge" {...drag.gripProps}>
            ⠿
          </span>
        )}
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
      </div>
      {view.absorbed && <p className="card-merged muted">Merged: {view.absorbed}</p>}
      <p className="card-meta muted">
        by {author}
        {card.status === 'parked' && <span className="badge badge-parked">Parked</span>}
        {card.notes.length > 0 && (
          <span className="badge">
            {card.notes.length} {plural(card.notes.length, 'note', 'notes')}
          </span>
        )}
      </p>
      <TypingHint cardId={card.card_id} />
      <CardReactions card={card} enabled={view.canReact} />
      <div className="card-footer">
        <span className="vote-count">
          <span className="dots" aria-hidden="true">
            {Array.from({ length: Math.min(mine, 10) }, (_, i) => (
              <i key={i} className="dot mine" />
            ))}
          </span>
          {view.hideTotals ? (
            <>
              <strong>{mine}</strong> {plural(mine, 'vote', 'votes')} from you
              <span className="visually-hidden">; totals are hidden until voting closes</span>
            </>
          ) : (
            <>
              <strong>{votes}</strong> {plural(votes, 'vote', 'votes')}
              {mine > 0 && <span className="visually-hidden">, {mine} yours</span>}
            </>
          )}
        </span>
        <div className="card-actions">
          {view.phase === 'vote' && (
            <>
              <button type="button" className="vote-button small" disabled={!view.canVote} onClick={() => vote('card_voted')}>
                Vote
              </button>
              {mine > 0 && (
                <button
                  type="button"
                  className="ghost small withdraw-button"
                  aria-label="Take back one of my dots"
                  title="Take back one of my dots"
                  disabled={!view.canWithdraw}
                  onClick={() => vote('vote_withdrawn')}
                />
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
          {!editing && view.canMerge && <MergeMenu card={card} />}
          {!editing && view.canDelete && (
            <button
              type="button"
              className="ghost small danger"
              aria-label={`Delete card: ${card.title}`}
              onClick={() => board.requestDelete(card.card_id)}
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
      {/* In <body>: the dragged card is faded (its own stacking context), the ghost must not be. */}
      {drag.ghost &&
        createPortal(
          <div className="drag-ghost" aria-hidden="true" style={{ left: drag.ghost.x, top: drag.ghost.y }}>
            {card.title}
          </div>,
          document.body,
        )}
    </li>
  )
})
