// @vitest-environment jsdom
// Action items get an owner and a due date as they are written (note_added's owner/due); takeaways never.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { Provider } from 'react-redux'
import { takeEvery } from 'redux-saga/effects'
import { eventRequested } from '../meeting/commands'
import { joined } from '../meeting/meetingSlice'
import { selectViewState } from '../meeting/selectors'
import { joinedWith } from '../../test/fakes'
import { storeWith } from '../analytics/fixtures'
import { closingLog } from '../summary/fixtures'
import { Notes } from './Notes'

afterEach(cleanup)

function setup() {
  const requested: { type: string; data: Record<string, unknown> }[] = []
  const { store, task } = storeWith(function* () {
    yield takeEvery(eventRequested.type, (a: ReturnType<typeof eventRequested>) => void requested.push(a.payload))
  })
  // Discussing "Tests" (k2), before any note.
  store.dispatch(joined(joinedWith(closingLog().slice(0, 9), { pid: 'p1', name: 'Ada', role: 'facilitator' })))
  const card = selectViewState(store.getState()).cards.find((c) => c.card_id === 'k2')!
  render(
    <Provider store={store}>
      <Notes card={card} />
    </Provider>,
  )
  return { requested, task }
}

describe('Notes', () => {
  it('writes an action item with its owner and due date', () => {
    const { requested, task } = setup()
    expect(screen.queryByLabelText('Owner')).toBeNull() // a takeaway has none
    fireEvent.change(screen.getByLabelText('Note kind'), { target: { value: 'action' } })
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'Fix CI' } })
    const owner = screen.getByLabelText('Owner') as HTMLSelectElement
    expect([...owner.options].map((o) => o.textContent)).toEqual(['No owner', 'Ada', 'Bob'])
    fireEvent.change(owner, { target: { value: 'p2' } })
    fireEvent.change(screen.getByLabelText('Due date'), { target: { value: '2024-12-05' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }))
    expect(requested).toHaveLength(1)
    expect(requested[0]).toMatchObject({
      type: 'note_added',
      data: { card_id: 'k2', text: 'Fix CI', kind: 'action', owner: 'p2', due: '2024-12-05' },
    })
    expect((screen.getByLabelText('Owner') as HTMLSelectElement).value).toBe('') // cleared for the next one
    task.cancel()
  })

  it('sends a takeaway without owner or due date', () => {
    const { requested, task } = setup()
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'Flaky' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }))
    expect(requested[0].data).not.toHaveProperty('owner')
    expect(requested[0].data).not.toHaveProperty('due')
    expect(requested[0].data).toMatchObject({ kind: 'takeaway', text: 'Flaky' })
    task.cancel()
  })
})
