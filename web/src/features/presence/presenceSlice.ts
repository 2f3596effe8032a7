// Who is connected right now, as the phoenix Presence helper lists it (one entry per pid).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { PresentPerson } from '../meeting/connection'
import { meetingClosed, meetingOpened } from '../meeting/meetingSlice'

const presenceSlice = createSlice({
  name: 'presence',
  initialState: { people: [] as PresentPerson[] },
  reducers: {
    presenceSynced(state, action: PayloadAction<PresentPerson[]>) {
      state.people = action.payload
    },
  },
  extraReducers: (builder) => {
    builder.addCase(meetingOpened, (state) => void (state.people = []))
    builder.addCase(meetingClosed, (state) => void (state.people = []))
  },
})

export const { presenceSynced } = presenceSlice.actions
export default presenceSlice.reducer
