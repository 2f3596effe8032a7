// Honest offline behaviour (issue 11 item 7): a click made while disconnected is kept and sent, with the
// same id, once the connection is back; while waiting or in flight it is pending; typing hints are dropped.
import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../app/store'
import { fakeDeps, flush, memoryIdentity, sampleLog, stateReply } from '../../test/fakes'
import { eventRequested, typingStarted } from './commands'
import { joined, meetingClosed, meetingOpened } from './meetingSlice'
import { selectIsPending, selectOwnCardIds, selectPendingCount } from './selectors'

function setup(identity = memoryIdentity({ m1: { name: 'Bob' } })) {
  const { deps, connections } = fakeDeps({ identity })
  const store = createAppStore(deps, { navigation: false })
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  return { store, conn: connections[0], identity, deps }
}

describe('pushes while disconnected', () => {
  it('are kept (pending) and sent once joined again, with the same id, and the ack settles them', async () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: stateReply() })
    conn.emit({ kind: 'socket_down' })
    expect(store.getState().meeting.status).toBe('reconnecting')
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    expect(conn.pushes).toHaveLength(0) // nothing sent into a dead socket
    expect(selectIsPending(store.getState(), 'card_voted', 'k1')).toBe(true)
    expect(selectIsPending(store.getState(), 'card_voted', 'k2')).toBe(false)
    expect(selectPendingCount(store.getState())).toBe(1)
    conn.emit({ kind: 'joined', reply: stateReply(sampleLog(), { resumed: true, events: [], state: undefined }) })
    expect(conn.pushes).toHaveLength(1)
    conn.pushes[0].resolve({ status: 'ok', seq: 8 })
    await flush()
    expect(selectPendingCount(store.getState())).toBe(0)
    expect(store.getState().toasts.items).toEqual([])
  })

  it('a timeout while the connection dropped does not count: the same id is sent again after the rejoin', async () => {
    const { store, conn, deps } = setup()
    conn.emit({ kind: 'joined', reply: stateReply() })
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    conn.emit({ kind: 'socket_down' })
    for (let i = 0; i < deps.pushAttempts; i++) {
      // however long it is down, no "did not answer" and no second send while down
      conn.pushes[0].resolve({ status: 'timeout' })
      await flush()
    }
    expect(conn.pushes).toHaveLength(1)
    expect(store.getState().toasts.items).toEqual([])
    conn.emit({ kind: 'joined', reply: stateReply(sampleLog(), { resumed: true, events: [], state: undefined }) })
    expect(conn.pushes).toHaveLength(2)
    expect(conn.pushes[1].event.id).toBe(conn.pushes[0].event.id)
  })

  it('are settled and explained when the meeting is left or refused for good', async () => {
    const { store, conn } = setup()
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } })) // before the first join
    expect(selectPendingCount(store.getState())).toBe(1)
    conn.emit({ kind: 'join_failed', reason: 'not_found' })
    await flush()
    expect(selectPendingCount(store.getState())).toBe(0)
    expect(conn.pushes).toHaveLength(0)
    store.dispatch(meetingClosed())
  })

  it('typing hints are dropped, not kept', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: stateReply() })
    conn.emit({ kind: 'socket_down' })
    store.dispatch(typingStarted({ card_id: 'k1' }))
    expect(selectPendingCount(store.getState())).toBe(0)
    conn.emit({ kind: 'joined', reply: stateReply(sampleLog(), { resumed: true, events: [], state: undefined }) })
    expect(conn.pushes).toHaveLength(0)
  })
})

describe('own anonymous cards', () => {
  it('a card added while anonymous_cards is on is remembered as ours; otherwise not', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: stateReply(sampleLog(), { own_cards: ['k0'] }) })
    expect(store.getState().meeting.ownCards).toEqual(['k0'])
    // The meeting turned anonymous_cards on (set directly: independent of the domain's settings_changed).
    const base = store.getState().meeting.base!
    const me = store.getState().meeting.me!
    store.dispatch(joined({ me, headSeq: 7, resumed: false, state: { ...base, settings: { ...base.settings, anonymous_cards: true } } }))
    store.dispatch(eventRequested({ type: 'card_added', data: { card_id: 'k7', title: 'Secret' } }))
    expect([...selectOwnCardIds(store.getState())]).toEqual(['k0', 'k7'])
  })

  it('not when the setting is off', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: stateReply() })
    store.dispatch(eventRequested({ type: 'card_added', data: { card_id: 'k7', title: 'Open' } }))
    expect(store.getState().meeting.ownCards).toEqual([])
  })
})

describe('joining', () => {
  it('a "continue on another device" link stores that identity (and token) and joins as it', () => {
    const identity = memoryIdentity()
    const { deps, connections } = fakeDeps({ identity })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1', handoff: { name: 'Ada', pid: 'p1', secret: 's1', token: 'tok' } }))
    expect(store.getState().meeting.status).toBe('connecting')
    expect(connections[0].params()).toEqual({ name: 'Ada', pid: 'p1', secret: 's1', token: 'tok' })
    expect(identity.toks.m1).toBe('tok')
  })

  it('the join page learns the meeting title; an unknown meeting is said before asking a name', async () => {
    const { deps } = fakeDeps({ identity: memoryIdentity() })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    await flush()
    expect(store.getState().meeting.infoTitle).toBe('Retro')
    const { ApiError } = await import('../../lib/api')
    const missing = fakeDeps({
      identity: memoryIdentity(),
      fetchMeetingInfo: async () => {
        throw new ApiError('not_found', 404)
      },
    })
    const store2 = createAppStore(missing.deps, { navigation: false })
    store2.dispatch(meetingOpened({ meetingId: 'zz' }))
    await flush()
    expect(store2.getState().meeting.status).toBe('failed')
    expect(store2.getState().meeting.failure).toBe('not_found')
  })

  it('an unreachable server and a join timeout are recorded; "Try again" rejoins at once', async () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'socket_down' })
    expect(store.getState().meeting.socketDown).toBe(true)
    conn.emit({ kind: 'socket_up' })
    conn.emit({ kind: 'join_timeout' })
    expect(store.getState().meeting).toMatchObject({ socketDown: false, joinTimedOut: true, status: 'connecting' })
    const { joinRetried } = await import('./meetingSlice')
    store.dispatch(joinRetried())
    expect(conn.resyncs).toBe(1)
    conn.emit({ kind: 'joined', reply: stateReply() })
    expect(store.getState().meeting.joinTimedOut).toBe(false)
  })

  it('our own rename (from any device) becomes the saved name for the next join', () => {
    const { store, conn, identity } = setup()
    conn.emit({ kind: 'joined', reply: stateReply() })
    conn.emit({ kind: 'event', event: { seq: 8, id: 'r', type: 'participant_renamed', actor: { pid: 'p2', name: 'Bob' }, ts: 2_000_000, data: { name: 'Robert' } } })
    expect(store.getState().meeting.me?.name).toBe('Robert')
    expect(identity.ids.m1.name).toBe('Robert')
    expect(conn.params().name).toBe('Robert')
  })
})
