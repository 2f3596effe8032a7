import { describe, expect, it } from 'vitest'
import { rootReducer } from '../../app/rootReducer'
import { ev, joinedWith, sampleLog } from '../../test/fakes'
import { fakeFetch, settle, storeWith } from '../analytics/fixtures'
import { eventsAppended, joined, meetingOpened } from '../meeting/meetingSlice'
import { cardReactionsSaga, seedOf } from './cardReactionsSaga'
import { cardReactionsSeeded } from './cardReactionsSlice'

const FIRE = '\u{1F525}'
const UP = '\u{1F44D}'
const react = (seq: number, emoji: string, card_id?: string) => ev(seq, 'reaction', card_id ? { emoji, card_id } : { emoji })

function joinedState() {
  let s = rootReducer(undefined, meetingOpened({ meetingId: 'm1' }))
  s = rootReducer(s, joined(joinedWith(sampleLog())))
  return s
}

describe('card reaction counts', () => {
  it('counts live reactions that name a card, and only those', () => {
    let s = joinedState()
    s = rootReducer(s, eventsAppended([react(8, FIRE, 'k1'), react(9, FIRE, 'k1'), react(10, UP), react(11, UP, 'k2')]))
    expect(s.cardReactions.counts).toEqual({ k1: { [FIRE]: 2 }, k2: { [UP]: 1 } })
  })

  it('a seed replaces the counts; live reactions at or below its seq are not counted twice', () => {
    let s = joinedState()
    // Two live reactions arrive before the analytics answer, which was computed at seq 8.
    s = rootReducer(s, eventsAppended([react(8, FIRE, 'k1'), react(9, FIRE, 'k1')]))
    s = rootReducer(s, cardReactionsSeeded({ lastSeq: 8, byCard: { k1: { [FIRE]: 3 }, k2: { [UP]: 1 } } }))
    // seq 8 is in the seed (3 includes it); seq 9 is newer and adds one.
    expect(s.cardReactions.counts).toEqual({ k1: { [FIRE]: 4 }, k2: { [UP]: 1 } })
    // After the seed, a replayed old one is ignored and a new one counts.
    s = rootReducer(s, eventsAppended([react(10, UP, 'k2')]))
    expect(s.cardReactions.counts.k2).toEqual({ [UP]: 2 })
    expect(s.cardReactions.recent.map((r) => r.seq)).toEqual([9, 10])
    // An answer older than the one held is ignored.
    s = rootReducer(s, cardReactionsSeeded({ lastSeq: 5, byCard: {} }))
    expect(s.cardReactions.counts.k1).toEqual({ [FIRE]: 4 })
  })

  it('starts afresh when another meeting opens', () => {
    let s = joinedState()
    s = rootReducer(s, eventsAppended([react(8, FIRE, 'k1')]))
    s = rootReducer(s, meetingOpened({ meetingId: 'm2' }))
    expect(s.cardReactions).toEqual({ counts: {}, seedSeq: null, recent: [] })
  })
})

describe('seeding from the analytics view', () => {
  it('reads reactions_by_card and last_seq, and nothing without them', () => {
    expect(seedOf({ last_seq: 7, reactions_by_card: { k1: { [FIRE]: 2, [UP]: 0 }, k2: 'x' } })).toEqual({
      lastSeq: 7,
      byCard: { k1: { [FIRE]: 2 } },
    })
    expect(seedOf({ reactions_by_card: {} })).toBeNull()
    expect(seedOf({ last_seq: 3 })).toBeNull()
  })

  it('fetches the analytics after each join and seeds the counts', async () => {
    const fetch = fakeFetch(() => ({ head_seq: 9, last_seq: 9, reactions_by_card: { k2: { [UP]: 5 } } }))
    const { store, task } = storeWith(cardReactionsSaga, fetch)
    store.dispatch(meetingOpened({ meetingId: 'm 1' }))
    store.dispatch(joined(joinedWith(sampleLog())))
    store.dispatch(eventsAppended([react(8, UP, 'k2')])) // in the seed (seq 8 ≤ 9)
    await settle()
    expect(fetch.urls).toEqual(['/api/meetings/m%201/analytics'])
    expect(store.getState().cardReactions.counts).toEqual({ k2: { [UP]: 5 } })
    store.dispatch(eventsAppended([react(9, UP, 'k2'), react(10, UP, 'k2')]))
    expect(store.getState().cardReactions.counts).toEqual({ k2: { [UP]: 6 } })
    task.cancel()
  })

  it('keeps the live counts when the server has no such field', async () => {
    const fetch = fakeFetch(() => ({ head_seq: 9, items: [] }))
    const { store, task } = storeWith(cardReactionsSaga, fetch)
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    store.dispatch(joined(joinedWith(sampleLog())))
    store.dispatch(eventsAppended([react(8, UP, 'k2')]))
    await settle()
    expect(store.getState().cardReactions.counts).toEqual({ k2: { [UP]: 1 } })
    task.cancel()
  })
})
