// The Feature usage page: the chosen date range and the server's answer for it.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { FetchStatus } from '../analytics/analyticsSlice'
import type { DateRange, FeatureUsage } from './types'

export interface FeaturesState {
  range: DateRange
  status: FetchStatus
  data: FeatureUsage | null
  error: string | null
}

const initialState: FeaturesState = { range: { from: '', to: '' }, status: 'idle', data: null, error: null }

const featuresSlice = createSlice({
  name: 'features',
  initialState,
  reducers: {
    featuresOpened() {},
    featuresClosed() {},
    featuresRangeChanged(state, action: PayloadAction<Partial<DateRange>>) {
      state.range = { ...state.range, ...action.payload }
    },
    featuresRequested(state) {
      state.status = 'loading'
    },
    featuresLoaded(state, action: PayloadAction<FeatureUsage>) {
      state.status = 'ready'
      state.data = action.payload
      state.error = null
    },
    featuresFailed(state, action: PayloadAction<{ reason: string }>) {
      state.status = 'failed'
      state.error = action.payload.reason
    },
  },
})

export const { featuresOpened, featuresClosed, featuresRangeChanged, featuresRequested, featuresLoaded, featuresFailed } =
  featuresSlice.actions
export default featuresSlice.reducer

// A range the server would refuse (400) is caught here, so the person gets a sentence instead.
export function rangeProblem(range: DateRange): string | null {
  if (range.from && range.to && range.from > range.to) return 'The “from” date is after the “to” date.'
  return null
}
