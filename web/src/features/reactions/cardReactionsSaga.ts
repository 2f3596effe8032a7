// After every join (fresh or resumed — reactions are not replayed on resume), seed the per-card reaction
// counts from the server's analytics: `reactions_by_card` as of `last_seq`. Without that field (an older
// server) or when the request fails, the cards count only the reactions seen live.
import { call, put, select, takeLatest } from 'redux-saga/effects'
import type { RootState } from '../../app/rootReducer'
import { analyticsUrl } from '../analytics/analyticsSaga'
import { browserFetch, getJson, type FetchFn } from '../analytics/viewFetching'
import { joined } from '../meeting/meetingSlice'
import { cardReactionsSeeded, type EmojiCounts } from './cardReactionsSlice'

export interface ReactionsSeedJson {
  last_seq?: unknown
  reactions_by_card?: unknown
}

// The seed in a view answer, or null when it carries none (checked: the numbers land on screen).
export function seedOf(json: ReactionsSeedJson): { lastSeq: number; byCard: Record<string, EmojiCounts> } | null {
  const { last_seq, reactions_by_card } = json
  if (typeof last_seq !== 'number' || !Number.isInteger(last_seq) || last_seq < 0) return null
  if (typeof reactions_by_card !== 'object' || reactions_by_card === null || Array.isArray(reactions_by_card)) return null
  const byCard: Record<string, EmojiCounts> = {}
  for (const [cardId, emojis] of Object.entries(reactions_by_card as Record<string, unknown>)) {
    if (typeof emojis !== 'object' || emojis === null) continue
    for (const [emoji, n] of Object.entries(emojis as Record<string, unknown>)) {
      if (typeof n === 'number' && Number.isInteger(n) && n > 0) (byCard[cardId] ??= {})[emoji] = n
    }
  }
  return { lastSeq: last_seq, byCard }
}

function* seed(fetchFn: FetchFn) {
  const meetingId: string | null = yield select((s: RootState) => s.meeting.meetingId)
  if (!meetingId) return
  try {
    const json: ReactionsSeedJson = yield call(getJson<ReactionsSeedJson>, fetchFn, analyticsUrl(meetingId))
    const found = seedOf(json)
    if (found) yield put(cardReactionsSeeded(found))
  } catch {
    // No seed: the counts start from the live reactions; the analytics tab reports its own failures.
  }
}

export function* cardReactionsSaga(fetchFn: FetchFn = browserFetch) {
  yield takeLatest(joined.type, seed, fetchFn)
}
