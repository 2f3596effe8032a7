import { describe, expect, it } from 'vitest'
import { apply, fold, initialState } from '../../domain'
import { ev, historyServer, longLog, sampleLog, stateJson } from '../../test/fakes'
import { History, LOCAL_FOLD_LIMIT, MAX_EVENTS, MAX_SNAPSHOTS, SNAPSHOT_EVERY, shareUnchanged } from './history'

const noFetch = () => Promise.reject(new Error('no fetch in this test'))

describe('history cache', () => {
  it('folds locally only from a start whose following events are all held, and not too far', () => {
    const log = longLog(5000)
    const h = new History(noFetch)
    expect(h.localStateAt(0)).toEqual(initialState())
    expect(h.localStateAt(10)).toBeNull() // nothing held
    h.addEvents(log.slice(0, 100))
    expect(h.localStateAt(100)).toEqual(stateJson(log, 100))
    h.addEvents(log.slice(1000, 4000)) // seqs 1001..4000, with a hole at 101..1000
    expect(h.localStateAt(1500)).toBeNull()
    h.addSnapshot(1000, stateJson(log, 1000) as ReturnType<typeof initialState>)
    expect(h.localStateAt(1500)).toEqual(stateJson(log, 1500))
    expect(h.localStateAt(1000 + LOCAL_FOLD_LIMIT + SNAPSHOT_EVERY + 1)).not.toBeNull() // from a snapshot kept while folding
    expect(h.snapshotSeqs()).toContain(1500 - (1500 % SNAPSHOT_EVERY))
    const far = new History(noFetch)
    far.addEvents(log)
    expect(far.localStateAt(LOCAL_FOLD_LIMIT + 1)).toBeNull() // more than the limit from seq 0
    expect(far.localStateAt(LOCAL_FOLD_LIMIT)).toEqual(stateJson(log, LOCAL_FOLD_LIMIT))
  })

  it('prefers the state on screen when it is the nearest start', () => {
    const log = sampleLog()
    const h = new History(noFetch)
    h.addEvents(log)
    const onScreen = fold(log, 6)
    let applied = 0
    const counting = new History(noFetch, (s, e) => (applied++, apply(s, e)))
    counting.addEvents(log)
    counting.localStateAt(7, { seq: 6, state: onScreen })
    expect(applied).toBe(1)
    expect(h.localStateAt(7, { seq: 6, state: onScreen })).toEqual(fold(log))
  })

  it('shares one request for the same page, and keeps the events when the caller is gone', async () => {
    const server = historyServer(sampleLog(), { manual: true })
    const h = new History((after, limit) => server.fetchEventsPage('m1', after, limit))
    const a = h.load(2, 3)
    const b = h.load(2, 3)
    expect(server.pages).toHaveLength(1)
    expect(h.loading(4)).toBeNull() // that page would not make seq 4 foldable: 1 and 2 are missing
    h.addEvents(sampleLog().slice(0, 2))
    expect(h.loading(4)).toBe(a) // now it would
    expect(h.loading(6)).toBeNull() // beyond that page
    server.pending[0].release()
    await Promise.all([a, b])
    expect([3, 4, 5].map((s) => h.event(s)?.seq)).toEqual([3, 4, 5])
    expect(h.event(6)).toBeUndefined()
  })

  it('stays bounded: the events and snapshots farthest from the cursor go first, seq 0 stays', () => {
    const h = new History(noFetch)
    const log = longLog(MAX_EVENTS + 5000)
    h.addEvents(log)
    for (let s = 1; s <= MAX_SNAPSHOTS + 50; s++) h.addSnapshot(s * 100, initialState())
    h.trim(log.length)
    expect(h.eventCount).toBeLessThanOrEqual(MAX_EVENTS)
    expect(h.event(log.length)).toBeDefined()
    expect(h.event(1)).toBeUndefined()
    const snaps = h.snapshotSeqs()
    expect(snaps.length).toBeLessThanOrEqual(MAX_SNAPSHOTS)
    expect(snaps[0]).toBe(0)
    expect(snaps).toContain((MAX_SNAPSHOTS + 50) * 100)
  })
})

describe('shareUnchanged', () => {
  it('reuses the cards (and participants) that did not change, and equals the new state', () => {
    const log = [...sampleLog(), ev(8, 'card_voted', { card_id: 'k1' }, 'p1', 'Ada')]
    const before = fold(log, 7)
    const after = JSON.parse(JSON.stringify(fold(log, 8)))
    const shared = shareUnchanged(before, after)
    expect(shared).toEqual(after)
    expect(shared.cards[1]).toBe(before.cards[1]) // k2: unchanged
    expect(shared.cards[0]).not.toBe(before.cards[0]) // k1: a new vote
    expect(shared.participants).toBe(before.participants)
    expect(shareUnchanged(null, after)).toBe(after)
  })
})
