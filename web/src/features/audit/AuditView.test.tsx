// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { Provider } from 'react-redux'
import { joined, meetingOpened } from '../meeting/meetingSlice'
import { joinedWith, sampleLog } from '../../test/fakes'
import { fakeFetch, storeWith } from '../analytics/fixtures'
import { AuditView } from './AuditView'
import { auditSaga } from './auditSaga'
import { auditFixture } from './fixtures'

afterEach(cleanup)

describe('AuditView', () => {
  it('lists every row, filters by person and type, and links the downloads with the same filters', async () => {
    const fetch = fakeFetch((url) => {
      const q = new URL(url, 'http://x').searchParams
      return auditFixture(q.get('actor') ?? undefined, q.get('type') ?? undefined)
    })
    const { store, task } = storeWith(auditSaga, fetch, 5)
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    store.dispatch(joined(joinedWith(sampleLog(), { pid: 'p1', name: 'Ada', role: 'participant' })))
    render(
      <Provider store={store}>
        <AuditView meetingId="m1" />
      </Provider>,
    )
    const table = await screen.findByRole('table', { name: 'Audit log: 4 events' })
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['#', 'Time', 'Who', 'What', 'Summary'])
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(4)
    const last = within(rows[3]).getAllByRole('cell').map((c) => c.textContent)
    expect(last[0]).toBe('4')
    expect(last.slice(2)).toEqual(['Bob', 'Vote', "Bob voted for 'Why are builds slow?'"])
    expect(rows[3].querySelector('time')?.getAttribute('datetime')).toBe('2024-11-28T05:01:00.000Z')

    expect(screen.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe('/api/meetings/m1/audit?format=csv')
    expect(screen.getByRole('link', { name: 'Download summary' }).getAttribute('href')).toBe('/api/meetings/m1/summary.md')

    // People come from the meeting (plus the server itself); types from the catalogue, without typing.
    const person = screen.getByLabelText('Person') as HTMLSelectElement
    expect([...person.options].map((o) => o.textContent)).toEqual(['Everyone', 'Confab', 'Ada', 'Bob'])
    const type = screen.getByLabelText('Event type') as HTMLSelectElement
    expect([...type.options].map((o) => o.value)).toContain('reaction')
    expect([...type.options].map((o) => o.value)).not.toContain('typing')
    expect([...type.options].find((o) => o.value === 'card_added')?.textContent).toBe('Card added')

    fireEvent.change(person, { target: { value: 'p1' } })
    fireEvent.change(type, { target: { value: 'card_added' } })
    expect(fetch.urls.at(-1)).toBe('/api/meetings/m1/audit?format=json&actor=p1&type=card_added')
    expect(screen.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(
      '/api/meetings/m1/audit?format=csv&actor=p1&type=card_added',
    )
    await screen.findByRole('table', { name: 'Audit log: 1 event by Ada, of type “Card added”' })
    task.cancel()
  })

  it('shows the server’s label: a park reads as parked, an anonymous card as Anonymous', async () => {
    const row = (seq: number, extra: object) => ({ seq, ts: '2024-11-28T05:00:00.000Z', ts_ms: 1732770000000 + seq, ...extra })
    const fetch = fakeFetch(() => ({
      meeting_id: 'm1',
      count: 2,
      events: [
        row(1, { actor_pid: 'anonymous', actor: 'Anonymous', type: 'card_added', label: 'Card added', summary: "Anonymous added 'X'" }),
        row(2, { actor_pid: 'p1', actor: 'Ada', type: 'discussion_finished', label: 'Parked', summary: "Ada parked 'X'" }),
      ],
    }))
    const { store, task } = storeWith(auditSaga, fetch, 5)
    render(
      <Provider store={store}>
        <AuditView meetingId="m1" />
      </Provider>,
    )
    const table = await screen.findByRole('table', { name: /Audit log: 2 events/ })
    const cells = within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').slice(2).map((c) => c.textContent))
    expect(cells).toEqual([
      ['Anonymous', 'Card added', "Anonymous added 'X'"],
      ['Ada', 'Parked', "Ada parked 'X'"],
    ])
    task.cancel()
  })
})
