// @vitest-environment jsdom
// The meeting shell's screens: joining problems with a retry, the settings dialog's pushes and pending state.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { Provider } from 'react-redux'
import { createAppStore } from '../../app/store'
import { App } from '../../app/App'
import { fakeDeps, memoryIdentity, sampleLog, stateReply } from '../../test/fakes'
import { pathChanged } from '../navigation/navigationSlice'
import { meetingOpened } from './meetingSlice'

afterEach(cleanup)

function renderMeeting(role: 'facilitator' | 'participant' = 'participant') {
  const { deps, connections } = fakeDeps({ identity: memoryIdentity({ m1: { name: 'Bob' } }) })
  const store = createAppStore(deps, { navigation: false })
  render(
    <Provider store={store}>
      <App />
    </Provider>,
  )
  store.dispatch(pathChanged({ path: '/m/m1' }))
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  const conn = connections[0]
  const join = () => conn.emit({ kind: 'joined', reply: stateReply(sampleLog(), { role }) })
  return { store, conn, join }
}

describe('joining problems', () => {
  it('an unreachable server is said (not "Joining…" for ever), with a retry that rejoins', async () => {
    const { conn } = renderMeeting()
    expect(await screen.findByText('Joining the meeting…')).toBeTruthy()
    conn.emit({ kind: 'socket_down' })
    expect(await screen.findByText(/Can’t reach the server right now/)).toBeTruthy()
    expect(screen.queryByText('Joining the meeting…')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(conn.resyncs).toBe(1)
  })

  it('a join that timed out is explained', async () => {
    const { conn } = renderMeeting()
    conn.emit({ kind: 'join_timeout' })
    expect(await screen.findByText(/did not answer in time/)).toBeTruthy()
  })
})

describe('settings dialog', () => {
  it('a participant renames themself; the Save button is pending until the server answers', async () => {
    const { conn, join } = renderMeeting()
    join()
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }))
    expect(screen.queryByLabelText('Meeting title')).toBeNull()
    fireEvent.change(screen.getByLabelText('Your name'), { target: { value: 'Robert' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }))
    expect(conn.pushes.at(-1)?.event).toMatchObject({ type: 'participant_renamed', data: { name: 'Robert' } })
    expect(screen.getByRole('button', { name: 'Saving…' })).toBeTruthy()
    conn.pushes.at(-1)!.resolve({ status: 'ok', seq: 8 })
    expect(await screen.findByRole('button', { name: 'Save name' })).toBeTruthy()
  })

  it('the facilitator changes the title and only the settings that changed', async () => {
    const { conn, join } = renderMeeting('facilitator')
    join()
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }))
    fireEvent.change(screen.getByLabelText('Meeting title'), { target: { value: 'Retro 2' } })
    fireEvent.change(screen.getByLabelText('Votes per person'), { target: { value: '5' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save meeting settings' }))
    expect(conn.pushes.map((p) => [p.event.type, p.event.data])).toEqual([
      // The token holder records that it facilitates as soon as it joins a meeting nobody holds.
      ['facilitator_changed', { pid: 'p2' }],
      ['meeting_renamed', { title: 'Retro 2' }],
      ['settings_changed', { votes_per_person: 5 }],
    ])
    expect(screen.getByLabelText('Hand the facilitator role to')).toBeTruthy()
  })
})
