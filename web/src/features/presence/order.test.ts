import { describe, expect, it } from 'vitest'
import { orderPresence } from './order'

const people = [
  { pid: 'p3', name: 'bob' },
  { pid: 'p1', name: 'Cy' },
  { pid: 'p2', name: 'Ada' },
  { pid: 'p0', name: 'Bob' },
]

describe('presence order and marks', () => {
  it('is by name (case-insensitive), then pid, whatever order phoenix listed them in', () => {
    const a = orderPresence(people, null, null, false).map((p) => p.pid)
    const b = orderPresence([...people].reverse(), null, null, false).map((p) => p.pid)
    expect(a).toEqual(['p2', 'p0', 'p3', 'p1'])
    expect(b).toEqual(a)
  })

  it('marks the handed-to facilitator for everyone, else the token holder on its own screen', () => {
    expect(orderPresence(people, { pid: 'p2' }, 'p1', true).filter((p) => p.facilitator).map((p) => p.pid)).toEqual(['p1'])
    expect(orderPresence(people, { pid: 'p2' }, null, true).filter((p) => p.facilitator).map((p) => p.pid)).toEqual(['p2'])
    expect(orderPresence(people, { pid: 'p2' }, null, false).filter((p) => p.facilitator)).toEqual([])
    expect(orderPresence(people, { pid: 'p2' }, null, false).find((p) => p.you)?.pid).toBe('p2')
  })
})
