import { describe, expect, it } from 'vitest'
import { eventsAppended, joined, meetingOpened } from '../meeting/meetingSlice'
import { ev, joinedWith, sampleLog } from '../../test/fakes'
import { eventually, fakeFetch, settle, storeWith } from '../analytics/fixtures'
import { auditFiltersChanged, auditOpened } from './auditSlice'
import { auditSaga, auditUrl, summaryUrl } from './auditSaga'
import { auditFixture } from './fixtures'

describe('audit urls', () => {
  it('sends the filters as query params, and only those that are set', () => {
    expect(auditUrl('m1', 'json', { actor: '', type: '' })).toBe('/api/meetings/m1/audit?format=json')
    expect(auditUrl('m1', 'csv', { actor: 'Ada L.', type: 'card_voted' })).toBe(
      '/api/meetings/m1/audit?format=csv&actor=Ada+L.&type=card_voted',
    )
    expect(summaryUrl('m/1')).toBe('/api/meetings/m%2F1/summary.md')
  })
})

describe('audit saga', () => {
  it('fetches on open, again with the filters when they change, and after new events', async () => {
    const fetch = fakeFetch((url) => auditFixture(url.includes('actor=p1') ? 'p1' : undefined))
    const { store, task } = storeWith(auditSaga, fetch, 5)
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    store.dispatch(joined(joinedWith(sampleLog(), { pid: 'p1', name: 'Ada', role: 'participant' })))
    store.dispatch(auditOpened({ meetingId: 'm1' }))
    await settle()
    expect(fetch.urls).toEqual(['/api/meetings/m1/audit?format=json'])
    expect(store.getState().audit.data?.count).toBe(4)

    store.dispatch(auditFiltersChanged({ actor: 'p1' }))
    await settle()
    expect(fetch.urls.at(-1)).toBe('/api/meetings/m1/audit?format=json&actor=p1')
    const { data, dataFilters } = store.getState().audit
    expect(data?.events.every((r) => r.actor_pid === 'p1')).toBe(true)
    expect(dataFilters).toEqual({ actor: 'p1', type: '' })

    store.dispatch(eventsAppended([ev(8, 'card_voted', { card_id: 'k1' })]))
    await eventually(() => fetch.urls.length === 3)
    await settle()
    expect(fetch.urls).toHaveLength(3)
    expect(fetch.urls[2]).toBe('/api/meetings/m1/audit?format=json&actor=p1')
    task.cancel()
  })

  it('reports a refused filter as its reason', async () => {
    const fetch = fakeFetch(() => ({ error: 'invalid_payload' }), { status: () => 400 })
    const { store, task } = storeWith(auditSaga, fetch, 5)
    store.dispatch(auditOpened({ meetingId: 'm1' }))
    await settle()
    expect(store.getState().audit.status).toBe('failed')
    expect(store.getState().audit.error).toBe('invalid_payload')
    task.cancel()
  })
})
