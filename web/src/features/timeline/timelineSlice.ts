// Time travel. The slider spans seq 0..head (the meeting's lastSeq); `cursorSeq` is where the person put
// it, `shown` the meeting as it was at `shownSeq` — what the board shows. They differ while a jump is
// being fetched (`loading`). History itself (pages of events, snapshots) lives in the saga's cache
// (history.ts), never in the store: the store only holds what is on screen.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { MeetingEvent, MeetingState } from '../../domain'
import { meetingClosed, meetingOpened } from '../meeting/meetingSlice'

export type Speed = 1 | 4 | 16

export interface TimelineState {
  travelling: boolean
  cursorSeq: number
  shownSeq: number
  shown: MeetingState | null // null until the first jump of this travel has been loaded
  shownEvent: MeetingEvent | null // the event at shownSeq (for the label); null at seq 0
  loading: boolean
  playing: boolean
  speed: Speed
}

const initialState: TimelineState = {
  travelling: false,
  cursorSeq: 0,
  shownSeq: 0,
  shown: null,
  shownEvent: null,
  loading: false,
  playing: false,
  speed: 1,
}

export interface Shown {
  seq: number
  state: MeetingState
  event: MeetingEvent | null
}

function show(state: TimelineState, { seq, state: meeting, event }: Shown) {
  state.shownSeq = seq
  state.shown = meeting
  state.shownEvent = event
  state.loading = false
}

const timelineSlice = createSlice({
  name: 'timeline',
  initialState,
  reducers: {
    travelEntered(state, action: PayloadAction<{ cursorSeq: number }>) {
      state.travelling = true
      state.cursorSeq = action.payload.cursorSeq
      state.playing = false
    },
    cursorMoved(state, action: PayloadAction<{ cursorSeq: number }>) {
      state.travelling = true
      state.cursorSeq = action.payload.cursorSeq
    },
    // Starting to play at the live end replays from the beginning.
    cursorRewound(state) {
      state.cursorSeq = 0
    },
    travelLoading(state) {
      state.loading = true
    },
    // A jump arrived. One for a cursor that has moved on since is stale and ignored.
    travelShown(state, action: PayloadAction<Shown>) {
      if (!state.travelling || action.payload.seq !== state.cursorSeq) return
      show(state, action.payload)
    },
    // The jump could not be loaded: the slider goes back to what is shown (or to live if nothing is).
    travelFailed(state, action: PayloadAction<{ seq: number }>) {
      if (action.payload.seq !== state.cursorSeq) return
      state.loading = false
      state.playing = false
      if (state.shown) state.cursorSeq = state.shownSeq
      else state.travelling = false
    },
    // Playback's own step: moves cursor and board together, and does not stop the player.
    playbackAdvanced(state, action: PayloadAction<Shown>) {
      if (!state.travelling) return
      state.cursorSeq = action.payload.seq
      show(state, action.payload)
    },
    playToggled(state) {
      state.playing = !state.playing
      state.travelling = true
    },
    playbackEnded(state) {
      state.playing = false
      state.loading = false
    },
    speedSet(state, action: PayloadAction<Speed>) {
      state.speed = action.payload
    },
    backToLive(state) {
      return { ...initialState, speed: state.speed }
    },
  },
  extraReducers: (builder) => {
    builder.addCase(meetingOpened, () => initialState)
    builder.addCase(meetingClosed, () => initialState)
  },
})

export const {
  travelEntered,
  cursorMoved,
  cursorRewound,
  travelLoading,
  travelShown,
  travelFailed,
  playbackAdvanced,
  playToggled,
  playbackEnded,
  speedSet,
  backToLive,
} = timelineSlice.actions
export default timelineSlice.reducer
