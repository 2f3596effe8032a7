// The meeting as this client holds it: a base state (the canonical state restored from the join reply,
// as of `baseSeq`) plus the live events that arrived after it, and who we are and how the connection is.
// Never the whole log: history is fetched page by page only when the timeline is opened (features/timeline).
// The board itself is never stored here either: selectors fold the tail onto the base (see selectors.ts).
import { createSlice, current, type PayloadAction } from '@reduxjs/toolkit'
import { apply, type MeetingEvent, type MeetingState, type Role } from '../../domain'
import type { Handoff } from '../../lib/handoff'

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
  // Anonymous cards this participant wrote (their author is "anonymous" in the state): the join reply's
  // own_cards plus the card_ids of every card_added this client pushed while anonymous_cards was on.
  ownCards: string[]
  // Pushes sent (or kept while disconnected) and not answered yet, oldest first: buttons show them as
  // pending, the banner counts them. `key` is what the push is about (its card_id, or '').
  pending: PendingPush[]
  // The socket is down right now (also before the first join: "can't reach the server").
  socketDown: boolean
  // The last join attempt got no answer in time (phoenix retries; the page offers a retry too).
  joinTimedOut: boolean
  // The meeting's title before joining (the join page names the meeting); null until fetched.
  infoTitle: string | null
}

export interface PendingPush {
  id: string
  type: string
  key: string
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
  ownCards: [],
  pending: [],
  socketDown: false,
  joinTimedOut: false,
  infoTitle: null,
}

// What a successful join brought, after the saga validated it.
export type JoinedPayload = {
  me: Me
  headSeq: number
  // The join reply's own_cards (absent when empty).
  ownCards?: string[]
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
    // `handoff`: the identity a "continue on another device" link carried (lib/handoff.ts).
    meetingOpened(_state, action: PayloadAction<{ meetingId: string; handoff?: Handoff | null }>) {
      return { ...initialMeetingState, meetingId: action.payload.meetingId }
    },
    meetingClosed() {
      return initialMeetingState
    },
    nameNeeded(state) {
      state.status = 'needName'
    },
    meetingInfoLoaded(state, action: PayloadAction<{ title: string }>) {
      state.infoTitle = action.payload.title
    },
    joinRequested(state, _action: PayloadAction<{ name: string }>) {
      state.status = 'connecting'
      state.failure = null
    },
    connecting(state) {
      state.status = 'connecting'
      state.failure = null
    },
    // "Try again" after a join timed out: the saga rejoins at once.
    joinRetried(state) {
      state.joinTimedOut = false
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
      for (const id of p.ownCards ?? []) if (!state.ownCards.includes(id)) state.ownCards.push(id)
      state.status = 'joined'
      state.failure = null
      state.socketDown = false
      state.joinTimedOut = false
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
        // Our own new name (from any of our devices) is the name we push as from now on.
        if (event.type === 'participant_renamed' && state.me && event.actor.pid === state.me.pid && typeof event.data.name === 'string') {
          state.me.name = event.data.name
        }
      }
      // A long session must not grow the tail for ever: fold its older half into the base.
      if (state.base && state.tail.length > TAIL_COMPACT_AT) {
        const folded = state.tail.splice(0, state.tail.length - TAIL_KEEP)
        state.base = folded.reduce((m, e) => apply(m, e), current(state.base))
        state.baseSeq = folded[folded.length - 1].seq ?? state.baseSeq
      }
    },
    socketDown(state) {
      state.socketDown = true
      if (state.status === 'joined' || state.status === 'connecting') {
        state.status = state.me ? 'reconnecting' : 'connecting'
      }
    },
    socketUp(state) {
      state.socketDown = false
    },
    joinTimedOut(state) {
      state.joinTimedOut = true
    },
    pushQueued(state, action: PayloadAction<PendingPush>) {
      state.pending.push(action.payload)
    },
    pushSettled(state, action: PayloadAction<{ id: string }>) {
      state.pending = state.pending.filter((p) => p.id !== action.payload.id)
    },
    clockSynced(state, action: PayloadAction<{ offsetMs: number }>) {
      state.clockOffsetMs = action.payload.offsetMs
    },
    // This client is pushing an anonymous card_added: remember the card as ours before the echo arrives.
    ownCardAdded(state, action: PayloadAction<{ card_id: string }>) {
      if (!state.ownCards.includes(action.payload.card_id)) state.ownCards.push(action.payload.card_id)
    },
  },
})

export const {
  meetingOpened,
  meetingClosed,
  nameNeeded,
  meetingInfoLoaded,
  joinRequested,
  connecting,
  joined,
  joinReplyRejected,
  joinFailed,
  eventsAppended,
  socketDown,
  socketUp,
  joinTimedOut,
  joinRetried,
  pushQueued,
  pushSettled,
  clockSynced,
  ownCardAdded,
} = meetingSlice.actions

export default meetingSlice.reducer
