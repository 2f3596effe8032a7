// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, render, screen, within } from '@testing-library/react'
import { Provider } from 'react-redux'
import { AnalyticsView } from './AnalyticsView'
import { analyticsSaga } from './analyticsSaga'
import { analyticsFixture, fakeFetch, storeWith } from './fixtures'
import { chartData } from './chartStub'

vi.mock('react-chartjs-2', () => import('./chartStub'))

afterEach(cleanup)

function renderView(fetch = fakeFetch(() => analyticsFixture())) {
  const { store, task } = storeWith(analyticsSaga, fetch, 5)
  render(
    <Provider store={store}>
      <AnalyticsView meetingId="m1" />
    </Provider>,
  )
  return { store, task, fetch }
}

describe('AnalyticsView', () => {
  it('shows totals, a topic table and charts with text alternatives', async () => {
    const { task, fetch } = renderView()
    expect(screen.getByRole('status').textContent).toMatch(/Loading analytics/)
    const topics = await screen.findByRole('table', { name: 'Topics in the order they were added' })
    expect(fetch.urls).toEqual(['/api/meetings/m1/analytics'])

    // Totals come straight from the answer.
    const totals = screen.getByRole('region', { name: 'Totals' })
    expect(within(totals).getByText('Duration').nextSibling?.textContent).toBe('9:05')
    expect(within(totals).getByText('Topics discussed').nextSibling?.textContent).toBe('2 of 4')
    expect(within(totals).getByText('Events').nextSibling?.textContent).toBe('33')
    expect(within(totals).getByText('Meeting mood').nextSibling?.textContent).toBe('+0.38 (mostly positive)')

    // One row per active card (the merged one is left out), with votes, time and outcome.
    const rows = within(topics).getAllByRole('row').slice(1)
    expect(rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['2', '5:45', 'in discussion', '+1.00 (positive)'],
      ['1', '1:30', 'parked', '−1.00 (negative)'],
      ['1', '–', 'not discussed', 'no reactions'],
    ])
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      'Why are builds slow?',
      'Flaky tests',
      'Lunch options',
    ])

    // Each chart is an image named by a summary, with the numbers in a table too.
    const time = screen.getByRole('img', { name: /^Time spent per topic, in minutes\. Why are builds slow\?: 5:45; Flaky tests: 1:30\.$/ })
    expect(chartData(time).labels).toEqual(['Why are builds slow?', 'Flaky tests', 'Lunch options'])
    expect(chartData(time).datasets[0].data).toEqual([5.8, 1.5, 0])
    const mood = screen.getByRole('img', { name: /Meeting mood \+0\.38 \(mostly positive\) from 8 reactions/ })
    expect(chartData(mood).datasets.map((d) => [d.label, d.data])).toEqual([
      ['Positive', [2, 0, 0]],
      ['Neutral', [0, 0, 0]],
      ['Negative', [0, 1, 0]],
    ])
    expect(screen.getByRole('img', { name: /Ada: 2 cards, 2 votes, 1 note, 5 reactions; Bob: 2 cards, 2 votes, 0 notes, 3 reactions/ })).toBeTruthy()
    const sentiment = screen.getByRole('table', { name: /Reactions per topic by sentiment/ })
    const meetingRow = within(sentiment).getByRole('rowheader', { name: 'Whole meeting' }).closest('tr')!
    expect(within(meetingRow).getAllByRole('cell').map((c) => c.textContent)).toEqual(['5', '1', '2', '+0.38 (mostly positive)'])
    const people = screen.getByRole('table', { name: 'What each person did' })
    expect(within(people).getAllByRole('row')).toHaveLength(3)
    expect(screen.getByRole('heading', { name: 'Participation' })).toBeTruthy()
    task.cancel()
  })

  it('plots a short meeting in seconds', async () => {
    const short = analyticsFixture()
    short.items = short.items.map((i) => ({ ...i, discussed_ms: i.discussed_ms / 10 }))
    const { task } = renderView(fakeFetch(() => short))
    const time = await screen.findByRole('img', { name: /^Time spent per topic, in seconds\./ })
    expect(chartData(time).datasets[0]).toMatchObject({ label: 'Seconds', data: [35, 9, 0] })
    task.cancel()
  })

  it('draws the mood over time per minute with the topics marked', async () => {
    const { task } = renderView()
    const chart = await screen.findByRole('img', { name: /^Mood over time: average reaction sentiment per minute/ })
    expect(chart.getAttribute('aria-label')).toMatch(/over 10 minutes; 6 minutes with reactions\. Topics: Why are builds slow\? \(1:00–6:00\); Flaky tests \(6:40–8:11\); Why are builds slow\? \(8:20–9:05, running\)\.$/)
    const data = chartData(chart)
    expect(data.labels).toHaveLength(10)
    expect(data.datasets[0].data).toEqual([1, 2 / 3, null, null, null, null, -1, -1, 1, 1])
    const table = screen.getByRole('table', { name: /Reaction sentiment per minute/ })
    const first = within(table).getByRole('rowheader', { name: '1:00' }).closest('tr')!
    expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toEqual(['3', '+0.67 (positive)', 'Why are builds slow?'])
    task.cancel()
  })

  it('says so when a chart has no data', async () => {
    const empty = analyticsFixture({
      items: [],
      participation: [],
      mood: { minute_ms: 60000, start_ts: 0, minutes: [], topics: [] },
    })
    const { task } = renderView(fakeFetch(() => empty))
    await screen.findByText('No reactions yet: the mood shows once people react.')
    expect(screen.getByText('Nothing discussed yet.')).toBeTruthy()
    expect(screen.getByText('No reactions on topics yet.')).toBeTruthy()
    expect(screen.getByText('Nobody has taken part yet.')).toBeTruthy()
    expect(screen.queryAllByRole('img')).toHaveLength(0)
    task.cancel()
  })

  it('says why it failed and offers to try again', async () => {
    const { task } = renderView(fakeFetch(() => ({ error: 'not_found' }), { status: () => 404 }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not load the analytics/)
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy()
    task.cancel()
  })
})
