// Everything the UI shows about the meeting is derived here from the event log. The live state is a
// fold that advances incrementally as events are appended; time travel is the same fold up to a seq.
import { createSelector } from '@reduxjs/toolkit'
import { CATALOGUE, apply, fold, initialState, validate, votesUsed } from '../../domain'
import type { Actor, MeetingEvent, MeetingState } from '../../domain'
import type { RootState } from '../../app/rootReducer'

type Card = MeetingState['cards'][number]

export const selectMeetingSlice = (s: RootState) => s.meeting
export const selectEvents = (s: RootState) => s.meeting.events
export const selectMe = (s: RootState) => s.meeting.me
export const selectStatus = (s: RootState) => s.meeting.status
export const selectClockOffset = (s: RootState) => s.meeting.clockOffsetMs

// Only `state`-class events change the board; reactions (moment) are kept in the log for time travel.
export function isStateEvent(event: MeetingEvent): boolean {
  return CATALOGUE[event.type]?.replay === 'state'
}

// Folds a growing log without starting over: when the new log extends the one folded last time (Immer
// keeps the old elements' identity on append), only the new events are applied.
export function createIncrementalFold(): (events: MeetingEvent[]) => MeetingState {
  let lastEvents: MeetingEvent[] = []
  let lastState: MeetingState = initialState()
  return (events) => {
    if (events === lastEvents) return lastState
    const n = lastEvents.length
    const extends_ = events.length >= n && (n === 0 || events[n - 1] === lastEvents[n - 1])
    let state = extends_ ? lastState : initialState()
    for (let i = extends_ ? n : 0; i < events.length; i++) {
      if (isStateEvent(events[i])) state = apply(state, events[i])
    }
    lastEvents = events
    lastState = state
    return state
  }
}

export const selectLiveState = createSelector([selectEvents], createIncrementalFold())

// The log offered to the timeline: the fetched archive merged with what arrived live, by seq.
export const selectTravelLog = createSelector(
  [(s: RootState) => s.timeline.archive, selectEvents],
  (archive, live) => mergeBySeq(archive, live),
)

export function mergeBySeq(a: MeetingEvent[], b: MeetingEvent[]): MeetingEvent[] {
  if (a.length === 0) return b
  const bySeq = new Map<number, MeetingEvent>()
  for (const e of a) if (e.seq !== undefined) bySeq.set(e.seq, e)
  for (const e of b) if (e.seq !== undefined) bySeq.set(e.seq, e)
  return [...bySeq.values()].sort((x, y) => (x.seq ?? 0) - (y.seq ?? 0))
}

const selectTravelState = createSelector(
  [selectTravelLog, (s: RootState) => s.timeline.cursorSeq],
  (log, cursorSeq) => fold(log.filter(isStateEvent), cursorSeq),
)

export const selectTravelling = (s: RootState) => s.timeline.travelling

// What the board shows: the live meeting, or the meeting as it was at the timeline's cursor.
export const selectViewState = (s: RootState): MeetingState =>
  s.timeline.travelling ? selectTravelState(s) : selectLiveState(s)

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
