import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../app/store'
import { ev, fakeDeps, flush, memoryIdentity, sampleLog } from '../../test/fakes'
import { eventRequested, nextTopicRequested } from './commands'
import { joinRequested, meetingClosed, meetingOpened } from './meetingSlice'
import { selectLiveState } from './selectors'

const joinReply = (events = sampleLog(), extra = {}) => ({
  pid: 'p2',
  secret: 'sec',
  role: 'participant' as const,
  head_seq: events.at(-1)?.seq ?? 0,
  resumed: false,
  events,
  ...extra,
})

function setup(identity = memoryIdentity({ m1: { name: 'Bob' } })) {
  const { deps, connections } = fakeDeps({ identity })
  const store = createAppStore(deps, { navigation: false })
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  const conn = connections[0]
  return { store, deps, connections, conn, identity }
}

describe('meeting session saga', () => {
  it('asks for a name when there is no saved identity, then connects and saves it', async () => {
    const identity = memoryIdentity()
    const { deps, connections } = fakeDeps({ identity })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    expect(store.getState().meeting.status).toBe('needName')
    expect(connections).toHaveLength(0)
    store.dispatch(joinRequested({ name: '  Bob ' }))
    expect(connections).toHaveLength(1)
    expect(connections[0].params()).toEqual({ name: 'Bob' })
    connections[0].emit({ kind: 'joined', reply: joinReply() })
    expect(identity.ids.m1).toEqual({ name: 'Bob', pid: 'p2', secret: 'sec' })
    expect(store.getState().meeting.me).toEqual({ pid: 'p2', name: 'Bob', role: 'participant' })
  })

  it('forwards live events into the log in seq order and drops duplicates', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'event', event: ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob') })
    conn.emit({ kind: 'event', event: ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob') })
    expect(store.getState().meeting.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(selectLiveState(store.getState()).cards[0].votes).toEqual({ p2: 1 })
  })

  it('rejoins (once) on a gap', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'event', event: ev(10, 'card_voted', { card_id: 'k1' }) })
    conn.emit({ kind: 'event', event: ev(11, 'card_voted', { card_id: 'k1' }) })
    expect(conn.resyncs).toBe(1)
    expect(store.getState().meeting.lastSeq).toBe(7)
    expect(conn.params().since).toBe(7)
  })

  it('resumes after a reconnect: since = last seq, the reply appends what was missed', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(0, 5)) })
    conn.emit({ kind: 'socket_down' })
    expect(store.getState().meeting.status).toBe('reconnecting')
    expect(conn.params()).toEqual({ name: 'Bob', pid: 'p2', secret: 'sec', since: 5 })
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(5), { resumed: true, secret: undefined }) })
    expect(store.getState().meeting.status).toBe('joined')
    expect(store.getState().meeting.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(conn.params().since).toBe(7)
  })

  it('replaces the log when the server says resumed:false', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(0, 2), { resumed: false }) })
    expect(store.getState().meeting.events.map((e) => e.seq)).toEqual([1, 2])
  })

  it('shows transient typing from others, not from me, and floats reactions', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'event', event: ev(undefined, 'typing', { card_id: 'k1' }, 'p1', 'Ada') })
    conn.emit({ kind: 'event', event: ev(undefined, 'typing', { card_id: 'k2' }, 'p2', 'Bob') })
    expect(Object.keys(store.getState().typing.byCard)).toEqual(['k1'])
    conn.emit({ kind: 'event', event: ev(8, 'reaction', { emoji: '\u{1F525}' }, 'p1', 'Ada') })
    expect(store.getState().reactions.floating.map((r) => r.emoji)).toEqual(['\u{1F525}'])
    expect(store.getState().meeting.lastSeq).toBe(8)
  })

  it('joins as a new participant when the saved credentials are refused', () => {
    const identity = memoryIdentity({ m1: { name: 'Bob', pid: 'p9', secret: 'old' } })
    const { conn, store } = setup(identity)
    expect(conn.params().pid).toBe('p9')
    conn.emit({ kind: 'join_failed', reason: 'bad_credentials' })
    expect(conn.resyncs).toBe(1)
    expect(conn.params()).toEqual({ name: 'Bob' })
    expect(store.getState().toasts.items).toHaveLength(1)
  })

  it('closes the connection when the meeting is left', () => {
    const { store, conn } = setup()
    store.dispatch(meetingClosed())
    expect(conn.closed).toBe(true)
  })
})

describe('pushing events', () => {
  it('retries a timed-out push with the SAME id, then stops on the ack', async () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    expect(conn.pushes).toHaveLength(1)
    conn.pushes[0].resolve({ status: 'timeout' })
    await flush()
    expect(conn.pushes).toHaveLength(2)
    expect(conn.pushes[1].event).toEqual(conn.pushes[0].event)
    conn.pushes[1].resolve({ status: 'ok', seq: 8 })
    await flush()
    expect(conn.pushes).toHaveLength(2)
    expect(store.getState().toasts.items).toEqual([])
  })

  it('gives each new push its own id', () => {
    const { store, conn } = setup()
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k2' } }))
    expect(new Set(conn.pushes.map((p) => p.event.id)).size).toBe(2)
  })

  it('shows a refusal in words', async () => {
    const { store, conn } = setup()
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    conn.pushes[0].resolve({ status: 'error', reason: 'no_votes_left' })
    await flush()
    expect(store.getState().toasts.items.map((t) => t.text)).toEqual(['You have used all your votes.'])
  })

  it('gives up after the configured attempts and says so', async () => {
    const { store, conn } = setup()
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    for (let i = 0; i < 3; i++) {
      conn.pushes[i].resolve({ status: 'timeout' })
      await flush()
    }
    expect(conn.pushes).toHaveLength(3)
    expect(store.getState().toasts.items[0].text).toMatch(/did not answer/)
  })

  it('"Next topic" finishes the current card, then starts the top-voted todo card', async () => {
    const log = [
      ...sampleLog(),
      ev(8, 'card_voted', { card_id: 'k1' }, 'p1', 'Ada'),
      ev(9, 'card_voted', { card_id: 'k1' }, 'p1', 'Ada'),
      ev(10, 'phase_changed', { phase: 'discuss' }, 'p1', 'Ada'),
      ev(11, 'discussion_started', { card_id: 'k1' }, 'p1', 'Ada'),
    ]
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(log) })
    store.dispatch(nextTopicRequested())
    expect(conn.pushes.map((p) => [p.event.type, p.event.data])).toEqual([['discussion_finished', { card_id: 'k1', outcome: 'done' }]])
    conn.pushes[0].resolve({ status: 'ok', seq: 12 })
    await flush()
    expect(conn.pushes[1].event.type).toBe('discussion_started')
    expect(conn.pushes[1].event.data).toEqual({ card_id: 'k2' })
  })
})
