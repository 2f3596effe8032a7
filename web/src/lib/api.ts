// The HTTP API of CONTRACT §3, as plain fetch calls. Sagas `call` these; tests replace them.
import type { MeetingEvent } from '../domain'

export interface CreatedMeeting {
  id: string
  facilitator_token: string
  url: string
}

export interface CreateMeetingRequest {
  title: string
  votes_per_person?: number
  timebox_s?: number
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
  ) {
    super(code)
  }
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) {
    let code = `http_${response.status}`
    try {
      const body = (await response.json()) as { error?: string }
      if (body.error) code = body.error
    } catch {
      // not JSON: keep the status code
    }
    throw new ApiError(code, response.status)
  }
  return (await response.json()) as T
}

export async function createMeeting(request: CreateMeetingRequest): Promise<CreatedMeeting> {
  const response = await fetch('/api/meetings', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
  return json<CreatedMeeting>(response)
}

// What the join page needs before joining (GET /api/meetings/ID, docs/http-api.md): the meeting's name.
export interface MeetingInfo {
  id: string
  title: string
  phase: string
}

export async function fetchMeetingInfo(meetingId: string): Promise<MeetingInfo> {
  return json<MeetingInfo>(await fetch(`/api/meetings/${encodeURIComponent(meetingId)}`))
}

export interface EventsPage {
  events: MeetingEvent[]
  head_seq: number
}

export async function fetchEventsPage(meetingId: string, after: number, limit: number): Promise<EventsPage> {
  const url = `/api/meetings/${encodeURIComponent(meetingId)}/events?after=${after}&limit=${limit}`
  return json<EventsPage>(await fetch(url))
}

// The meeting as it was after event `seq` (GET /api/meetings/ID/state?seq=K): `state` is the canonical
// state JSON, still to be validated with the domain's restoreState.
export interface StateAt {
  seq: number
  head_seq: number
  state: unknown
}

export async function fetchStateAt(meetingId: string, seq: number): Promise<StateAt> {
  const url = `/api/meetings/${encodeURIComponent(meetingId)}/state?seq=${seq}`
  return json<StateAt>(await fetch(url))
}
