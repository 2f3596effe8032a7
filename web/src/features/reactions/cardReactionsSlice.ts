// Reaction counts per card, for the chips on each card. Reactions are moment events: the meeting state
// does not hold them and a resumed join does not replay them, so the counts come from two places:
// - a seed, the server's analytics (`reactions_by_card` at its `last_seq`), fetched after every join, and
// - live `reaction` events with a card_id, as they arrive.
// A live reaction at or below the seed's seq is already in the seed and is not counted again; one that
// arrived before the seed but is newer than it is kept (`recent`) and added on top when the seed lands.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { MeetingEvent } from '../../domain'
import { eventsAppended, meetingClosed, meetingOpened } from '../meeting/meetingSlice'

export type EmojiCounts = Record<string, number>

export interface CardReaction {
  seq: number
  card_id: string
  emoji: string
}

export interface CardReactionsState {
  // card_id → emoji → count: the seed plus the live reactions newer than it.
  counts: Record<string, EmojiCounts>
  // The seq the seed is as of; null until one arrived (then every live reaction counts).
  seedSeq: number | null
  // Live reactions newer than the seed, kept to be re-added when a newer seed replaces the counts.
  recent: CardReaction[]
}

// Enough to bridge the analytics request after a join; older ones are in any seed that follows.
export const RECENT_KEPT = 2000

export const initialCardReactions: CardReactionsState = { counts: {}, seedSeq: null, recent: [] }

function add(counts: Record<string, EmojiCounts>, r: CardReaction) {
  const card = (counts[r.card_id] ??= {})
  card[r.emoji] = (card[r.emoji] ?? 0) + 1
}

// The card reaction an event is, or null (not a reaction, no card, no seq).
export function cardReactionOf(event: MeetingEvent): CardReaction | null {
  if (event.type !== 'reaction' || typeof event.seq !== 'number') return null
  const { card_id, emoji } = event.data ?? {}
  return typeof card_id === 'string' && typeof emoji === 'string' ? { seq: event.seq, card_id, emoji } : null
}

function arrive(state: CardReactionsState, reactions: CardReaction[]) {
  for (const r of reactions) {
    if (state.seedSeq !== null && r.seq <= state.seedSeq) continue
    if (state.recent.some((x) => x.seq === r.seq)) continue
    state.recent.push(r)
    add(state.counts, r)
  }
  if (state.recent.length > RECENT_KEPT) state.recent.splice(0, state.recent.length - RECENT_KEPT)
}

const cardReactionsSlice = createSlice({
  name: 'cardReactions',
  initialState: initialCardReactions,
  reducers: {
    cardReactionsSeeded(state, action: PayloadAction<{ lastSeq: number; byCard: Record<string, EmojiCounts> }>) {
      const { lastSeq, byCard } = action.payload
      if (state.seedSeq !== null && lastSeq < state.seedSeq) return // an older answer than the one we hold
      const counts: Record<string, EmojiCounts> = {}
      for (const [cardId, emojis] of Object.entries(byCard)) {
        for (const [emoji, n] of Object.entries(emojis)) {
          if (Number.isInteger(n) && n > 0) (counts[cardId] ??= {})[emoji] = n
        }
      }
      state.recent = state.recent.filter((r) => r.seq > lastSeq)
      for (const r of state.recent) add(counts, r)
      state.counts = counts
      state.seedSeq = lastSeq
    },
    cardReactionsArrived(state, action: PayloadAction<CardReaction[]>) {
      arrive(state, action.payload)
    },
  },
  extraReducers: (builder) => {
    builder.addCase(meetingOpened, () => initialCardReactions)
    builder.addCase(meetingClosed, () => initialCardReactions)
    // The live broadcasts the meeting slice appends (the saga passes only the run that continues the log).
    builder.addCase(eventsAppended, (state, action) => {
      const reactions = action.payload.map(cardReactionOf).filter((r): r is CardReaction => r !== null)
      if (reactions.length > 0) arrive(state, reactions)
    })
  },
})

export const { cardReactionsSeeded, cardReactionsArrived } = cardReactionsSlice.actions
export default cardReactionsSlice.reducer
