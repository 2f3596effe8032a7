// @vitest-environment jsdom
// The Done screen (server summary, download, copy) and the Actions list (owner and due date per action
// item, edited with action_updated).
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { Provider } from 'react-redux'
import { takeEvery } from 'redux-saga/effects'
import { eventRequested } from '../meeting/commands'
import { joined } from '../meeting/meetingSlice'
import { joinedWith } from '../../test/fakes'
import { eventually, fakeFetch, storeWith } from '../analytics/fixtures'
import { ActionsList, actionRows } from './ActionsList'
import { DoneScreen } from './DoneScreen'
import { summarySaga } from './summarySaga'
import { closingLog, SUMMARY_MD, summaryFixture } from './fixtures'
import { selectViewState } from '../meeting/selectors'

afterEach(cleanup)

// JSON for …/summary, the Markdown text for …/summary.md.
function summaryFetch() {
  const json = fakeFetch(() => summaryFixture())
  const f = ((url: string) => {
    if (url.endsWith('/summary.md')) {
      json.urls.push(url)
      return Promise.resolve(new Response(SUMMARY_MD, { headers: { 'content-type': 'text/markdown; charset=utf-8' } }))
    }
    return json(url)
  }) as typeof json
  f.urls = json.urls
  f.pending = json.pending
  return f
}

function setup(copied: string[] = [], copyOk = true) {
  const fetch = summaryFetch()
  const requested: { type: string; data: Record<string, unknown> }[] = []
  const { store, task } = storeWith(function* () {
    yield takeEvery(eventRequested.type, (a: ReturnType<typeof eventRequested>) => void requested.push(a.payload))
    yield* summarySaga(fetch, 5, async (text) => {
      copied.push(text)
      return copyOk
    })
  })
  store.dispatch(joined(joinedWith(closingLog(), { pid: 'p1', name: 'Ada', role: 'facilitator' })))
  return { store, task, fetch, requested }
}

describe('DoneScreen', () => {
  it('shows topics with outcomes and time, action items and the mood from the server summary', async () => {
    const { store, task, fetch } = setup()
    render(
      <Provider store={store}>
        <DoneScreen meetingId="m1" />
      </Provider>,
    )
    expect(screen.getByRole('heading', { name: 'Meeting done' })).toBeTruthy()
    const topics = await screen.findByRole('table', { name: /Topics: 1 discussed, 1 parked, 0 not discussed/ })
    expect(fetch.urls.sort()).toEqual(['/api/meetings/m1/summary', '/api/meetings/m1/summary.md'])
    const rows = within(topics).getAllByRole('row').slice(1)
    expect(rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['done', '2:00', '1'],
      ['parked', '0:30', '0'],
    ])
    expect(screen.getByText(/^10:00 · 2 participants: Ada, Bob · facilitated by Ada, then Bob$/)).toBeTruthy()
    expect(within(rows[0]).getByRole('rowheader').textContent).toMatch(/^TestsFlaky — Bob$/)
    expect(screen.getByRole('heading', { name: 'Mood' }).nextElementSibling?.textContent).toBe(
      '+0.33 (mostly positive) from 3 reactions: 2 positive, 0 neutral, 1 negative',
    )
    expect(screen.getByRole('heading', { name: 'Action items (2)' })).toBeTruthy()
    expect(screen.getByTestId('summary-markdown').textContent).toBe(SUMMARY_MD)
    const download = screen.getByRole('link', { name: 'Download Markdown' })
    expect(download.getAttribute('href')).toBe('/api/meetings/m1/summary.md')
    expect(download.getAttribute('download')).toBe('confab-summary-m1.md')
    task.cancel()
  })

  it('copies exactly the server’s Markdown and says so', async () => {
    const copied: string[] = []
    const { store, task } = setup(copied)
    render(
      <Provider store={store}>
        <DoneScreen meetingId="m1" />
      </Provider>,
    )
    const copy = await screen.findByRole('button', { name: 'Copy Markdown' })
    await eventually(() => !(copy as HTMLButtonElement).disabled)
    fireEvent.click(copy)
    await screen.findByText('Summary copied.')
    expect(copied).toEqual([SUMMARY_MD])
    task.cancel()
  })

  it('points to the download when copying fails', async () => {
    const { store, task } = setup([], false)
    render(
      <Provider store={store}>
        <DoneScreen meetingId="m1" />
      </Provider>,
    )
    const copy = await screen.findByRole('button', { name: 'Copy Markdown' })
    await eventually(() => !(copy as HTMLButtonElement).disabled)
    fireEvent.click(copy)
    await screen.findByText('Could not copy: use Download Markdown.')
    task.cancel()
  })
})

describe('ActionsList', () => {
  it('lists every action item with its topic, owner and due date', () => {
    const { store, task } = setup()
    const rows = actionRows(selectViewState(store.getState()))
    expect(rows.map((r) => [r.note.text, r.topic, r.note.owner ?? '', r.note.due ?? ''])).toEqual([
      ['Fix CI', 'Tests', 'p2', '2024-12-05'],
      ['Write it down', 'Tests', '', ''],
    ])
    render(
      <Provider store={store}>
        <ActionsList />
      </Provider>,
    )
    const owner = screen.getByLabelText('Owner of “Fix CI”') as HTMLSelectElement
    expect(owner.value).toBe('p2')
    expect([...owner.options].map((o) => o.textContent)).toEqual(['No owner', 'Ada', 'Bob'])
    expect((screen.getByLabelText('Due date of “Fix CI”') as HTMLInputElement).value).toBe('2024-12-05')
    expect((screen.getByLabelText('Owner of “Write it down”') as HTMLSelectElement).value).toBe('')
    task.cancel()
  })

  it('sends action_updated for an owner or a whole due date, null to clear', () => {
    const { store, task, requested } = setup()
    render(
      <Provider store={store}>
        <ActionsList />
      </Provider>,
    )
    fireEvent.change(screen.getByLabelText('Owner of “Write it down”'), { target: { value: 'p1' } })
    fireEvent.change(screen.getByLabelText('Due date of “Write it down”'), { target: { value: '2025-01-31' } })
    fireEvent.change(screen.getByLabelText('Owner of “Fix CI”'), { target: { value: '' } })
    fireEvent.change(screen.getByLabelText('Due date of “Fix CI”'), { target: { value: '' } })
    expect(requested).toEqual([
      { type: 'action_updated', data: { card_id: 'k2', note_id: 'n2', owner: 'p1' } },
      { type: 'action_updated', data: { card_id: 'k2', note_id: 'n2', due: '2025-01-31' } },
      { type: 'action_updated', data: { card_id: 'k2', note_id: 'n1', owner: null } },
      { type: 'action_updated', data: { card_id: 'k2', note_id: 'n1', due: null } },
    ])
    task.cancel()
  })

  it('says when there are none', () => {
    const { store, task } = setup()
    store.dispatch(joined(joinedWith(closingLog().slice(0, 9), { pid: 'p1', name: 'Ada', role: 'facilitator' })))
    render(
      <Provider store={store}>
        <ActionsList />
      </Provider>,
    )
    expect(screen.getByText(/No action items yet/)).toBeTruthy()
    task.cancel()
  })
})
