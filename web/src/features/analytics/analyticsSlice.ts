// The Analytics tab's copy of GET /api/meetings/ID/analytics. The server computes everything; this
// slice only remembers the last answer (kept on screen while a refresh is in flight).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { MeetingAnalytics } from './types'

export type FetchStatus = 'idle' | 'loading' | 'ready' | 'failed'

export interface AnalyticsState {
  meetingId: string | null
  status: FetchStatus
  data: MeetingAnalytics | null
  error: string | null
}

const initialState: AnalyticsState = { meetingId: null, status: 'idle', data: null, error: null }

const analyticsSlice = createSlice({
  name: 'analytics',
  initialState,
  reducers: {
    analyticsOpened(state, action: PayloadAction<{ meetingId: string }>) {
      if (state.meetingId !== action.payload.meetingId) return { ...initialState, meetingId: action.payload.meetingId }
      return state
    },
    analyticsClosed() {},
    analyticsRequested(state) {
      state.status = 'loading'
    },
    analyticsLoaded(state, action: PayloadAction<MeetingAnalytics>) {
      state.status = 'ready'
      state.data = action.payload
      state.error = null
    },
    analyticsFailed(state, action: PayloadAction<{ reason: string }>) {
      state.status = 'failed'
      state.error = action.payload.reason
    },
  },
})

export const { analyticsOpened, analyticsClosed, analyticsRequested, analyticsLoaded, analyticsFailed } =
  analyticsSlice.actions
export default analyticsSlice.reducer
