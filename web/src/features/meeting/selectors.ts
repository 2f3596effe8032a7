// Everything the UI shows about the meeting is derived here. The live state is the join reply's base state
// with the live tail folded on top, advancing incrementally as events arrive; while time travelling the
// board shows the timeline's state at its cursor (features/timeline: snapshots and pages of history).
import { createSelector } from '@reduxjs/toolkit'
import { CATALOGUE, apply, initialState, validate, votesUsed } from '../../domain'
import type { Actor, MeetingEvent, MeetingState } from '../../domain'
import type { RootState } from '../../app/rootReducer'

type Card = MeetingState['cards'][number]

export const selectMeetingSlice = (s: RootState) => s.meeting
export const selectBase = (s: RootState) => s.meeting.base
export const selectTail = (s: RootState) => s.meeting.tail
export const selectMe = (s: RootState) => s.meeting.me
export const selectStatus = (s: RootState) => s.meeting.status
export const selectClockOffset = (s: RootState) => s.meeting.clockOffsetMs

// Only `state`-class events change the board; reactions (moment) are kept for the floating emoji and replay.
export function isStateEvent(event: MeetingEvent): boolean {
  return CATALOGUE[event.type]?.replay === 'state'
}

// Folds a growing tail onto a base without starting over: when the new tail extends the one folded last
// time (Immer keeps the old elements' identity on append) and the base is the same object, only the new
// events are applied. A new base (a fresh join) starts again from it. `step` is injectable for tests.
export function createIncrementalFold(
  step: (state: MeetingState, event: MeetingEvent) => MeetingState = apply,
): (base: MeetingState | null, tail: MeetingEvent[]) => MeetingState {
  let started = false
  let lastBase: MeetingState | null = null
  let lastTail: MeetingEvent[] = []
  let lastState: MeetingState = initialState()
  return (base, tail) => {
    if (started && base === lastBase && tail === lastTail) return lastState
    const n = lastTail.length
    const extends_ = started && base === lastBase && tail.length >= n && (n === 0 || tail[n - 1] === lastTail[n - 1])
    let state = extends_ ? lastState : (base ?? initialState())
    for (let i = extends_ ? n : 0; i < tail.length; i++) {
      if (isStateEvent(tail[i])) state = step(state, tail[i])
    }
    started = true
    lastBase = base
    lastTail = tail
    lastState = state
    return state
  }
}

export const selectLiveState = createSelector([selectBase, selectTail], createIncrementalFold())

export const selectTravelling = (s: RootState) => s.timeline.travelling

// What the board shows: the live meeting, or the meeting as it was at the timeline's cursor (the live
// board stays up until the first jump has been loaded).
export const selectViewState = (s: RootState): MeetingState =>
  s.timeline.travelling && s.timeline.shown ? s.timeline.shown : selectLiveState(s)

// Ids of the anonymous cards this client wrote (join reply's own_cards + what it added since).
export const selectOwnCardIdList = (s: RootState) => s.meeting.ownCards
export const selectOwnCardIds = createSelector([selectOwnCardIdList], (ids): ReadonlySet<string> => new Set(ids))

// The seals of our own anonymous cards as a stable string ("id=seal,…"), so that the actor object below
// keeps its identity while unrelated events arrive (components select it).
const selectOwnSealsKey = createSelector([selectLiveState, selectOwnCardIdList], (state, own): string =>
  own.length === 0
    ? ''
    : state.cards
        .filter((c) => c.seal && own.includes(c.card_id))
        .map((c) => `${c.card_id}=${c.seal}`)
        .join(','),
)

// The actor this client pushes as. `seals` lets the domain's validate recognise our own anonymous cards
// (the server fills in the real seals on a push; the card's stored seal is exactly what it would prove).
export const selectActor = createSelector([selectMe, selectOwnSealsKey], (me, sealsKey): Actor | null => {
  if (!me) return null
  const actor: Actor = { pid: me.pid, name: me.name, role: me.role }
  if (sealsKey) actor.seals = Object.fromEntries(sealsKey.split(',').map((kv) => kv.split('=') as [string, string]))
  return actor
})

// The EFFECTIVE facilitator: once the role was handed to someone (state.facilitator) only that pid;
// before that, whoever joined with the facilitator token.
export function isFacilitatorIn(state: MeetingState, me: { pid: string; role: string } | null): boolean {
  if (!me) return false
  return (state.facilitator ?? null) !== null ? me.pid === state.facilitator : me.role === 'facilitator'
}

export const selectIsFacilitator = (s: RootState) => isFacilitatorIn(selectLiveState(s), s.meeting.me)

// Holds the facilitator token (can take the role back) but is not the facilitator right now.
export const selectCanReclaimFacilitator = (s: RootState) =>
  s.meeting.me?.role === 'facilitator' && !selectIsFacilitator(s)

// Whether this client may edit/delete a card: the facilitator, its author, or the writer of an anonymous card.
export function selectCanEditCard(s: RootState, card: Card): boolean {
  const me = s.meeting.me
  if (!me) return false
  return selectIsFacilitator(s) || card.author === me.pid || s.meeting.ownCards.includes(card.card_id)
}

// Cards per column. In the vote and discuss phases the to-discuss column is ranked by votes (ties keep
// creation order, which Array.prototype.sort preserves).
export interface BoardColumns {
  todo: Card[]
  discussing: Card[]
  done: Card[]
  parked: Card[]
}

export function totalVotes(card: Card): number {
  return Object.values(card.votes).reduce((sum, n) => sum + n, 0)
}

export function boardColumns(state: MeetingState): BoardColumns {
  const ranked = state.phase === 'vote' || state.phase === 'discuss' || state.phase === 'done'
  const order = ranked ? [...state.cards].sort((a, b) => totalVotes(b) - totalVotes(a)) : state.cards
  return {
    todo: order.filter((c) => c.status === 'todo'),
    discussing: order.filter((c) => c.status === 'discussing'),
    done: order.filter((c) => c.status === 'done'),
    parked: order.filter((c) => c.status === 'parked'),
  }
}

export const selectBoard = createSelector([selectViewState], boardColumns)

// The card that "Next topic" would start: the top-voted card still to discuss.
export function nextTopicCard(state: MeetingState): Card | null {
  return boardColumns({ ...state, phase: 'discuss' }).todo[0] ?? null
}

export const selectVotesLeft = createSelector([selectViewState, selectMe], (state, me) =>
  me ? Math.max(0, state.settings.votes_per_person - votesUsed(state, me.pid)) : 0,
)

// Whether this client may do something right now: the domain's own validate, and never while travelling.
export function allowed(
  state: MeetingState,
  actor: Actor | null,
  travelling: boolean,
  type: string,
  data: Record<string, unknown>,
): boolean {
  if (travelling || actor === null) return false
  // The server gives a pushed card_added the pusher's seal for it (docs/domain.md § Anonymous cards);
  // that seal cannot be known here, and for a new card only its presence is checked.
  const cardId = data.card_id
  const asPushed =
    type === 'card_added' && typeof cardId === 'string' ? { ...actor, seals: { ...actor.seals, [cardId]: 'new' } } : actor
  return validate(state, asPushed, type, data) === null
}

export const selectLastSeq = (s: RootState) => s.meeting.lastSeq

// What a push is about, for the pending registry: its card, or nothing in particular.
export function pendingKeyOf(data: Record<string, unknown>): string {
  return typeof data.card_id === 'string' ? data.card_id : ''
}

// Whether a push of this type (about this card, when `key` is given) is still waiting for the server.
export function selectIsPending(s: RootState, type: string, key?: string): boolean {
  return s.meeting.pending.some((p) => p.type === type && (key === undefined || p.key === key))
}

export const selectPendingCount = (s: RootState) => s.meeting.pending.length
