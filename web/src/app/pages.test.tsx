// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { Provider } from 'react-redux'
import { createAppStore } from './store'
import { App } from './App'
import { ev, fakeDeps, flush, historyServer, memoryIdentity, sampleLog, stateReply } from '../test/fakes'
import { pathChanged } from '../features/navigation/navigationSlice'
import { meetingOpened } from '../features/meeting/meetingSlice'
import { eventRequested } from '../features/meeting/commands'

afterEach(cleanup)

function renderApp(identity = memoryIdentity(), server = historyServer(sampleLog())) {
  const { deps, connections } = fakeDeps({ identity, fetchEventsPage: server.fetchEventsPage, fetchStateAt: server.fetchStateAt })
  const store = createAppStore(deps, { navigation: false })
  const actions: unknown[] = []
  store.subscribe(() => void 0)
  const dispatch = store.dispatch
  store.dispatch = ((a: unknown) => {
    actions.push(a)
    return dispatch(a as never)
  }) as typeof store.dispatch
  render(
    <Provider store={store}>
      <App />
    </Provider>,
  )
  return { store, connections, actions }
}

describe('pages', () => {
  it('landing page offers "Start a meeting" with a labelled title field', () => {
    renderApp()
    expect(screen.getByLabelText('Meeting title')).toBeTruthy()
    expect(screen.getByLabelText('Votes per person')).toBeTruthy()
    expect(screen.getByLabelText('Timebox minutes')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Start a meeting' })).toBeTruthy()
  })

  it('a meeting without saved identity asks for a name, then shows the board', async () => {
    const { store, connections } = renderApp()
    store.dispatch(pathChanged({ path: '/m/m1' }))
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    fireEvent.change(await screen.findByLabelText('Your name'), { target: { value: 'Bob' } })
    fireEvent.click(screen.getByRole('button', { name: 'Join' }))
    connections[0].emit({
      kind: 'joined',
      reply: stateReply(sampleLog(), { secret: 's' }),
    })
    expect(await screen.findByRole('heading', { name: 'Retro' })).toBeTruthy()
    // Vote phase: a participant can vote, but has no phase controls; adding cards is still open.
    expect(screen.getAllByRole('button', { name: 'Vote' })).toHaveLength(2)
    expect(screen.queryByRole('button', { name: 'Start discussing' })).toBeNull()
    expect(screen.getByLabelText('New card')).toBeTruthy()
    expect(screen.getByRole('slider', { name: 'Timeline' })).toBeTruthy()
    expect(screen.getByText(/of 3 votes left/).textContent).toBe('2 of 3 votes left')
    // Only Bob's own card can be edited.
    expect(screen.getByRole('button', { name: 'Edit card: Tests' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Edit card: Builds' })).toBeNull()
  })

  it('Add card pushes card_added with a fresh card id', async () => {
    const { store, connections, actions } = renderApp(memoryIdentity({ m1: { name: 'Bob' } }))
    store.dispatch(pathChanged({ path: '/m/m1' }))
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    connections[0].emit({
      kind: 'joined',
      reply: stateReply(sampleLog(), { secret: undefined }),
    })
    fireEvent.change(await screen.findByLabelText('New card'), { target: { value: 'Coffee machine' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add card' }))
    const pushed = actions.filter((a) => eventRequested.match(a as never)) as ReturnType<typeof eventRequested>[]
    expect(pushed).toHaveLength(1)
    expect(pushed[0].payload.type).toBe('card_added')
    expect(pushed[0].payload.data.title).toBe('Coffee machine')
    expect(String(pushed[0].payload.data.card_id)).toMatch(/^k_[0-9a-f]{16}$/)
    // Typing in the field sends a (throttled) typing hint first.
    expect(connections[0].pushes.map((p) => p.event.type)).toEqual(['typing', 'card_added'])
  })

  it('the timeline spans seq 0..head; moving it loads that moment and pauses editing', async () => {
    const log = [...sampleLog(), ev(8, 'reaction', { emoji: '\u{1F525}' }, 'p1', 'Ada')]
    const server = historyServer(log)
    const { store, connections } = renderApp(memoryIdentity({ m1: { name: 'Bob' } }), server)
    store.dispatch(pathChanged({ path: '/m/m1' }))
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    connections[0].emit({ kind: 'joined', reply: stateReply(log) })
    const slider = (await screen.findByRole('slider', { name: 'Timeline' })) as HTMLInputElement
    expect([slider.min, slider.max, slider.value]).toEqual(['0', '8', '8'])
    expect(server.pages).toEqual([]) // nothing of the past before the timeline is used
    fireEvent.change(slider, { target: { value: '4' } })
    expect(screen.getByText(/Viewing the meeting as it was/).textContent).toMatch(/Loading/)
    expect(screen.queryByLabelText('New card')).toBeNull() // editing paused at once
    await flush()
    expect(screen.getByText(/Viewing the meeting as it was at/).textContent).not.toMatch(/Loading/)
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(['Builds'])
    expect(slider.getAttribute('aria-valuetext')).toMatch(/Ada added a card/)
    fireEvent.click(screen.getByRole('button', { name: 'Step forward one event' }))
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(['Builds', 'Tests'])
    expect(server.states).toEqual([4])
    fireEvent.click(screen.getByRole('button', { name: 'Back to live' }))
    expect(slider.value).toBe('8')
    expect(screen.getByLabelText('New card')).toBeTruthy()
  })
})
