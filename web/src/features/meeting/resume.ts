// What a (re)join asks for. Evaluated by phoenix on every join attempt, so after a reconnect `since`
// is the last seq we hold and the reply carries only what we missed.
import type { JoinParams } from './connection'
import type { SavedIdentity } from '../../lib/identity'

export function joinParamsFor(identity: SavedIdentity, token: string | null, lastSeq: number): JoinParams {
  const params: JoinParams = { name: identity.name }
  // pid and secret travel together: a pid without its secret would be refused (bad_credentials).
  if (identity.pid && identity.secret) {
    params.pid = identity.pid
    params.secret = identity.secret
  }
  if (token) params.token = token
  // Nothing held yet: ask for everything (no `since`), which also makes the reply a full replacement.
  if (lastSeq > 0) params.since = lastSeq
  return params
}

// How a live event relates to the log we hold (seq is contiguous per meeting).
export type Arrival = 'next' | 'duplicate' | 'gap' | 'transient'

export function classifyArrival(seq: number | undefined, lastSeq: number): Arrival {
  if (seq === undefined) return 'transient'
  if (seq <= lastSeq) return 'duplicate'
  return seq === lastSeq + 1 ? 'next' : 'gap'
}
