import { describe, expect, it } from 'vitest'
import { fakeFetch, settle, storeWith } from '../analytics/fixtures'
import { featuresClosed, featuresOpened, featuresRangeChanged, rangeProblem } from './featuresSlice'
import { featuresSaga, featuresUrl } from './featuresSaga'
import { featuresFixture } from './fixtures'

describe('feature usage', () => {
  it('builds the query from the chosen dates', () => {
    expect(featuresUrl({ from: '', to: '' })).toBe('/api/analytics/features')
    expect(featuresUrl({ from: '2024-11-28', to: '' })).toBe('/api/analytics/features?from=2024-11-28')
    expect(featuresUrl({ from: '2024-11-28', to: '2024-11-29' })).toBe('/api/analytics/features?from=2024-11-28&to=2024-11-29')
    expect(rangeProblem({ from: '2024-11-29', to: '2024-11-28' })).toMatch(/after/)
    expect(rangeProblem({ from: '2024-11-28', to: '2024-11-28' })).toBeNull()
  })

  it('fetches on open and on every range change; a reversed range is not sent', async () => {
    const fetch = fakeFetch(() => featuresFixture())
    const { store, task } = storeWith(featuresSaga, fetch)
    store.dispatch(featuresOpened())
    await settle()
    expect(fetch.urls).toEqual(['/api/analytics/features'])
    expect(store.getState().features.data?.events).toBe(8)

    store.dispatch(featuresRangeChanged({ from: '2024-11-29' }))
    await settle()
    expect(fetch.urls.at(-1)).toBe('/api/analytics/features?from=2024-11-29')

    store.dispatch(featuresRangeChanged({ to: '2024-11-28' }))
    await settle()
    expect(fetch.urls).toHaveLength(2)
    expect(store.getState().features.status).toBe('failed')
    expect(store.getState().features.error).toBe('invalid_range')

    store.dispatch(featuresClosed())
    store.dispatch(featuresRangeChanged({ to: '' }))
    await settle()
    expect(fetch.urls).toHaveLength(2)
    task.cancel()
  })
})
