import { describe, expect, it } from 'vitest'
import { handoffUrl, parseHandoff } from './handoff'

describe('continue-on-another-device links', () => {
  it('carry the identity in the fragment, never the query, and read back the same', () => {
    const h = { name: 'Zoë ☕', pid: 'p_1', secret: 's+/=', token: 'tok' }
    const url = handoffUrl('https://confab.example', 'm1', h)
    const parsed = new URL(url)
    expect(parsed.search).toBe('')
    expect(parsed.pathname).toBe('/m/m1')
    expect(parsed.hash.startsWith('#continue=')).toBe(true)
    expect(parsed.hash.slice('#continue='.length)).toMatch(/^[A-Za-z0-9_-]+$/) // base64url: safe in a URL as is
    expect(parseHandoff(parsed.hash)).toEqual(h)
  })

  it('leaves the token out when not held', () => {
    const url = handoffUrl('http://x', 'm1', { name: 'Bob', pid: 'p2', secret: 'sec' })
    expect(parseHandoff(new URL(url).hash)).toEqual({ name: 'Bob', pid: 'p2', secret: 'sec' })
  })

  it('ignores other and malformed fragments', () => {
    expect(parseHandoff('')).toBeNull()
    expect(parseHandoff('#main')).toBeNull()
    expect(parseHandoff('#continue=%%%')).toBeNull()
    expect(parseHandoff('#continue=' + btoa('{"n":"a"}'))).toBeNull()
  })
})
