// Emoji currently floating up the screen. Transient UI state: not part of the fold, gone after the
// animation (the saga expires each one).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'

export interface FloatingReaction {
  key: string
  emoji: string
  name: string
  left: number // percent of the screen width, chosen by the saga so the reducer stays pure
}

const reactionsSlice = createSlice({
  name: 'reactions',
  initialState: { floating: [] as FloatingReaction[] },
  reducers: {
    reactionShown(state, action: PayloadAction<FloatingReaction>) {
      if (state.floating.some((r) => r.key === action.payload.key)) return
      state.floating.push(action.payload)
      if (state.floating.length > 30) state.floating.shift()
    },
    reactionExpired(state, action: PayloadAction<{ key: string }>) {
      state.floating = state.floating.filter((r) => r.key !== action.payload.key)
    },
  },
})

export const { reactionShown, reactionExpired } = reactionsSlice.actions
export default reactionsSlice.reducer
