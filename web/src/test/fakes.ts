// Test doubles for the sagas' dependencies: a scripted connection and in-memory storage.
import type { SagaDeps } from '../app/deps'
import { CATALOGUE, fold, type MeetingEvent, type Role } from '../domain'
import type { EventsPage, StateAt } from '../lib/api'
import type { SavedIdentity } from '../lib/identity'
import type { ConnectionMessage, JoinParams, JoinReply, MeetingConnection, OutgoingEvent, PushOutcome } from '../features/meeting/connection'
import type { JoinedPayload } from '../features/meeting/meetingSlice'

export class FakeConnection implements MeetingConnection {
  listener: ((m: ConnectionMessage) => void) | null = null
  pushes: { event: OutgoingEvent; timeoutMs: number; resolve: (o: PushOutcome) => void }[] = []
  resyncs = 0
  closed = false
  constructor(readonly params: () => JoinParams) {}

  subscribe(listener: (m: ConnectionMessage) => void) {
    this.listener = listener
    return () => {
      this.closed = true
      this.listener = null
    }
  }
  push(event: OutgoingEvent, timeoutMs: number): Promise<PushOutcome> {
    return new Promise((resolve) => this.pushes.push({ event, timeoutMs, resolve }))
  }
  resync() {
    this.resyncs++
  }
  emit(message: ConnectionMessage) {
    if (!this.listener) throw new Error('not subscribed')
    this.listener(message)
  }
}

export function memoryIdentity(initial: Record<string, SavedIdentity> = {}, tokens: Record<string, string> = {}) {
  const ids = { ...initial }
  const toks = { ...tokens }
  return {
    ids,
    toks,
    load: (m: string) => ids[m] ?? null,
    save: (m: string, i: SavedIdentity) => void (ids[m] = { ...i }),
    forgetCredentials: (m: string) => void (ids[m] = { name: ids[m]?.name ?? '' }),
    loadToken: (m: string) => toks[m] ?? null,
    saveToken: (m: string, t: string) => void (toks[m] = t),
  }
}

export function fakeDeps(overrides: Partial<SagaDeps> = {}) {
  const connections: FakeConnection[] = []
  let n = 0
  const deps: SagaDeps = {
    connect: (_id, params) => {
      const c = new FakeConnection(params)
      connections.push(c)
      return c
    },
    createMeeting: async () => ({ id: 'm1', facilitator_token: 'tok', url: '/m/m1' }),
    fetchEventsPage: async () => ({ events: [], head_seq: 0 }),
    fetchStateAt: async () => {
      throw new Error('no history server in this test')
    },
    fetchMeetingInfo: async (id) => ({ id, title: 'Retro', phase: 'collect' }),
    identity: memoryIdentity(),
    newEventId: () => `id-${++n}`,
    copyText: async () => {},
    now: () => 1_000_000,
    random: () => 0.5,
    pushTimeoutMs: 1000,
    pushAttempts: 3,
    ...overrides,
  }
  return { deps, connections }
}

// A small, valid meeting log for folding.
let ts = 1_000_000
export function ev(seq: number | undefined, type: string, data: Record<string, unknown>, pid = 'p1', name = 'Ada'): MeetingEvent {
  ts += 1000
  return { ...(seq === undefined ? {} : { seq }), id: `e${seq ?? 'x'}-${type}`, type, actor: { pid, name }, ts, data }
}

// Deterministic: every call gives equal events (ts from 1 001 000 ms, one second apart).
export function sampleLog(): MeetingEvent[] {
  ts = 1_000_000
  return [
    ev(1, 'meeting_created', { title: 'Retro', votes_per_person: 3, timebox_s: 300 }, 'server', 'server'),
    ev(2, 'participant_joined', { name: 'Ada' }, 'p1', 'Ada'),
    ev(3, 'participant_joined', { name: 'Bob' }, 'p2', 'Bob'),
    ev(4, 'card_added', { card_id: 'k1', title: 'Builds' }, 'p1', 'Ada'),
    ev(5, 'card_added', { card_id: 'k2', title: 'Tests' }, 'p2', 'Bob'),
    ev(6, 'phase_changed', { phase: 'vote' }, 'p1', 'Ada'),
    ev(7, 'card_voted', { card_id: 'k2' }, 'p2', 'Bob'),
  ]
}

export async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

// The meeting's canonical state after the events with seq <= upTo, as the server sends it (JSON on the
// wire: a fresh object, no shared references). Reactions are in the log but do not change the state.
export function stateJson(events: MeetingEvent[], upTo?: number): unknown {
  return JSON.parse(JSON.stringify(fold(events.filter((e) => CATALOGUE[e.type]?.replay === 'state'), upTo)))
}

// A fresh (resumed: false) join reply: the state at the last event's seq, or at head_seq when given.
export function stateReply(events: MeetingEvent[] = sampleLog(), extra: Partial<JoinReply> = {}): JoinReply {
  const head = extra.head_seq ?? events.at(-1)?.seq ?? 0
  return { pid: 'p2', secret: 'sec', role: 'participant', head_seq: head, resumed: false, state: stateJson(events, head), ...extra }
}

// A resumed join reply: the state-class events after `since` (the server never replays reactions).
export function resumedReply(events: MeetingEvent[], headSeq: number, extra: Partial<JoinReply> = {}): JoinReply {
  return {
    pid: 'p2',
    role: 'participant',
    head_seq: headSeq,
    resumed: true,
    events: events.filter((e) => CATALOGUE[e.type]?.replay === 'state'),
    ...extra,
  }
}

// The slice's `joined` payload for a fresh join on `events` (tests that drive reducers directly).
export function joinedWith(events: MeetingEvent[] = sampleLog(), me: { pid: string; name: string; role: Role } = { pid: 'p2', name: 'Bob', role: 'participant' }, headSeq?: number): JoinedPayload {
  const head = headSeq ?? events.at(-1)?.seq ?? 0
  return { me, headSeq: head, resumed: false, state: fold(events.filter((e) => CATALOGUE[e.type]?.replay === 'state'), head) }
}

// A long, valid meeting: created, people join, then cards added, edited and voted, with reactions between.
export function longLog(n: number): MeetingEvent[] {
  const log: MeetingEvent[] = [
    ev(1, 'meeting_created', { title: 'Long', votes_per_person: 20, timebox_s: 300 }, 'system', 'Confab'),
    ev(2, 'participant_joined', { name: 'Ada' }, 'p1', 'Ada'),
    ev(3, 'participant_joined', { name: 'Bob' }, 'p2', 'Bob'),
  ]
  for (let seq = 4; seq <= n; seq++) {
    const k = seq % 4
    if (k === 0) log.push(ev(seq, 'card_added', { card_id: `k${seq}`, title: `Card ${seq}` }, 'p1', 'Ada'))
    else if (k === 1) log.push(ev(seq, 'card_edited', { card_id: `k${seq - 1}`, title: `Card ${seq - 1} (edited)` }, 'p1', 'Ada'))
    else if (k === 2) log.push(ev(seq, 'reaction', { emoji: '\u{1F44D}' }, 'p2', 'Bob'))
    else log.push(ev(seq, 'card_deleted', { card_id: `k${seq - 3 - 160}` }, 'p1', 'Ada')) // the card added 160 seqs earlier
  }
  return log
}

// The server's history routes over a fixed log: GET /events pages and GET /state?seq=K, recording every
// request. `manual`: answers wait until the test releases them (to order or fail them).
export function historyServer(log: MeetingEvent[], options: { manual?: boolean } = {}) {
  const pages: { after: number; limit: number }[] = []
  const states: number[] = []
  const pending: { what: string; release: () => void; fail: (e: Error) => void }[] = []
  let failNext = false
  const head = () => log.at(-1)?.seq ?? 0
  function answer<T>(what: string, make: () => T): Promise<T> {
    if (failNext) {
      failNext = false
      return Promise.reject(new Error('unavailable'))
    }
    if (!options.manual) return Promise.resolve(make())
    return new Promise<T>((resolve, reject) => pending.push({ what, release: () => resolve(make()), fail: reject }))
  }
  return {
    pages,
    states,
    pending,
    failNextRequest: () => void (failNext = true),
    fetchEventsPage: (_m: string, after: number, limit: number): Promise<EventsPage> => {
      pages.push({ after, limit })
      return answer(`events after ${after}`, () => ({ events: log.filter((e) => (e.seq ?? 0) > after).slice(0, limit), head_seq: head() }))
    },
    fetchStateAt: (_m: string, seq: number): Promise<StateAt> => {
      states.push(seq)
      return answer(`state ${seq}`, () => ({ seq: Math.min(seq, head()), head_seq: head(), state: stateJson(log, seq) }))
    },
  }
}
