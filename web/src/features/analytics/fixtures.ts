// Test fixtures in the documented shapes (docs/views.md), and a fake fetch that answers from a table.
import { configureStore } from '@reduxjs/toolkit'
import createSagaMiddleware from 'redux-saga'
import { rootReducer } from '../../app/rootReducer'
import { flush } from '../../test/fakes'
import type { MeetingAnalytics, Mood } from './types'

export function analyticsFixture(overrides: Partial<MeetingAnalytics> = {}): MeetingAnalytics {
  return {
    meeting_id: 'm1',
    title: 'Retro #7',
    phase: 'discuss',
    head_seq: 33,
    items: [
      {
        card_id: 'k1',
        title: 'Why are builds slow?',
        author_pid: 'p_ada',
        state: 'active',
        votes: 2,
        discussed_ms: 345000,
        times_discussed: 2,
        discussion_order: 1,
        discussing: true,
        outcome: 'done',
        reactions: { '👍': 1, '🎉': 1 },
        sentiment: { positive: 2, neutral: 0, negative: 0, mean: 1.0 },
        continue_votes: { up: 1, sideways: 0, down: 0 },
        notes: { takeaways: 1, actions: 1 },
      },
      {
        card_id: 'k2',
        title: 'Flaky tests',
        author_pid: 'p_bob',
        state: 'active',
        votes: 1,
        discussed_ms: 90000,
        times_discussed: 1,
        discussion_order: 2,
        discussing: false,
        outcome: 'parked',
        reactions: { '👎': 1 },
        sentiment: { positive: 0, neutral: 0, negative: 1, mean: -1 },
        continue_votes: { up: 0, sideways: 0, down: 1 },
        notes: { takeaways: 0, actions: 0 },
      },
      {
        card_id: 'k3',
        title: 'Lunch options',
        author_pid: 'p_bob',
        state: 'active',
        votes: 1,
        discussed_ms: 0,
        times_discussed: 0,
        discussion_order: null,
        discussing: false,
        outcome: null,
        reactions: {},
        sentiment: { positive: 0, neutral: 0, negative: 0, mean: null },
        continue_votes: { up: 0, sideways: 0, down: 0 },
        notes: { takeaways: 0, actions: 0 },
      },
      {
        card_id: 'k4',
        title: 'Merged away',
        author_pid: 'p_ada',
        state: 'merged',
        merged_into: 'k1',
        votes: 0,
        discussed_ms: 0,
        times_discussed: 0,
        discussion_order: null,
        discussing: false,
        outcome: null,
        reactions: {},
        sentiment: { positive: 0, neutral: 0, negative: 0, mean: null },
        continue_votes: { up: 0, sideways: 0, down: 0 },
        notes: { takeaways: 0, actions: 0 },
      },
    ],
    participation: [
      { pid: 'p_ada', name: 'Ada', cards: 2, votes: 2, notes: 1, reactions: 5, continue_votes: 1, events: 15 },
      { pid: 'p_bob', name: 'Bob', cards: 2, votes: 2, notes: 0, reactions: 3, continue_votes: 1, events: 12 },
    ],
    totals: {
      first_ts: 1732770000000,
      last_ts: 1732770545000,
      duration_ms: 545000,
      events: 33,
      items: 4,
      items_discussed: 2,
      discussed_ms: 435000,
      votes: 4,
      participants: 2,
      reactions: 8,
      reactions_by_emoji: { '🔥': 1 },
      unattributed_reactions: 1,
      sentiment: { positive: 5, neutral: 1, negative: 2, mean: 0.375 },
    },
    mood: moodFixture(),
    ...overrides,
  }
}

// RetroScript's reactions (views tests): minutes 0, 1, 6, 7, 8, 9; k1 from 1:00 to 6:00, k2 6:40–8:10.
export function moodFixture(): Mood {
  const t0 = 1732770000000
  const m = (minute: number, sum: number, counts: [number, number, number]) => {
    const scored = counts[0] + counts[1] + counts[2]
    return { minute, ts: t0 + minute * 60000, reactions: scored, scored, sum, mean: scored ? sum / scored : null,
      positive: counts[0], neutral: counts[1], negative: counts[2] }
  }
  return {
    minute_ms: 60000,
    start_ts: t0,
    minutes: [m(0, 1, [1, 0, 0]), m(1, 2, [2, 1, 0]), m(6, -1, [0, 0, 1]), m(7, -1, [0, 0, 1]), m(8, 1, [1, 0, 0]), m(9, 1, [1, 0, 0])],
    topics: [
      { card_id: 'k1', title: 'Why are builds slow?', start_ts: t0 + 60000, end_ts: t0 + 360000, running: false },
      { card_id: 'k2', title: 'Flaky tests', start_ts: t0 + 400000, end_ts: t0 + 490500, running: false },
      { card_id: 'k1', title: 'Why are builds slow?', start_ts: t0 + 500000, end_ts: t0 + 545000, running: true },
    ],
  }
}

export interface FakeFetch {
  (url: string): Promise<Response>
  urls: string[]
  // Answers still waiting, oldest first (when `manual`).
  pending: { url: string; resolve: () => void }[]
}

// Answers `body(url)` as JSON with `status(url)`; with manual = true, answers wait until resolved.
export function fakeFetch(
  body: (url: string) => unknown,
  options: { status?: (url: string) => number; manual?: boolean } = {},
): FakeFetch {
  const respond = (url: string, answer = body(url)) =>
    new Response(JSON.stringify(answer), {
      status: options.status?.(url) ?? 200,
      headers: { 'content-type': 'application/json' },
    })
  const f = ((url: string) => {
    f.urls.push(url)
    if (!options.manual) return Promise.resolve(respond(url))
    // The answer is what the server knew when asked, whenever it arrives.
    const answer = body(url)
    return new Promise<Response>((resolve) => f.pending.push({ url, resolve: () => resolve(respond(url, answer)) }))
  }) as FakeFetch
  f.urls = []
  f.pending = []
  return f
}

// The app's reducers with just one saga running (the one under test).
export function storeWith<Args extends any[]>(saga: (...args: Args) => Generator, ...args: Args) {
  const sagas = createSagaMiddleware()
  const store = configureStore({
    reducer: rootReducer,
    middleware: (d) => d({ thunk: false, serializableCheck: false, immutableCheck: false }).concat(sagas),
  })
  const task = sagas.run(saga, ...args)
  return { store, task }
}

// Lets resolved fetches and the puts after them run (real timers).
export async function settle() {
  for (let i = 0; i < 4; i++) {
    await flush()
    await new Promise((r) => setTimeout(r, 0))
  }
}

// Waits (bounded) until `cond` holds, letting timers and promises run in between.
export async function eventually(cond: () => boolean, tries = 200) {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 1))
  if (!cond()) throw new Error('condition never held')
}
