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

export const selectActor = createSelector([selectMe], (me): Actor | null =>
  me ? { pid: me.pid, name: me.name, role: me.role } : null,
)

export const selectIsFacilitator = (s: RootState) => s.meeting.me?.role === 'facilitator'

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
  return !travelling && actor !== null && validate(state, actor, type, data) === null
}

export const selectLastSeq = (s: RootState) => s.meeting.lastSeq
