// The "Start a meeting" form's request state.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { CreateMeetingRequest } from '../../lib/api'

const landingSlice = createSlice({
  name: 'landing',
  initialState: { creating: false, error: null as string | null },
  reducers: {
    createRequested(state, _action: PayloadAction<CreateMeetingRequest>) {
      state.creating = true
      state.error = null
    },
    createSucceeded(state) {
      state.creating = false
    },
    createFailed(state, action: PayloadAction<{ reason: string }>) {
      state.creating = false
      state.error = action.payload.reason
    },
  },
})

export const { createRequested, createSucceeded, createFailed } = landingSlice.actions
export default landingSlice.reducer
