import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAppStore } from '../../app/store'
import { initialState, type MeetingEvent } from '../../domain'
import { ev, fakeDeps, flush, historyServer, longLog, memoryIdentity, sampleLog, stateJson, stateReply } from '../../test/fakes'
import { meetingOpened } from '../meeting/meetingSlice'
import { selectLiveState, selectViewState } from '../meeting/selectors'
import { JUMP_PAGE_SIZE, PAGE_SIZE } from './history'
import { MAX_GAP_MS, MIN_GAP_MS, playbackDelay, TRAVEL_FAILED_TEXT } from './timelineSaga'
import reducer, { backToLive, cursorMoved, playToggled, speedSet, travelEntered, travelShown } from './timelineSlice'

afterEach(() => void vi.useRealTimers())

// A joined meeting whose past is served by a fake history server over `log`.
function travelSetup(log: MeetingEvent[], options: { manual?: boolean; head?: number } = {}) {
  const server = historyServer(log, options)
  const { deps, connections } = fakeDeps({
    identity: memoryIdentity({ m1: { name: 'Bob' } }),
    fetchEventsPage: server.fetchEventsPage,
    fetchStateAt: server.fetchStateAt,
  })
  const store = createAppStore(deps, { navigation: false })
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  const conn = connections[0]
  conn.emit({ kind: 'joined', reply: stateReply(log, options.head ? { head_seq: options.head } : {}) })
  const timeline = () => store.getState().timeline
  return { server, store, conn, timeline }
}

// A meeting of eleven events, one of them a reaction.
function smallLog(): MeetingEvent[] {
  return [
    ...sampleLog(),
    ev(8, 'reaction', { emoji: '\u{1F44D}' }, 'p2', 'Bob'),
    ev(9, 'card_voted', { card_id: 'k1' }, 'p1', 'Ada'),
    ev(10, 'card_edited', { card_id: 'k1', title: 'Faster builds' }, 'p1', 'Ada'),
    ev(11, 'phase_changed', { phase: 'discuss' }, 'p1', 'Ada'),
  ]
}

describe('playbackDelay', () => {
  const a = ev(1, 'card_added', {})
  const later = (ms: number) => ({ ...a, seq: 2, ts: a.ts + ms })
  it('follows real gaps, divided by the speed', () => {
    expect(playbackDelay(a, later(800), 1)).toBe(800)
    expect(playbackDelay(a, later(800), 4)).toBe(200)
  })
  it('caps long pauses and floors bursts', () => {
    expect(playbackDelay(a, later(3_600_000), 1)).toBe(MAX_GAP_MS)
    expect(playbackDelay(a, later(0), 1)).toBe(MIN_GAP_MS)
  })
})

describe('timeline slice', () => {
  const state = initialState()
  it('ignores a jump that arrives for a cursor that has moved on', () => {
    let s = reducer(undefined, travelEntered({ cursorSeq: 10 }))
    s = reducer(s, cursorMoved({ cursorSeq: 20 }))
    expect(reducer(s, travelShown({ seq: 10, state, event: null }))).toBe(s)
    s = reducer(s, travelShown({ seq: 20, state, event: null }))
    expect(s.shownSeq).toBe(20)
    expect(s.shown).toBe(state)
  })
  it('ignores a jump that arrives after "Back to live"', () => {
    const s = reducer(reducer(undefined, travelEntered({ cursorSeq: 10 })), backToLive())
    expect(reducer(s, travelShown({ seq: 10, state, event: null }))).toBe(s)
  })
})

describe('time travel', () => {
  it('loads nothing of the past until the timeline is used', async () => {
    const { server, conn, store } = travelSetup(smallLog())
    conn.emit({ kind: 'event', event: ev(12, 'card_voted', { card_id: 'k2' }, 'p2', 'Bob') })
    store.dispatch(speedSet(4))
    await flush()
    expect(server.pages).toEqual([])
    expect(server.states).toEqual([])
  })

  it('a jump shows the server\'s state at that seq, fetched with the page that follows it', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 5 }))
    expect(timeline().loading).toBe(true)
    expect(server.states).toEqual([5])
    expect(server.pages).toEqual([{ after: 4, limit: JUMP_PAGE_SIZE }])
    await flush()
    expect(timeline().loading).toBe(false)
    expect(timeline().shownSeq).toBe(5)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, 5))
    expect(timeline().shownEvent?.seq).toBe(5)
    // Editing state comes from the live meeting, which moved on meanwhile.
    expect(selectLiveState(store.getState()).phase).toBe('discuss')
  })

  it('steps forward and back from what is held, without asking the server again', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 5 }))
    await flush()
    for (const seq of [6, 7, 8, 9, 10, 9, 6, 5]) {
      store.dispatch(cursorMoved({ cursorSeq: seq }))
      // Shown at once (synchronously): folded locally from the state on screen or a snapshot.
      expect(timeline().shownSeq).toBe(seq)
      expect(timeline().loading).toBe(false)
      expect(selectViewState(store.getState())).toEqual(stateJson(log, seq))
    }
    expect(server.states).toEqual([5])
    expect(timeline().shownEvent?.type).toBe('card_added')
  })

  it('seq 0 is the empty meeting, known without a request; stepping forward fetches the first page', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 0 }))
    expect(selectViewState(store.getState())).toEqual(initialState())
    expect(timeline().shownSeq).toBe(0)
    expect(server.states).toEqual([])
    await flush()
    store.dispatch(cursorMoved({ cursorSeq: 1 }))
    expect(selectViewState(store.getState()).title).toBe('Retro')
    expect(server.states).toEqual([])
  })

  it('a step that overtakes the read-ahead waits for that page instead of asking for a snapshot', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log, { manual: true })
    store.dispatch(travelEntered({ cursorSeq: 0 }))
    expect(server.pages).toEqual([{ after: 0, limit: JUMP_PAGE_SIZE }]) // read ahead of seq 0
    store.dispatch(cursorMoved({ cursorSeq: 1 }))
    store.dispatch(cursorMoved({ cursorSeq: 2 }))
    expect(timeline().loading).toBe(true)
    server.pending[0].release()
    await flush()
    expect(timeline().shownSeq).toBe(2)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, 2))
    expect(server.states).toEqual([])
    expect(server.pages).toHaveLength(1)
  })

  it('ignores an answer for an old cursor, whatever the order the answers come in', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log, { manual: true })
    store.dispatch(travelEntered({ cursorSeq: 3 }))
    store.dispatch(cursorMoved({ cursorSeq: 9 }))
    expect(server.states).toEqual([3, 9])
    // The old jump's answers arrive first: still loading, nothing shown for 3.
    for (const p of server.pending.filter((p) => /3|after 2/.test(p.what))) p.release()
    await flush()
    expect(timeline().shown).toBeNull()
    expect(timeline().loading).toBe(true)
    for (const p of server.pending.filter((p) => /9|after 8/.test(p.what))) p.release()
    await flush()
    expect(timeline().shownSeq).toBe(9)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, 9))
  })

  it('a failed jump says so in the alert region and goes back to what was shown', async () => {
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    server.failNextRequest()
    store.dispatch(travelEntered({ cursorSeq: 4 }))
    await flush()
    expect(timeline().travelling).toBe(false) // nothing was shown yet: back to live
    expect(store.getState().toasts.items.map((t) => t.text)).toEqual([TRAVEL_FAILED_TEXT])
    store.dispatch(travelEntered({ cursorSeq: 4 }))
    await flush()
    expect(timeline().shownSeq).toBe(4)
    server.failNextRequest()
    store.dispatch(cursorMoved({ cursorSeq: 2 })) // not held: a request, which fails
    await flush()
    expect(timeline().travelling).toBe(true)
    expect(timeline().cursorSeq).toBe(4)
    expect(timeline().loading).toBe(false)
  })

  it('a state from the server that does not restore is an error, not a board', async () => {
    const log = smallLog()
    const { deps } = fakeDeps({
      identity: memoryIdentity({ m1: { name: 'Bob' } }),
      fetchEventsPage: historyServer(log).fetchEventsPage,
      fetchStateAt: async (_m, seq) => ({ seq, head_seq: 11, state: { title: 'Retro' } }),
    })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    await flush()
    store.dispatch(travelEntered({ cursorSeq: 4 }))
    await flush()
    expect(store.getState().timeline.travelling).toBe(false)
    expect(store.getState().toasts.items.map((t) => t.text)).toEqual([TRAVEL_FAILED_TEXT])
  })

  it('live events keep arriving while travelling, and "Back to live" shows them', async () => {
    const log = smallLog()
    const { store, conn, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 4 }))
    await flush()
    conn.emit({ kind: 'events', events: [ev(12, 'card_voted', { card_id: 'k2' }, 'p2', 'Bob'), ev(13, 'card_voted', { card_id: 'k2' }, 'p2', 'Bob')] })
    expect(store.getState().meeting.lastSeq).toBe(13)
    expect(selectViewState(store.getState()).cards.map((c) => c.title)).toEqual(['Builds'])
    // The live tail is history too: the new head is reachable without a request.
    store.dispatch(cursorMoved({ cursorSeq: 13 }))
    await flush()
    expect(timeline().shownSeq).toBe(13)
    expect(selectViewState(store.getState()).cards[1].votes).toEqual({ p2: 3 })
    store.dispatch(backToLive())
    expect(timeline().travelling).toBe(false)
    expect(selectViewState(store.getState())).toBe(selectLiveState(store.getState()))
  })

  it('plays forward one event per step, at the real pace, and stops at the live head', async () => {
    vi.useFakeTimers()
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 7 }))
    await vi.advanceTimersByTimeAsync(0)
    store.dispatch(playToggled())
    expect(timeline().playing).toBe(true)
    await vi.advanceTimersByTimeAsync(999)
    expect(timeline().shownSeq).toBe(7) // the real gap between events is 1 s
    await vi.advanceTimersByTimeAsync(1)
    expect(timeline().shownSeq).toBe(8)
    expect(store.getState().reactions.floating.map((r) => r.emoji)).toEqual(['\u{1F44D}']) // replayed
    await vi.advanceTimersByTimeAsync(3000)
    expect(timeline().shownSeq).toBe(11)
    expect(timeline().playing).toBe(false)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, 11))
    expect(server.states).toEqual([7])
  })

  it('"Play" at the live end replays from the beginning', async () => {
    vi.useFakeTimers()
    const log = smallLog()
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 11 }))
    store.dispatch(playToggled())
    expect(timeline().cursorSeq).toBe(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(selectViewState(store.getState())).toEqual(initialState())
    await vi.advanceTimersByTimeAsync(2000)
    expect(timeline().shownSeq).toBe(2)
    expect(selectViewState(store.getState()).participants).toEqual({ p1: { name: 'Ada' } })
    expect(server.states).toEqual([])
    store.dispatch(backToLive())
    await vi.advanceTimersByTimeAsync(5000)
    expect(timeline().shownSeq).toBe(0) // stopped
    expect(timeline().travelling).toBe(false)
  })
})

describe('time travel on a long meeting', () => {
  it('plays incrementally across pages: one fold step per event, pages read ahead, never the whole log', async () => {
    vi.useFakeTimers()
    const log = longLog(6000)
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 3000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(timeline().shownSeq).toBe(3000)
    store.dispatch(speedSet(16))
    store.dispatch(playToggled())
    // 1 s between events, at 16×: 62.5 ms per step; 1500 steps cross the jump's page and a read-ahead page.
    await vi.advanceTimersByTimeAsync(1500 * 63)
    const reached = timeline().shownSeq
    expect(reached).toBeGreaterThan(3000 + JUMP_PAGE_SIZE + PAGE_SIZE)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, reached))
    expect(server.states).toEqual([3000]) // one snapshot, then folding forward
    // Every page asked for starts at or after the cursor it was needed for, and far less than the log came.
    expect(server.pages.every((p) => p.after >= 2999)).toBe(true)
    const fetched = server.pages.reduce((n, p) => n + Math.min(p.limit, log.length - p.after), 0)
    expect(fetched).toBeLessThan(reached - 3000 + 2 * PAGE_SIZE)
    // A step back lands near a snapshot kept while playing: no request.
    store.dispatch(playToggled())
    store.dispatch(cursorMoved({ cursorSeq: reached - 100 }))
    expect(timeline().shownSeq).toBe(reached - 100)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, reached - 100))
    expect(server.states).toEqual([3000])
  })

  it('a far jump asks the server for a snapshot instead of folding thousands of events', async () => {
    const log = longLog(6000)
    const { server, store, timeline } = travelSetup(log)
    store.dispatch(travelEntered({ cursorSeq: 100 }))
    await flush()
    store.dispatch(cursorMoved({ cursorSeq: 5500 }))
    expect(timeline().loading).toBe(true)
    await flush()
    expect(server.states).toEqual([100, 5500])
    expect(selectViewState(store.getState())).toEqual(stateJson(log, 5500))
  })
})
