// Everything impure a saga touches, injected so tests can replace it (fake socket, fake HTTP, memory
// storage). main.tsx wires the real ones.
import type { CreateMeetingRequest, CreatedMeeting, EventsPage, MeetingInfo, StateAt } from '../lib/api'
import type { SavedIdentity } from '../lib/identity'
import type { ConnectionFactory } from '../features/meeting/connection'

export interface SagaDeps {
  connect: ConnectionFactory
  createMeeting(request: CreateMeetingRequest): Promise<CreatedMeeting>
  // History for the timeline, on demand only: one page of stored events after `after`, and the meeting's
  // state after event `seq` (server snapshots). Never the whole log.
  fetchEventsPage(meetingId: string, after: number, limit: number): Promise<EventsPage>
  fetchStateAt(meetingId: string, seq: number): Promise<StateAt>
  // The meeting's name for the join page (throws ApiError not_found for an unknown meeting).
  fetchMeetingInfo(meetingId: string): Promise<MeetingInfo>
  identity: {
    load(meetingId: string): SavedIdentity | null
    save(meetingId: string, identity: SavedIdentity): void
    forgetCredentials(meetingId: string): void
    loadToken(meetingId: string): string | null
    saveToken(meetingId: string, token: string): void
  }
  newEventId(): string
  copyText(text: string): Promise<void>
  now(): number
  random(): number
  // Push tuning: how long to wait for an ack, and how many times to send the same id.
  pushTimeoutMs: number
  pushAttempts: number
}
