// Shared plumbing of the three view features (analytics, audit, feature usage): a JSON GET that turns
// error bodies into CONTRACT §3 reason codes, and the "fetch while the view is open" saga shape.
import { call, race, take, takeLatest } from 'redux-saga/effects'
import { ApiError } from '../../lib/api'

// The one impure thing the view sagas use; tests pass a fake.
export type FetchFn = (url: string) => Promise<Response>
export const browserFetch: FetchFn = (url) => fetch(url)

// How long new events must be quiet before an open view refetches: a burst of votes costs one request.
export const REFRESH_DEBOUNCE_MS = 800

export async function getJson<T>(fetchFn: FetchFn, url: string): Promise<T> {
  const response = await fetchFn(url)
  if (!response.ok) {
    let code = `http_${response.status}`
    try {
      const body = (await response.json()) as { error?: string }
      if (typeof body.error === 'string') code = body.error
    } catch {
      // not JSON: keep the status code
    }
    throw new ApiError(code, response.status)
  }
  return (await response.json()) as T
}

export function reasonOf(error: unknown): string {
  return error instanceof ApiError ? error.code : 'unavailable'
}

// Runs `session` from each `opened` action until `closed` (or the next `opened`, which starts afresh).
// The session's forked watchers are cancelled with it.
export function* whileOpen<A extends { type: string }>(opened: string, closed: string, session: (action: A) => Generator) {
  yield takeLatest(opened, function* (action: A) {
    yield race({ session: call(session, action), closed: take(closed) })
  })
}
