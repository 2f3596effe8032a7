// Test doubles for the sagas' dependencies: a scripted connection and in-memory storage.
import type { SagaDeps } from '../app/deps'
import type { MeetingEvent } from '../domain'
import type { SavedIdentity } from '../lib/identity'
import type { ConnectionMessage, JoinParams, MeetingConnection, OutgoingEvent, PushOutcome } from '../features/meeting/connection'

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
    fetchWholeLog: async () => [],
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

export function sampleLog(): MeetingEvent[] {
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
