import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../app/store'
import { fold } from '../../domain'
import { ev, fakeDeps, flush, memoryIdentity, resumedReply, sampleLog, stateJson, stateReply } from '../../test/fakes'
import { eventRequested, nextTopicRequested } from './commands'
import { eventsAppended, joinRequested, meetingClosed, meetingOpened } from './meetingSlice'
import { selectLiveState } from './selectors'
import { describeReason } from '../../lib/reasons'
import { INVALID_REPLY } from './meetingSaga'

const joinReply = stateReply

function setup(identity = memoryIdentity({ m1: { name: 'Bob' } })) {
  const { deps, connections } = fakeDeps({ identity })
  const actions: { type: string; payload?: unknown }[] = []
  const store = createAppStore(deps, { navigation: false, onAction: (a) => actions.push(a as { type: string }) })
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  const conn = connections[0]
  return { store, deps, connections, conn, identity, actions }
}

const tailSeqs = (store: ReturnType<typeof setup>['store']) => store.getState().meeting.tail.map((e) => e.seq)

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

  it('a token holder records that it facilitates when nobody holds the role, and only then', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog(), { role: 'facilitator' }) })
    expect(conn.pushes.map((p) => [p.event.type, p.event.data])).toEqual([['facilitator_changed', { pid: 'p2' }]])
    conn.pushes[0].resolve({ status: 'ok', seq: 8 })
    conn.emit({ kind: 'event', event: ev(8, 'facilitator_changed', { pid: 'p2' }, 'p2', 'Bob') })
    expect(selectLiveState(store.getState()).facilitator).toBe('p2')
    // A rejoin (here: a fresh state that names a facilitator) claims nothing.
    const handed = [...sampleLog(), ev(8, 'facilitator_changed', { pid: 'p1' }, 'p2', 'Bob')]
    conn.emit({ kind: 'joined', reply: joinReply(handed, { role: 'facilitator', secret: undefined }) })
    expect(conn.pushes).toHaveLength(1)

    const other = setup()
    other.conn.emit({ kind: 'joined', reply: joinReply() })
    expect(other.conn.pushes).toHaveLength(0) // a participant never claims
  })

  it('a fresh join restores the reply state as the base: the board without any event log', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    const m = store.getState().meeting
    expect(m.base).toEqual(fold(sampleLog()))
    expect(m.tail).toEqual([])
    expect(m.lastSeq).toBe(7)
    expect(selectLiveState(store.getState()).cards.map((c) => c.title)).toEqual(['Builds', 'Tests'])
    expect(conn.params().since).toBe(7)
  })

  it('head_seq, not the state\'s last_seq, is where live events continue', () => {
    const { store, conn } = setup()
    // Seqs 8 and 9 were reactions: the state is as of 7, the head is 9.
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog(), { head_seq: 9, state: stateJson(sampleLog()) }) })
    conn.emit({ kind: 'event', event: ev(10, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob') })
    expect(conn.resyncs).toBe(0)
    expect(tailSeqs(store)).toEqual([10])
    expect(selectLiveState(store.getState()).cards[0].votes).toEqual({ p2: 1 })
  })

  it('forwards live events onto the base in seq order and drops duplicates', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'event', event: ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob') })
    conn.emit({ kind: 'event', event: ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob') })
    expect(tailSeqs(store)).toEqual([8])
    expect(selectLiveState(store.getState()).cards[0].votes).toEqual({ p2: 1 })
  })

  it('an "events" batch is applied like its events one by one, in ONE action', () => {
    const { store, conn, actions } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    actions.length = 0
    const batch = [
      ev(7, 'card_voted', { card_id: 'k2' }, 'p2', 'Bob'), // already held: dropped
      ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob'),
      ev(9, 'reaction', { emoji: '\u{1F525}' }, 'p1', 'Ada'),
      ev(10, 'card_edited', { card_id: 'k1', title: 'Faster builds' }, 'p1', 'Ada'),
    ]
    conn.emit({ kind: 'events', events: batch })
    const appended = actions.filter((a) => a.type === eventsAppended.type)
    expect(appended).toHaveLength(1)
    expect((appended[0].payload as { seq: number }[]).map((e) => e.seq)).toEqual([8, 9, 10])
    expect(tailSeqs(store)).toEqual([8, 9, 10])
    expect(store.getState().meeting.lastSeq).toBe(10)
    // The same board as the same events arriving one by one.
    const single = setup()
    single.conn.emit({ kind: 'joined', reply: joinReply() })
    for (const e of batch) single.conn.emit({ kind: 'event', event: e })
    expect(selectLiveState(store.getState())).toEqual(selectLiveState(single.store.getState()))
    expect(selectLiveState(store.getState()).cards[0]).toMatchObject({ title: 'Faster builds', votes: { p2: 1 } })
    expect(store.getState().reactions.floating.map((r) => r.emoji)).toEqual(['\u{1F525}'])
    expect(conn.resyncs).toBe(0)
  })

  it('a batch with a gap keeps what continues the log and rejoins once', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'events', events: [8, 9, 11, 12].map((seq) => ev(seq, 'card_voted', { card_id: 'k1' })) })
    expect(tailSeqs(store)).toEqual([8, 9])
    expect(conn.resyncs).toBe(1)
    expect(conn.params().since).toBe(9)
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

  it('resumes after a reconnect: since = last seq, the reply\'s events go onto the base', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(0, 5)) })
    const base = store.getState().meeting.base
    conn.emit({ kind: 'socket_down' })
    expect(store.getState().meeting.status).toBe('reconnecting')
    expect(conn.params()).toEqual({ name: 'Bob', pid: 'p2', secret: 'sec', since: 5 })
    const missed = [...sampleLog().slice(5), ev(8, 'reaction', { emoji: '\u{1F44D}' })]
    conn.emit({ kind: 'joined', reply: resumedReply(missed, 8) })
    expect(store.getState().meeting.status).toBe('joined')
    expect(store.getState().meeting.base).toBe(base)
    expect(tailSeqs(store)).toEqual([6, 7])
    expect(selectLiveState(store.getState())).toEqual(fold(sampleLog()))
    expect(conn.params().since).toBe(8)
    expect(store.getState().meeting.me?.pid).toBe('p2')
  })

  it('replaces base and tail when the server says resumed:false', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(0, 5)) })
    conn.emit({ kind: 'events', events: sampleLog().slice(5) })
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog().slice(0, 2), { resumed: false }) })
    expect(tailSeqs(store)).toEqual([])
    expect(store.getState().meeting.lastSeq).toBe(2)
    expect(selectLiveState(store.getState())).toEqual(fold(sampleLog().slice(0, 2)))
  })

  it('a state that does not restore: forgets everything and rejoins once without since', () => {
    const { store, conn, identity } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog(), { state: { title: 'Retro', phase: 'nonsense' } }) })
    expect(conn.resyncs).toBe(1)
    expect(conn.params().since).toBeUndefined()
    expect(conn.params().pid).toBe('p2') // the same participant, not a new one
    expect(identity.ids.m1).toMatchObject({ pid: 'p2', secret: 'sec' })
    expect(store.getState().meeting.base).toBeNull()
    expect(store.getState().meeting.status).toBe('reconnecting')
    // Live events before the next reply are not taken for a gap worth another rejoin.
    conn.emit({ kind: 'event', event: ev(8, 'card_voted', { card_id: 'k1' }) })
    expect(conn.resyncs).toBe(1)
    conn.emit({ kind: 'joined', reply: joinReply() })
    expect(store.getState().meeting.status).toBe('joined')
    expect(selectLiveState(store.getState())).toEqual(fold(sampleLog()))
  })

  it('a reply without state, or resuming a log we do not hold, is a protocol error too', () => {
    const { conn, store } = setup()
    conn.emit({ kind: 'joined', reply: { ...joinReply(), state: undefined } })
    expect(conn.resyncs).toBe(1)
    expect(store.getState().meeting.me).toBeNull()
    conn.emit({ kind: 'joined', reply: joinReply() })
    expect(store.getState().meeting.status).toBe('joined')
    const other = setup()
    other.conn.emit({ kind: 'joined', reply: resumedReply(sampleLog(), 7) })
    expect(other.conn.resyncs).toBe(1)
  })

  it('gives up, says so and closes after a second unusable reply in a row', () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog(), { state: null }) })
    conn.emit({ kind: 'joined', reply: joinReply(sampleLog(), { state: 42 }) })
    expect(conn.resyncs).toBe(1)
    expect(store.getState().meeting.status).toBe('failed')
    expect(store.getState().meeting.failure).toBe(INVALID_REPLY)
    expect(describeReason(INVALID_REPLY)).toMatch(/could not read/)
    expect(conn.closed).toBe(true)
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
    expect(tailSeqs(store)).toEqual([8])
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
    conn.emit({ kind: 'joined', reply: joinReply() })
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k2' } }))
    expect(new Set(conn.pushes.map((p) => p.event.id)).size).toBe(2)
  })

  it('shows a refusal in words', async () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
    store.dispatch(eventRequested({ type: 'card_voted', data: { card_id: 'k1' } }))
    conn.pushes[0].resolve({ status: 'error', reason: 'no_votes_left' })
    await flush()
    expect(store.getState().toasts.items.map((t) => t.text)).toEqual(['You have used all your votes.'])
  })

  it('gives up after the configured attempts and says so', async () => {
    const { store, conn } = setup()
    conn.emit({ kind: 'joined', reply: joinReply() })
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
