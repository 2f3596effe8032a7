import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventsAppended, joined, meetingOpened } from '../meeting/meetingSlice'
import { ev, joinedWith, sampleLog } from '../../test/fakes'
import { analyticsClosed, analyticsOpened } from './analyticsSlice'
import { analyticsSaga } from './analyticsSaga'
import { analyticsFixture, fakeFetch, settle, storeWith } from './fixtures'
import { formatDuration, formatMood } from './format'
import { getJson } from './viewFetching'

// A meeting with seven events in the log, so that live events can be appended at seq 8, 9, ….
function joinSample(store: ReturnType<typeof storeWith>['store']) {
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  store.dispatch(
    joined(joinedWith(sampleLog(), { pid: 'p1', name: 'Ada', role: 'facilitator' })),
  )
}

afterEach(() => void vi.useRealTimers())

describe('analytics saga', () => {
  it('fetches when the tab opens and stores the answer', async () => {
    const fetch = fakeFetch(() => analyticsFixture())
    const { store, task } = storeWith(analyticsSaga, fetch, 50)
    store.dispatch(analyticsOpened({ meetingId: 'm 1' }))
    expect(store.getState().analytics.status).toBe('loading')
    await settle()
    expect(fetch.urls).toEqual(['/api/meetings/m%201/analytics'])
    expect(store.getState().analytics.status).toBe('ready')
    expect(store.getState().analytics.data?.totals.votes).toBe(4)
    task.cancel()
  })

  it('refetches once after a burst of new events, and not after the tab closes', async () => {
    vi.useFakeTimers()
    const fetch = fakeFetch(() => analyticsFixture())
    const { store, task } = storeWith(analyticsSaga, fetch, 500)
    joinSample(store)
    store.dispatch(analyticsOpened({ meetingId: 'm1' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(fetch.urls).toHaveLength(1)
    for (let seq = 8; seq <= 12; seq++) {
      store.dispatch(eventsAppended([ev(seq, 'card_voted', { card_id: 'k2' })]))
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(fetch.urls).toHaveLength(1) // still inside the debounce window
    await vi.advanceTimersByTimeAsync(500)
    expect(fetch.urls).toHaveLength(2)

    store.dispatch(analyticsClosed())
    store.dispatch(eventsAppended([ev(13, 'card_voted', { card_id: 'k2' })]))
    await vi.advanceTimersByTimeAsync(2000)
    expect(fetch.urls).toHaveLength(2)
    task.cancel()
  })

  it('keeps only the latest answer when requests overlap', async () => {
    vi.useFakeTimers()
    let n = 0
    const fetch = fakeFetch(() => analyticsFixture({ head_seq: ++n }), { manual: true })
    const { store, task } = storeWith(analyticsSaga, fetch, 10)
    joinSample(store)
    store.dispatch(analyticsOpened({ meetingId: 'm1' }))
    await vi.advanceTimersByTimeAsync(0)
    store.dispatch(eventsAppended([ev(8, 'card_voted', { card_id: 'k2' })]))
    await vi.advanceTimersByTimeAsync(20)
    expect(fetch.pending).toHaveLength(2)
    // The second answer arrives, then the stale first one: the stale one must not win.
    fetch.pending[1].resolve()
    await vi.advanceTimersByTimeAsync(0)
    fetch.pending[0].resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState().analytics.data?.head_seq).toBe(2)
    task.cancel()
  })

  it('turns an error body into its reason code', async () => {
    const fetch = fakeFetch(() => ({ error: 'not_found' }), { status: () => 404 })
    const { store, task } = storeWith(analyticsSaga, fetch, 50)
    store.dispatch(analyticsOpened({ meetingId: 'nope' }))
    await settle()
    expect(store.getState().analytics.status).toBe('failed')
    expect(store.getState().analytics.error).toBe('not_found')
    task.cancel()
  })

  it('opening another meeting forgets the previous answer', async () => {
    const fetch = fakeFetch(() => analyticsFixture())
    const { store, task } = storeWith(analyticsSaga, fetch, 50)
    store.dispatch(analyticsOpened({ meetingId: 'm1' }))
    await settle()
    store.dispatch(analyticsClosed())
    store.dispatch(analyticsOpened({ meetingId: 'm2' }))
    expect(store.getState().analytics.data).toBeNull()
    task.cancel()
  })
})

describe('view fetching and wording', () => {
  it('getJson keeps the status when the error body is not JSON', async () => {
    const f = async () => new Response('oops', { status: 503 })
    await expect(getJson(f, '/x')).rejects.toMatchObject({ code: 'http_503', status: 503 })
  })

  it('formats durations and moods', () => {
    expect(formatDuration(545000)).toBe('9:05')
    expect(formatDuration(3_725_000)).toBe('1:02:05')
    expect(formatDuration(0)).toBe('0:00')
    expect(formatMood(0.375)).toBe('+0.38 (mostly positive)')
    expect(formatMood(-1)).toBe('−1.00 (negative)')
    expect(formatMood(0)).toBe('±0.00 (mixed)')
    expect(formatMood(null)).toBe('no reactions')
  })
})
