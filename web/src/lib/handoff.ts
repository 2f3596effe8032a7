// "Continue on another device": a link that carries this participant's identity (pid + secret, and the
// facilitator token when held) so that another browser joins as the same participant. It travels in the
// URL FRAGMENT, never the query: browsers do not send fragments to servers, so it stays out of access
// logs and proxies. Whoever holds the link IS that participant, which is why the page warns about it.

export interface Handoff {
  name: string
  pid: string
  secret: string
  token?: string
}

const PREFIX = '#continue='

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

export function handoffUrl(origin: string, meetingId: string, handoff: Handoff): string {
  const payload: Record<string, string> = { n: handoff.name, p: handoff.pid, s: handoff.secret }
  if (handoff.token) payload.t = handoff.token
  return `${origin}/m/${encodeURIComponent(meetingId)}${PREFIX}${toBase64Url(JSON.stringify(payload))}`
}

// The handoff in a location hash, or null when there is none or it is malformed.
export function parseHandoff(hash: string): Handoff | null {
  if (!hash.startsWith(PREFIX)) return null
  try {
    const raw = JSON.parse(fromBase64Url(hash.slice(PREFIX.length))) as Record<string, unknown>
    const { n, p, s, t } = raw
    if (typeof n !== 'string' || typeof p !== 'string' || typeof s !== 'string' || !n || !p || !s) return null
    return typeof t === 'string' && t ? { name: n, pid: p, secret: s, token: t } : { name: n, pid: p, secret: s }
  } catch {
    return null
  }
}

// Reads the handoff from the current URL and removes it at once (history.replaceState), so the identity
// does not stay in the address bar, in bookmarks or in a link copied later.
export function takeHandoffFromLocation(): Handoff | null {
  if (typeof window === 'undefined' || !window.location.hash.startsWith(PREFIX)) return null
  const handoff = parseHandoff(window.location.hash)
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search)
  return handoff
}
