import { describe, expect, it } from 'vitest'
import { apply, fold } from '../../domain'
import reducer, {
  eventsAppended,
  initialMeetingState,
  joined,
  joinFailed,
  joinReplyRejected,
  meetingOpened,
  socketDown,
  TAIL_COMPACT_AT,
  TAIL_KEEP,
} from './meetingSlice'
import { ev, joinedWith, longLog, sampleLog } from '../../test/fakes'

const ada = { pid: 'p1', name: 'Ada', role: 'facilitator' as const }

describe('meeting slice', () => {
  const opened = reducer(initialMeetingState, meetingOpened({ meetingId: 'm1' }))

  it('a fresh join takes the reply state as the base, with an empty tail, and records who we are', () => {
    const s = reducer(opened, joined(joinedWith(sampleLog(), ada)))
    expect(s.base).toEqual(fold(sampleLog()))
    expect(s.baseSeq).toBe(7)
    expect(s.tail).toEqual([])
    expect(s.lastSeq).toBe(7)
    expect(s.me).toEqual(ada)
    expect(s.status).toBe('joined')
  })

  it('head_seq counts moment events the state does not show (its last_seq is lower)', () => {
    const s = reducer(opened, joined(joinedWith(sampleLog(), ada, 9)))
    expect(s.base?.last_seq).toBe(7)
    expect(s.lastSeq).toBe(9)
    expect(reducer(s, eventsAppended([ev(10, 'card_voted', { card_id: 'k1' })])).lastSeq).toBe(10)
  })

  it('a resumed join appends only what was missed to the tail, and keeps the base', () => {
    const first = reducer(opened, joined(joinedWith(sampleLog().slice(0, 5), ada)))
    const missed = sampleLog().slice(3) // overlaps 4 and 5 on purpose
    const s = reducer(first, joined({ me: ada, headSeq: 9, resumed: true, events: missed }))
    expect(s.base).toBe(first.base)
    expect(s.tail.map((e) => e.seq)).toEqual([6, 7])
    expect(s.lastSeq).toBe(9) // 8 and 9 were reactions: not replayed, but counted
  })

  it('resumed:false replaces base and tail', () => {
    let s = reducer(opened, joined(joinedWith(sampleLog().slice(0, 5), ada)))
    s = reducer(s, eventsAppended(sampleLog().slice(5)))
    expect(s.tail).toHaveLength(2)
    s = reducer(s, joined(joinedWith(sampleLog().slice(0, 3), ada)))
    expect(s.tail).toEqual([])
    expect(s.baseSeq).toBe(3)
    expect(s.lastSeq).toBe(3)
    expect(s.base?.cards).toEqual([])
  })

  it('appends a batch in order and stops at the first event that does not continue the log', () => {
    const s = reducer(opened, joined(joinedWith(sampleLog(), ada)))
    expect(reducer(s, eventsAppended([ev(9, 'card_voted', { card_id: 'k1' })]))).toBe(s)
    expect(reducer(s, eventsAppended([ev(7, 'card_voted', { card_id: 'k1' })]))).toBe(s)
    const batch = [8, 9, 11].map((seq) => ev(seq, 'card_voted', { card_id: 'k1' }))
    const after = reducer(s, eventsAppended(batch))
    expect(after.tail.map((e) => e.seq)).toEqual([8, 9])
    expect(after.lastSeq).toBe(9)
  })

  it('a long session folds the older part of the tail into the base: same board, bounded tail', () => {
    const log = longLog(TAIL_COMPACT_AT + 300)
    let s = reducer(opened, joined(joinedWith(log.slice(0, 3), ada)))
    for (let i = 3; i < log.length; i += 50) s = reducer(s, eventsAppended(log.slice(i, i + 50)))
    expect(s.lastSeq).toBe(log.length)
    expect(s.tail.length).toBeLessThanOrEqual(TAIL_COMPACT_AT)
    expect(s.tail.length).toBeGreaterThanOrEqual(TAIL_KEEP)
    expect(s.tail[0].seq).toBe(s.baseSeq + 1)
    expect(s.tail.reduce((m, e) => apply(m, e), s.base!)).toEqual(fold(log))
  })

  it('a rejected reply forgets the state, so that the rejoin asks for a fresh one', () => {
    const s = reducer(reducer(opened, joined(joinedWith(sampleLog(), ada))), joinReplyRejected())
    expect(s.base).toBeNull()
    expect(s.lastSeq).toBe(0)
    expect(s.tail).toEqual([])
    expect(s.status).toBe('reconnecting')
  })

  it('shows reconnecting while the socket is down, and failure for a refused join', () => {
    const s = reducer(opened, joined(joinedWith(sampleLog(), ada)))
    expect(reducer(s, socketDown()).status).toBe('reconnecting')
    expect(reducer(opened, joinFailed({ reason: 'not_found' })).status).toBe('failed')
    expect(reducer(s, joinFailed({ reason: 'unavailable' })).status).toBe('reconnecting')
  })
})
