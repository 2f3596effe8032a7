import { describe, expect, it } from 'vitest'
import reducer, { eventAppended, initialMeetingState, joined, joinFailed, meetingOpened, socketDown } from './meetingSlice'
import { ev, sampleLog } from '../../test/fakes'

const reply = (events = sampleLog(), extra: Partial<Parameters<typeof joined>[0]['reply']> = {}) => ({
  pid: 'p1',
  role: 'facilitator' as const,
  head_seq: events.at(-1)?.seq ?? 0,
  resumed: false,
  events,
  ...extra,
})

describe('meeting slice', () => {
  const opened = reducer(initialMeetingState, meetingOpened({ meetingId: 'm1' }))

  it('a first join takes the reply as the log and records who we are', () => {
    const s = reducer(opened, joined({ reply: reply(), name: 'Ada' }))
    expect(s.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(s.lastSeq).toBe(7)
    expect(s.me).toEqual({ pid: 'p1', name: 'Ada', role: 'facilitator' })
    expect(s.status).toBe('joined')
  })

  it('head_seq counts moment events the reply leaves out', () => {
    const s = reducer(opened, joined({ reply: reply(sampleLog(), { head_seq: 9 }), name: 'Ada' }))
    expect(s.lastSeq).toBe(9)
    expect(reducer(s, eventAppended(ev(10, 'card_voted', { card_id: 'k1' }))).lastSeq).toBe(10)
  })

  it('a resumed join appends only what was missed', () => {
    const first = reducer(opened, joined({ reply: reply(sampleLog().slice(0, 5)), name: 'Ada' }))
    const missed = sampleLog().slice(3) // overlaps 4 and 5 on purpose
    const s = reducer(first, joined({ reply: reply(missed, { resumed: true, head_seq: 7 }), name: 'Ada' }))
    expect(s.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('resumed:false replaces the log', () => {
    const first = reducer(opened, joined({ reply: reply(), name: 'Ada' }))
    const fresh = sampleLog().slice(0, 3)
    const s = reducer(first, joined({ reply: reply(fresh, { resumed: false, head_seq: 3 }), name: 'Ada' }))
    expect(s.events.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(s.lastSeq).toBe(3)
  })

  it('appends only the next seq', () => {
    const s = reducer(opened, joined({ reply: reply(), name: 'Ada' }))
    expect(reducer(s, eventAppended(ev(9, 'card_voted', { card_id: 'k1' })))).toBe(s)
    expect(reducer(s, eventAppended(ev(7, 'card_voted', { card_id: 'k1' })))).toBe(s)
    expect(reducer(s, eventAppended(ev(8, 'card_voted', { card_id: 'k1' }))).events).toHaveLength(8)
  })

  it('shows reconnecting while the socket is down, and failure for a refused join', () => {
    const s = reducer(opened, joined({ reply: reply(), name: 'Ada' }))
    expect(reducer(s, socketDown()).status).toBe('reconnecting')
    expect(reducer(opened, joinFailed({ reason: 'not_found' })).status).toBe('failed')
    expect(reducer(s, joinFailed({ reason: 'unavailable' })).status).toBe('reconnecting')
  })
})
