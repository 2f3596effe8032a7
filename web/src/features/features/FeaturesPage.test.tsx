// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { Provider } from 'react-redux'
import { fakeFetch, storeWith } from '../analytics/fixtures'
import { chartData } from '../analytics/chartStub'
import { FeaturesPage } from './FeaturesPage'
import { featuresSaga } from './featuresSaga'
import { featuresFixture } from './fixtures'
import { EVENT_LABELS, eventLabel } from './eventLabels'
import { CATALOGUE } from '../../domain'

vi.mock('react-chartjs-2', () => import('../analytics/chartStub'))

afterEach(cleanup)

describe('FeaturesPage', () => {
  it('shows counts per type and per day as charts and tables, and refetches for a date range', async () => {
    const fetch = fakeFetch(() => featuresFixture())
    const { store, task } = storeWith(featuresSaga, fetch)
    render(
      <Provider store={store}>
        <FeaturesPage />
      </Provider>,
    )
    expect(screen.getByRole('heading', { level: 1, name: 'Feature usage' })).toBeTruthy()
    const byType = await screen.findByRole('table', { name: 'Usage per event type' })
    expect(screen.getByText(/in 2 meetings/).textContent).toBe('8 events in 2 meetings')
    const rows = within(byType).getAllByRole('row').slice(1)
    expect(rows.map((r) => [within(r).getByRole('rowheader').textContent, ...within(r).getAllByRole('cell').map((c) => c.textContent)])).toEqual([
      ['Cards added', '3', '2'],
      ['Meetings created', '2', '2'],
      ['Votes', '2', '1'],
      ['Reactions', '1', '1'],
    ])
    const byDay = screen.getByRole('table', { name: 'Usage per day (UTC)' })
    expect(within(byDay).getAllByRole('row')[2].textContent).toBe('2024-11-295Votes 2, Cards added 1, Meetings created 1, Reactions 1')
    const perType = screen.getByRole('img', { name: /^Events per type, most used first: Cards added 3, Meetings created 2, Votes 2, …\.$/ })
    expect(chartData(perType).datasets[0].data).toEqual([3, 2, 2, 1])
    expect(screen.getByRole('img', { name: 'Events per day, 2024-11-28 to 2024-11-29: busiest 2024-11-29 with 5 events.' })).toBeTruthy()

    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2024-11-29' } })
    expect(fetch.urls.at(-1)).toBe('/api/analytics/features?from=2024-11-29')
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2024-11-28' } })
    expect((await screen.findByRole('alert')).textContent).toMatch(/“from” date is after the “to” date/)
    fireEvent.click(screen.getByRole('button', { name: 'All dates' }))
    expect(fetch.urls.at(-1)).toBe('/api/analytics/features')
    task.cancel()
  })

  it('says so when a range has no events', async () => {
    const fetch = fakeFetch(() => ({ from: null, to: null, events: 0, meetings: 0, types: [], days: [] }))
    const { store, task } = storeWith(featuresSaga, fetch)
    render(
      <Provider store={store}>
        <FeaturesPage />
      </Provider>,
    )
    expect(await screen.findAllByText('No events in this range.')).toHaveLength(2)
    expect(screen.queryAllByRole('img')).toHaveLength(0)
    task.cancel()
  })

  it('words every event type of the catalogue', () => {
    for (const type of Object.keys(CATALOGUE)) expect(eventLabel(type), type).not.toMatch(/_/)
    expect(eventLabel('card_added')).toBe('Cards added')
    expect(eventLabel('card_added', 'one')).toBe('Card added')
    expect(eventLabel('brand_new_thing')).toBe('Brand new thing')
    for (const type of ['facilitator_changed', 'action_updated']) expect(EVENT_LABELS[type]).toBeTruthy()
  })
})
