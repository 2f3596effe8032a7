// The seam between the sagas and the socket. Sagas only see this interface, so tests drive them with a
// fake; phoenixConnection.ts implements it with the official phoenix client.
import type { MeetingEvent, Role } from '../../domain'

export interface JoinParams {
  name: string
  pid?: string
  secret?: string
  token?: string
  since?: number
}

// The `phx_join` ok reply (docs/protocol.md § Join). Either `state` (resumed: false — the canonical meeting
// state at head_seq, still to be validated with the domain's restoreState) or `events` (resumed: true — the
// stored state-class events after the `since` we sent). The client never receives the whole log.
export interface JoinReply {
  pid: string
  secret?: string
  role: Role
  head_seq: number
  resumed: boolean
  state?: unknown
  events?: MeetingEvent[]
  // Anonymous cards whose seal this joiner proves (omitted when empty).
  own_cards?: string[]
}

export interface PresentPerson {
  pid: string
  name: string
  online_at?: number
  // Only if the server ever lists it in the presence meta (today it does not).
  role?: string
}

export type ConnectionMessage =
  | { kind: 'joined'; reply: JoinReply }
  | { kind: 'join_failed'; reason: string }
  | { kind: 'event'; event: MeetingEvent }
  // The server's batch broadcast ("events", payload {events: [...]}): consecutive stored events in seq order.
  | { kind: 'events'; events: MeetingEvent[] }
  | { kind: 'presence'; people: PresentPerson[] }
  | { kind: 'socket_up' }
  // The join was not answered in time (phoenix will try again by itself).
  | { kind: 'join_timeout' }
  | { kind: 'socket_down' }

export interface OutgoingEvent {
  id: string
  type: string
  data: Record<string, unknown>
}

export type PushOutcome =
  | { status: 'ok'; seq?: number }
  | { status: 'error'; reason: string }
  | { status: 'timeout' }

export interface MeetingConnection {
  // Connects and joins; every later (re)join re-reads the params. Returns an unsubscribe that closes.
  subscribe(listener: (message: ConnectionMessage) => void): () => void
  // Resolves with the server's reply, or `timeout` (the push was not acknowledged in timeoutMs).
  push(event: OutgoingEvent, timeoutMs: number): Promise<PushOutcome>
  // Leaves the channel and joins it again (fresh params: `since` = the last seq we hold).
  resync(): void
}

export type ConnectionFactory = (meetingId: string, params: () => JoinParams) => MeetingConnection
