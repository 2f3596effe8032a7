// Per-meeting identity kept in localStorage so that a reload (or a new tab) is the same participant:
// same pid, same votes. The facilitator token is kept apart because it is only ever set by the creator.

export interface SavedIdentity {
  name: string
  pid?: string
  secret?: string
}

const identityKey = (meetingId: string) => `confab:identity:${meetingId}`
const tokenKey = (meetingId: string) => `confab:token:${meetingId}`

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null // storage disabled (privacy mode): the app still works, without memory
  }
}

export function loadIdentity(meetingId: string): SavedIdentity | null {
  const raw = storage()?.getItem(identityKey(meetingId))
  if (!raw) return null
  try {
    const parsed = JSON.parse(raw) as Partial<SavedIdentity>
    if (typeof parsed.name !== 'string' || parsed.name.trim() === '') return null
    return {
      name: parsed.name,
      pid: typeof parsed.pid === 'string' ? parsed.pid : undefined,
      secret: typeof parsed.secret === 'string' ? parsed.secret : undefined,
    }
  } catch {
    return null
  }
}

export function saveIdentity(meetingId: string, identity: SavedIdentity): void {
  storage()?.setItem(identityKey(meetingId), JSON.stringify(identity))
}

export function forgetCredentials(meetingId: string): void {
  const current = loadIdentity(meetingId)
  if (current) saveIdentity(meetingId, { name: current.name })
}

export function loadFacilitatorToken(meetingId: string): string | null {
  return storage()?.getItem(tokenKey(meetingId)) ?? null
}

export function saveFacilitatorToken(meetingId: string, token: string): void {
  storage()?.setItem(tokenKey(meetingId), token)
}
