// The meeting as this client holds it: a base state (the canonical state restored from the join reply,
// as of `baseSeq`) plus the live events that arrived after it, and who we are and how the connection is.
// Never the whole log: history is fetched page by page only when the timeline is opened (features/timeline).
// The board itself is never stored here either: selectors fold the tail onto the base (see selectors.ts).
import { createSlice, current, type PayloadAction } from '@reduxjs/toolkit'
import { apply, type MeetingEvent, type MeetingState, type Role } from '../../domain'

export type ConnectionStatus =
  | 'idle' // no meeting open
  | 'needName' // waiting for the "Your name" form
  | 'connecting' // first join in flight
  | 'joined'
  | 'reconnecting' // we were joined; the socket or channel is down and phoenix is retrying
  | 'failed' // the join was refused for good (e.g. not_found)

export interface Me {
  pid: string
  name: string
  role: Role
}

export interface MeetingSliceState {
  meetingId: string | null
  status: ConnectionStatus
  failure: string | null
  me: Me | null
  // The meeting as of `baseSeq` (the head_seq of the last non-resumed join); null before the first join.
  base: MeetingState | null
  baseSeq: number
  // Stored events with seq > baseSeq, in seq order: live broadcasts (state and moment) and what resumed
  // joins replayed (state-class only, so seqs of reactions missed while offline are absent).
  tail: MeetingEvent[]
  // Highest seq we are in step with (the head): what the next live event must follow, and the `since` of
  // a rejoin. Can exceed the last seq in `tail` and base.last_seq: moment events count but are not replayed.
  lastSeq: number
  // Server clock minus ours, estimated from live events; timers count down against server time.
  clockOffsetMs: number
}

export const initialMeetingState: MeetingSliceState = {
  meetingId: null,
  status: 'idle',
  failure: null,
  me: null,
  base: null,
  baseSeq: 0,
  tail: [],
  lastSeq: 0,
  clockOffsetMs: 0,
}

// What a successful join brought, after the saga validated it.
export type JoinedPayload = {
  me: Me
  headSeq: number
} & ({ resumed: false; state: MeetingState } | { resumed: true; events: MeetingEvent[] })

// The live tail is folded into the base once it holds TAIL_COMPACT_AT events, keeping the newest TAIL_KEEP.
export const TAIL_COMPACT_AT = 2000
export const TAIL_KEEP = 500

function appendAfter(state: MeetingSliceState, events: readonly MeetingEvent[]) {
  for (const event of events) {
    if (event.seq !== undefined && event.seq > state.lastSeq) {
      state.tail.push(event)
      state.lastSeq = event.seq
    }
  }
}

const meetingSlice = createSlice({
  name: 'meeting',
  initialState: initialMeetingState,
  reducers: {
    meetingOpened(_state, action: PayloadAction<{ meetingId: string }>) {
      return { ...initialMeetingState, meetingId: action.payload.meetingId }
    },
    meetingClosed() {
      return initialMeetingState
    },
    nameNeeded(state) {
      state.status = 'needName'
    },
    joinRequested(state, _action: PayloadAction<{ name: string }>) {
      state.status = 'connecting'
      state.failure = null
    },
    connecting(state) {
      state.status = 'connecting'
      state.failure = null
    },
    joined(state, action: PayloadAction<JoinedPayload>) {
      const p = action.payload
      if (p.resumed) {
        // The reply holds the state-class events we missed; anything at or below lastSeq is already here.
        appendAfter(state, [...p.events].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)))
        state.lastSeq = Math.max(state.lastSeq, p.headSeq)
      } else {
        // A fresh snapshot replaces everything we held. head_seq, not state.last_seq, is what comes next.
        state.base = p.state
        state.baseSeq = p.headSeq
        state.tail = []
        state.lastSeq = p.headSeq
      }
      state.me = p.me
      state.status = 'joined'
      state.failure = null
    },
    // The join reply could not be used (its state did not restore, or it resumed a log we do not hold):
    // forget what we hold, so that the rejoin asks for a fresh state (no `since`).
    joinReplyRejected(state) {
      state.base = null
      state.baseSeq = 0
      state.tail = []
      state.lastSeq = 0
      if (state.status === 'joined') state.status = state.me ? 'reconnecting' : 'connecting'
    },
    joinFailed(state, action: PayloadAction<{ reason: string }>) {
      // unavailable/rate_limited are retried by phoenix; anything else is final.
      const retrying = action.payload.reason === 'unavailable' || action.payload.reason === 'rate_limited'
      state.status = retrying ? 'reconnecting' : 'failed'
      state.failure = action.payload.reason
    },
    // One live broadcast ("event") or batch ("events"), as one action. The saga only passes events that
    // continue the log (seq == lastSeq + 1, then +1 …); the guard keeps the tail contiguous regardless.
    eventsAppended(state, action: PayloadAction<MeetingEvent[]>) {
      for (const event of action.payload) {
        if (event.seq !== state.lastSeq + 1) break
        state.tail.push(event)
        state.lastSeq = event.seq
      }
      // A long session must not grow the tail for ever: fold its older half into the base.
      if (state.base && state.tail.length > TAIL_COMPACT_AT) {
        const folded = state.tail.splice(0, state.tail.length - TAIL_KEEP)
        state.base = folded.reduce((m, e) => apply(m, e), current(state.base))
        state.baseSeq = folded[folded.length - 1].seq ?? state.baseSeq
      }
    },
    socketDown(state) {
      if (state.status === 'joined' || state.status === 'connecting') {
        state.status = state.me ? 'reconnecting' : 'connecting'
      }
    },
    clockSynced(state, action: PayloadAction<{ offsetMs: number }>) {
      state.clockOffsetMs = action.payload.offsetMs
    },
  },
})

export const {
  meetingOpened,
  meetingClosed,
  nameNeeded,
  joinRequested,
  connecting,
  joined,
  joinReplyRejected,
  joinFailed,
  eventsAppended,
  socketDown,
  clockSynced,
} = meetingSlice.actions

export default meetingSlice.reducer
