// "Someone is typing" per card: who, and a key so that only the latest signal's expiry removes it.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'

export interface TypingSignal {
  card_id: string // '' for "typing somewhere" (e.g. the new-card input)
  pid: string
  name: string
  key: string
}

const typingSlice = createSlice({
  name: 'typing',
  initialState: { byCard: {} as Record<string, Record<string, { name: string; key: string }>> },
  reducers: {
    typingSeen(state, action: PayloadAction<TypingSignal>) {
      const { card_id, pid, name, key } = action.payload
      state.byCard[card_id] ??= {}
      state.byCard[card_id][pid] = { name, key }
    },
    typingExpired(state, action: PayloadAction<TypingSignal>) {
      const { card_id, pid, key } = action.payload
      if (state.byCard[card_id]?.[pid]?.key !== key) return // a newer signal is still showing
      delete state.byCard[card_id][pid]
      if (Object.keys(state.byCard[card_id]).length === 0) delete state.byCard[card_id]
    },
  },
})

export const { typingSeen, typingExpired } = typingSlice.actions
export default typingSlice.reducer
