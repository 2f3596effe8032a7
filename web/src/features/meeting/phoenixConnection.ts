// MeetingConnection over the official phoenix client (PHOENIX-PROTOCOL.md). The socket reconnects by
// itself; an errored channel rejoins on reopen and re-evaluates its params, so `since` is always fresh.
import { Presence, Socket, type Channel } from 'phoenix'
import type { MeetingEvent } from '../../domain'
import type {
  ConnectionFactory,
  ConnectionMessage,
  JoinParams,
  JoinReply,
  MeetingConnection,
  OutgoingEvent,
  PushOutcome,
} from './connection'

interface PresenceMeta {
  name?: string
  online_at?: number
  role?: string
}

export const connectMeeting: ConnectionFactory = (meetingId, params) => {
  let socket: Socket | null = null
  let channel: Channel | null = null
  let listener: (message: ConnectionMessage) => void = () => {}

  function joinParams(): Record<string, unknown> {
    const p: JoinParams = params()
    // Absent keys rather than nulls: the server treats a present `since` as a resume request.
    return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== null))
  }

  function openChannel(s: Socket): Channel {
    const ch = s.channel(`meeting:${meetingId}`, joinParams)
    const presence = new Presence(ch)
    presence.onSync(() => {
      const people = presence.list((pid: string, { metas }: { metas: PresenceMeta[] }) => ({
        pid,
        name: metas[0]?.name ?? 'Someone',
        online_at: metas[0]?.online_at,
        ...(typeof metas[0]?.role === 'string' ? { role: metas[0].role } : {}),
      }))
      listener({ kind: 'presence', people })
    })
    ch.on('event', (payload: MeetingEvent) => listener({ kind: 'event', event: payload }))
    ch.on('events', (payload: { events?: MeetingEvent[] }) => {
      if (Array.isArray(payload?.events)) listener({ kind: 'events', events: payload.events })
    })
    ch.join()
      .receive('ok', (reply: JoinReply) => listener({ kind: 'joined', reply }))
      .receive('error', (response: { reason?: string }) => {
        const reason = response?.reason ?? 'unknown'
        listener({ kind: 'join_failed', reason })
        // A rejected join would be retried forever by the client; stop unless the server is just busy.
        if (reason !== 'unavailable' && reason !== 'rate_limited') ch.leave()
      })
      .receive('timeout', () => listener({ kind: 'join_timeout' }))
    return ch
  }

  const connection: MeetingConnection = {
    subscribe(next) {
      listener = next
      // The meeting in the socket URL lets a load balancer keep a meeting's members on one node
      // (HAProxy `balance url_param meeting`, docs/cluster.md): fewer races for seqs, less bus traffic.
      socket = new Socket('/socket', { params: { meeting: meetingId } })
      socket.onOpen(() => listener({ kind: 'socket_up' }))
      socket.onError(() => listener({ kind: 'socket_down' }))
      socket.onClose(() => listener({ kind: 'socket_down' }))
      socket.connect()
      channel = openChannel(socket)
      return () => {
        listener = () => {}
        channel?.leave()
        socket?.disconnect()
        channel = null
        socket = null
      }
    },

    push(event: OutgoingEvent, timeoutMs: number): Promise<PushOutcome> {
      return new Promise((resolve) => {
        if (!channel) return resolve({ status: 'error', reason: 'not_joined' })
        channel
          .push('event', event, timeoutMs)
          .receive('ok', (r: { seq?: number }) => resolve({ status: 'ok', seq: r?.seq }))
          .receive('error', (r: { reason?: string }) => resolve({ status: 'error', reason: r?.reason ?? 'unknown' }))
          .receive('timeout', () => resolve({ status: 'timeout' }))
      })
    },

    resync() {
      if (!socket) return
      channel?.leave()
      channel = openChannel(socket)
    },
  }
  return connection
}
