import { useCallback, useEffect, useMemo, useRef, useState, type FocusEvent, type PointerEvent } from 'react'
import type { Card, MeetingState } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested } from '../meeting/commands'
import { selectBoard, selectMe, selectTravelling, selectViewState } from '../meeting/selectors'
import { AddCard } from './AddCard'
import { BoardContext, type BoardActions } from './boardContext'
import { CardItem } from './CardItem'
import { ConfirmDialog } from './ConfirmDialog'
import { todoOrder } from './order'
import { isFacilitatorIn, mergeTargets, selectOwnCards } from './permissions'
import { useHeldOrder } from './useHeldOrder'
import { VoteStatus } from './VoteStatus'
import './board.css'

// How long the order stays held after this person's last vote, for fingers (a touch has no "pointer over
// the board": the pointer leaves when the finger lifts) and for quick bursts of votes.
const VOTE_BURST_MS = 4000

type Pending = { kind: 'merge'; from: string; into: string } | { kind: 'delete'; cardId: string } | null

export function Board() {
  const dispatch = useAppDispatch()
  const board = useAppSelector(selectBoard)
  const state = useAppSelector(selectViewState)
  const travelling = useAppSelector(selectTravelling)
  const me = useAppSelector(selectMe)
  const ownCards = useAppSelector(selectOwnCards)
  const facilitator = isFacilitatorIn(state, me)
  const voting = state.phase === 'vote' && !travelling
  const hideTotals = state.phase === 'vote' && state.settings.hide_totals === true
  const ranked = state.phase !== 'collect'

  // While voting, the to-discuss column keeps the order it had while the mouse (or pen) is over the cards,
  // while keyboard focus is on them, and for a few seconds after this person votes; it re-sorts when the
  // pointer leaves, focus leaves, the burst ends, or on "Sort by votes". Others' votes still update the
  // counts at once; only the positions wait, so the button under the pointer is the one that was aimed at.
  const [pointerIn, setPointerIn] = useState(false)
  const [keyboardIn, setKeyboardIn] = useState(false)
  const [burst, setBurst] = useState(false)
  const burstTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(burstTimer.current), [])
  // Drag to merge, and the two questions the board asks.
  const [drag, setDrag] = useState<{ from: string; over: string | null } | null>(null)
  // A drag holds the order too: the card aimed at must not move away from under the finger.
  const holding = voting && (pointerIn || keyboardIn || burst || drag !== null)
  const todoRanked = useMemo(() => todoOrder(state.cards, board.todo, hideTotals), [state.cards, board.todo, hideTotals])
  const held = useHeldOrder(todoRanked, holding)

  const [pending, setPending] = useState<Pending>(null)
  const dragRef = useRef(drag)
  dragRef.current = drag
  const targets = useMemo(() => {
    const from = drag && state.cards.find((c) => c.card_id === drag.from)
    return new Set(from ? mergeTargets(state, me, ownCards, from, state.cards).map((c) => c.card_id) : [])
  }, [drag?.from, state, me, ownCards]) // eslint-disable-line react-hooks/exhaustive-deps

  const voted = useCallback(() => {
    setBurst(true)
    clearTimeout(burstTimer.current)
    burstTimer.current = setTimeout(() => setBurst(false), VOTE_BURST_MS)
  }, [])

  const actions: BoardActions = useMemo(
    () => ({
      dragFrom: drag?.from ?? null,
      dragOver: drag?.over ?? null,
      targets,
      startDrag: (from) => setDrag({ from, over: null }),
      overDrag: (over) => setDrag((d) => (d ? { ...d, over } : d)),
      dropDrag: (over) => {
        const d = dragRef.current
        if (d && over && targets.has(over)) setPending({ kind: 'merge', from: d.from, into: over })
      },
      endDrag: () => setDrag(null),
      requestMerge: (from, into) => setPending({ kind: 'merge', from, into }),
      requestDelete: (cardId) => setPending({ kind: 'delete', cardId }),
      voted,
    }),
    [drag, targets, voted],
  )

  const onPointer = (inside: boolean) => (e: PointerEvent) => {
    if (e.pointerType !== 'touch') setPointerIn(inside)
  }
  const onFocus = (e: FocusEvent<HTMLElement>) => setKeyboardIn(e.target.matches(':focus-visible'))
  const onBlur = (e: FocusEvent<HTMLElement>) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setKeyboardIn(false)
  }

  // During collect and vote nothing is being discussed or done (unless the meeting went back a phase):
  // empty columns give way, and the cards spread over the width.
  const early = state.phase === 'collect' || state.phase === 'vote'
  const showDiscussing = !early || board.discussing.length > 0
  const showDone = !early || board.done.length > 0 || board.parked.length > 0
  const single = !showDiscussing && !showDone

  return (
    <BoardContext.Provider value={actions}>
      <section className={`board${drag ? ' board-dragging' : ''}`} aria-label="Board">
        {(state.phase === 'collect' || state.phase === 'vote') && !travelling && <AddCard />}
        {voting && (
          <VoteStatus state={state} hideTotals={hideTotals} facilitator={facilitator} outOfOrder={held.outOfOrder} onSort={held.sortNow} />
        )}
        <div
          className={single ? 'columns columns-single' : 'columns'}
          onPointerEnter={onPointer(true)}
          onPointerLeave={onPointer(false)}
          onFocus={onFocus}
          onBlur={onBlur}
        >
          <Column
            id="todo"
            title="To discuss"
            cards={held.cards}
            hint={hideTotals ? 'In the order they were added' : ranked ? 'Most votes first' : undefined}
          />
          {showDiscussing && <Column id="discussing" title="Discussing" cards={board.discussing} />}
          {showDone && (
            <Column id="done" title="Done" cards={board.done}>
              {board.parked.length > 0 && (
                <section className="parked" aria-labelledby="col-parked">
                  <h3 id="col-parked" className="column-subtitle">
                    Parked <span className="count">{board.parked.length}</span>
                  </h3>
                  <ul className="card-list">
                    {board.parked.map((c) => (
                      <CardItem key={c.card_id} card={c} />
                    ))}
                  </ul>
                </section>
              )}
            </Column>
          )}
        </div>
        {pending && <PendingQuestion pending={pending} state={state} onDone={() => setPending(null)} dispatch={dispatch} />}
      </section>
    </BoardContext.Provider>
  )
}

function PendingQuestion({
  pending,
  state,
  onDone,
  dispatch,
}: {
  pending: NonNullable<Pending>
  state: MeetingState
  onDone: () => void
  dispatch: ReturnType<typeof useAppDispatch>
}) {
  const find = (id: string) => state.cards.find((c) => c.card_id === id)
  if (pending.kind === 'merge') {
    const from = find(pending.from)
    const into = find(pending.into)
    // Someone else deleted or merged one of them meanwhile: nothing left to ask.
    if (!from || !into) return <Vanished onDone={onDone} />
    return (
      <ConfirmDialog
        title="Merge these cards?"
        confirmLabel="Merge"
        onCancel={onDone}
        onConfirm={() => {
          dispatch(eventRequested({ type: 'card_merged', data: { card_id: from.card_id, into_card_id: into.card_id } }))
          onDone()
        }}
      >
        <p>
          “{from.title}” goes into “{into.title}”. Its votes and notes move there; “{into.title}” keeps its title.
        </p>
      </ConfirmDialog>
    )
  }
  const card = find(pending.cardId)
  if (!card) return <Vanished onDone={onDone} />
  return (
    <ConfirmDialog
      title={`Delete “${card.title}”?`}
      confirmLabel="Delete card"
      cancelLabel="Keep it"
      danger
      onCancel={onDone}
      onConfirm={() => {
        dispatch(eventRequested({ type: 'card_deleted', data: { card_id: card.card_id } }))
        onDone()
      }}
    >
      <p>Its votes go back to the people who gave them and its notes are removed. This cannot be undone.</p>
    </ConfirmDialog>
  )
}

function Vanished({ onDone }: { onDone: () => void }) {
  useEffect(onDone, [onDone])
  return null
}

function Column({
  id,
  title,
  cards,
  hint,
  children,
}: {
  id: string
  title: string
  cards: Card[]
  hint?: string
  children?: React.ReactNode
}) {
  return (
    <section className={`column column-${id}`} aria-labelledby={`col-${id}`}>
      <h2 id={`col-${id}`} className="column-title">
        {title} <span className="count">{cards.length}</span>
        {hint && <span className="column-hint">{hint}</span>}
      </h2>
      {cards.length === 0 && !children && <p className="empty muted">Nothing here yet.</p>}
      <ul className="card-list">
        {cards.map((c) => (
          <CardItem key={c.card_id} card={c} />
        ))}
      </ul>
      {children}
    </section>
  )
}
