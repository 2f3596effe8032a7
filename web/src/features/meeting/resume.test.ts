import { describe, expect, it } from 'vitest'
import { classifyArrival, joinParamsFor } from './resume'

describe('joinParamsFor', () => {
  it('asks for the whole log on a first join (no since, no pid)', () => {
    expect(joinParamsFor({ name: 'Ada' }, null, 0)).toEqual({ name: 'Ada' })
  })
  it('resumes from the last seq held, with saved credentials and token', () => {
    expect(joinParamsFor({ name: 'Ada', pid: 'p1', secret: 's' }, 'tok', 42)).toEqual({
      name: 'Ada',
      pid: 'p1',
      secret: 's',
      token: 'tok',
      since: 42,
    })
  })
  it('never sends a pid without its secret', () => {
    expect(joinParamsFor({ name: 'Ada', pid: 'p1' }, null, 3)).toEqual({ name: 'Ada', since: 3 })
  })
})

describe('classifyArrival', () => {
  it('accepts exactly the next seq', () => {
    expect(classifyArrival(8, 7)).toBe('next')
  })
  it('drops what we already have', () => {
    expect(classifyArrival(7, 7)).toBe('duplicate')
    expect(classifyArrival(2, 7)).toBe('duplicate')
  })
  it('flags a gap', () => {
    expect(classifyArrival(9, 7)).toBe('gap')
  })
  it('treats events without seq as transient', () => {
    expect(classifyArrival(undefined, 7)).toBe('transient')
  })
})
