// Time travel. `cursorSeq` (not an index) marks the event the board is folded up to, so the position
// stays put when the fetched archive merges more events into the log.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { MeetingEvent } from '../../domain'
import { meetingClosed, meetingOpened } from '../meeting/meetingSlice'

export type Speed = 1 | 4 | 16

export interface TimelineState {
  travelling: boolean
  cursorSeq: number
  playing: boolean
  speed: Speed
  archive: MeetingEvent[] // the whole stored log fetched over HTTP (includes reactions)
  loading: boolean
}

const initialState: TimelineState = {
  travelling: false,
  cursorSeq: 0,
  playing: false,
  speed: 1,
  archive: [],
  loading: false,
}

const timelineSlice = createSlice({
  name: 'timeline',
  initialState,
  reducers: {
    travelEntered(state, action: PayloadAction<{ cursorSeq: number }>) {
      state.travelling = true
      state.cursorSeq = action.payload.cursorSeq
      state.playing = false
      state.loading = state.archive.length === 0
    },
    archiveLoaded(state, action: PayloadAction<MeetingEvent[]>) {
      state.archive = action.payload
      state.loading = false
    },
    archiveFailed(state) {
      state.loading = false
    },
    cursorMoved(state, action: PayloadAction<{ cursorSeq: number }>) {
      state.travelling = true
      state.cursorSeq = action.payload.cursorSeq
    },
    // Playback's own step: same as cursorMoved, but does not stop the player.
    playbackAdvanced(state, action: PayloadAction<{ cursorSeq: number }>) {
      state.cursorSeq = action.payload.cursorSeq
    },
    playToggled(state) {
      state.playing = !state.playing
      state.travelling = true
    },
    playbackEnded(state) {
      state.playing = false
    },
    speedSet(state, action: PayloadAction<Speed>) {
      state.speed = action.payload
    },
    backToLive(state) {
      state.travelling = false
      state.playing = false
    },
  },
  extraReducers: (builder) => {
    builder.addCase(meetingOpened, () => initialState)
    builder.addCase(meetingClosed, () => initialState)
  },
})

export const {
  travelEntered,
  archiveLoaded,
  archiveFailed,
  cursorMoved,
  playbackAdvanced,
  playToggled,
  playbackEnded,
  speedSet,
  backToLive,
} = timelineSlice.actions
export default timelineSlice.reducer
