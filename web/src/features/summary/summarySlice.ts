// The Done screen's copy of the server's summary: the JSON it shows and the Markdown it downloads and
// copies (GET …/summary and …/summary.md, the same content). Kept while a refresh is in flight.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { FetchStatus } from '../analytics/analyticsSlice'
import type { MeetingSummary } from './types'

export type CopyStatus = 'idle' | 'copied' | 'failed'

export interface SummaryState {
  meetingId: string | null
  status: FetchStatus
  data: MeetingSummary | null
  markdown: string | null
  error: string | null
  copy: CopyStatus
}

const initialState: SummaryState = { meetingId: null, status: 'idle', data: null, markdown: null, error: null, copy: 'idle' }

const summarySlice = createSlice({
  name: 'summary',
  initialState,
  reducers: {
    summaryOpened(state, action: PayloadAction<{ meetingId: string }>) {
      if (state.meetingId !== action.payload.meetingId) return { ...initialState, meetingId: action.payload.meetingId }
      return state
    },
    summaryClosed(state) {
      state.copy = 'idle'
    },
    summaryRequested(state) {
      state.status = 'loading'
    },
    summaryLoaded(state, action: PayloadAction<{ data: MeetingSummary; markdown: string }>) {
      state.status = 'ready'
      state.data = action.payload.data
      state.markdown = action.payload.markdown
      state.error = null
    },
    summaryFailed(state, action: PayloadAction<{ reason: string }>) {
      state.status = 'failed'
      state.error = action.payload.reason
    },
    copyRequested() {},
    copyFinished(state, action: PayloadAction<{ ok: boolean }>) {
      state.copy = action.payload.ok ? 'copied' : 'failed'
    },
  },
})

export const { summaryOpened, summaryClosed, summaryRequested, summaryLoaded, summaryFailed, copyRequested, copyFinished } =
  summarySlice.actions
export default summarySlice.reducer
