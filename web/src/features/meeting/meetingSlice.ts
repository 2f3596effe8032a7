// The meeting as this client holds it: the event log (every event with a seq that we have seen, in seq
// order) plus who we are and how the connection is. The board itself is never stored here: selectors
// fold the log (see selectors.ts), so there is exactly one truth.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { MeetingEvent, Role } from '../../domain'
import type { JoinReply } from './connection'

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
  events: MeetingEvent[]
  // Highest seq we are in step with. Can exceed the last seq in `events`: a join reply omits
  // moment events (reactions) but its head_seq still counts them.
  lastSeq: number
  // Server clock minus ours, estimated from live events; timers count down against server time.
  clockOffsetMs: number
}

export const initialMeetingState: MeetingSliceState = {
  meetingId: null,
  status: 'idle',
  failure: null,
  me: null,
  events: [],
  lastSeq: 0,
  clockOffsetMs: 0,
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
    joined(state, action: PayloadAction<{ reply: JoinReply; name: string }>) {
      const { reply, name } = action.payload
      const incoming = [...reply.events].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
      if (reply.resumed && state.events.length > 0) {
        // The reply holds what we missed; anything at or below lastSeq is already here.
        for (const event of incoming) {
          if ((event.seq ?? 0) > state.lastSeq) state.events.push(event)
        }
      } else {
        state.events = incoming
      }
      state.lastSeq = Math.max(reply.head_seq, incoming.at(-1)?.seq ?? 0)
      state.me = { pid: reply.pid, name, role: reply.role }
      state.status = 'joined'
      state.failure = null
    },
    joinFailed(state, action: PayloadAction<{ reason: string }>) {
      // unavailable/rate_limited are retried by phoenix; anything else is final.
      const retrying = action.payload.reason === 'unavailable' || action.payload.reason === 'rate_limited'
      state.status = retrying ? 'reconnecting' : 'failed'
      state.failure = action.payload.reason
    },
    // Only ever dispatched with seq == lastSeq + 1 (the saga checks); the guard keeps the log contiguous
    // even if that promise is broken.
    eventAppended(state, action: PayloadAction<MeetingEvent>) {
      const event = action.payload
      if (event.seq !== state.lastSeq + 1) return
      state.events.push(event)
      state.lastSeq = event.seq
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
  joinFailed,
  eventAppended,
  socketDown,
  clockSynced,
} = meetingSlice.actions

export default meetingSlice.reducer
