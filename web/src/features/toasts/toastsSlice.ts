// Messages for the aria-live alert region: rejected pushes, failures, confirmations.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'

export interface Toast {
  id: string
  text: string
  tone: 'error' | 'info'
}

const toastsSlice = createSlice({
  name: 'toasts',
  initialState: { items: [] as Toast[] },
  reducers: {
    toastShown(state, action: PayloadAction<Toast>) {
      state.items.push(action.payload)
      if (state.items.length > 4) state.items.shift()
    },
    toastDismissed(state, action: PayloadAction<{ id: string }>) {
      state.items = state.items.filter((t) => t.id !== action.payload.id)
    },
  },
})

export const { toastShown, toastDismissed } = toastsSlice.actions
export default toastsSlice.reducer
