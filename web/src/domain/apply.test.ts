import { describe, expect, it } from 'vitest'
import { apply, fold, initialState, toStore, validate, votesUsed, type Actor, type MeetingEvent, type MeetingState } from './index'

const fran: Actor = { pid: 'p_f', name: 'Fran', role: 'facilitator' }
const ada: Actor = { pid: 'p_a', name: 'Ada', role: 'participant' }

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
  }
  return v
}

let seq = 0
const ev = (type: string, a: { pid: string; name: string }, data: Record<string, unknown>, ts = 1000 * (seq + 1)): MeetingEvent => {
  seq += 1
  return { seq, id: `e${seq}`, type, actor: { pid: a.pid, name: a.name }, ts, data }
}

function meeting(): MeetingEvent[] {
  seq = 0
  return [
    ev('meeting_created', { pid: 'server', name: 'server' }, { title: 'Retro', votes_per_person: 2 }),
    ev('participant_joined', fran, { name: 'Fran' }),
    ev('participant_joined', ada, { name: 'Ada' }),
    ev('card_added', ada, { card_id: 'k1', title: 'One' }),
    ev('card_added', fran, { card_id: 'k2', title: 'Two' }),
    ev('phase_changed', fran, { phase: 'vote' }),
    ev('card_voted', ada, { card_id: 'k1' }),
    ev('card_voted', ada, { card_id: 'k2' }),
    ev('phase_changed', fran, { phase: 'discuss' }),
    ev('discussion_started', fran, { card_id: 'k1' }),
    ev('continue_voted', ada, { vote: 'up' }),
    ev('timer_extended', fran, { seconds: 60 }),
    ev('note_added', ada, { card_id: 'k1', note_id: 'n1', text: 'x', kind: 'action' }),
    ev('discussion_finished', fran, { card_id: 'k1' }),
    ev('facilitator_changed', fran, { pid: 'p_a' }),
    ev('action_updated', ada, { card_id: 'k1', note_id: 'n1', owner: 'p_f', due: '2024-01-31' }),
    ev('action_updated', ada, { card_id: 'k1', note_id: 'n1', owner: null }),
  ]
}

describe('apply', () => {
  it('never mutates its input', () => {
    let state: MeetingState = deepFreeze(initialState())
    for (const e of meeting()) state = deepFreeze(apply(state, deepFreeze(e)))
    expect(state.cards[0].status).toBe('done')
    expect(state.last_seq).toBe(17)
    expect(state.facilitator).toBe('p_a')
    expect(state.cards[0].notes[0]).toEqual({ note_id: 'n1', text: 'x', kind: 'action', author: 'p_a', due: '2024-01-31' })
  })

  it('shares what an event does not touch', () => {
    const events = meeting()
    const before = fold(events)
    const after = apply(before, { seq: 18, id: 'x', type: 'participant_renamed', actor: ada, ts: 99000, data: { name: 'A' } })
    expect(after.cards).toBe(before.cards)
    expect(after.participants).not.toBe(before.participants)
    expect(before.participants.p_a.name).toBe('Ada')
  })

  it('skips events that do not fit without throwing', () => {
    const s = fold(meeting())
    for (const bad of [null, 3, 'x', { type: 5 }, { type: 'card_voted', data: [] }, { type: 'card_added', actor: 'p_a' }]) {
      expect(() => apply(s, bad as unknown as MeetingEvent)).not.toThrow()
      expect(apply(s, bad as unknown as MeetingEvent)).toEqual(s)
    }
  })
})

describe('fold', () => {
  it('stops after upToSeq (time travel)', () => {
    const events = meeting()
    expect(fold(events, 5).cards.map((c) => c.card_id)).toEqual(['k1', 'k2'])
    expect(fold(events, 5).phase).toBe('collect')
    expect(fold(events, 5).last_seq).toBe(5)
    expect(fold(events, 0)).toEqual(initialState())
    expect(fold(events)).toEqual(fold(events, 17))
  })
})

describe('votesUsed', () => {
  it('sums a pid over all cards', () => {
    const s = fold(meeting(), 8)
    expect(votesUsed(s, 'p_a')).toBe(2)
    expect(votesUsed(s, 'p_f')).toBe(0)
    expect(votesUsed(s, '__proto__')).toBe(0)
    expect(validate(s, ada, 'card_voted', { card_id: 'k1' })).toBe('no_votes_left')
  })
})

describe('validate', () => {
  it('never throws, whatever the payload', () => {
    const s = fold(meeting(), 12)
    const shapes: unknown[] = [null, undefined, 1, 'x', [], {}, { card_id: null, title: [], seconds: 1e308 }]
    for (const type of ['card_added', 'note_added', 'settings_changed', 'reaction', 'typing', 'timer_started', 'nope']) {
      for (const data of shapes) {
        for (const actor of [fran, ada]) expect(() => validate(s, actor, type, data)).not.toThrow()
      }
    }
  })
})

// The conformance cases prove toStore on accepted pushes; these are the edges a case cannot reach.
describe('toStore', () => {
  it('stores only the seal the server gives', () => {
    const s = fold(meeting().slice(0, 3))
    const sealed: Actor = { ...ada, seals: { k1: 's1' } }
    // Anonymous cards off: a seal the client put in data is dropped, the author stays named.
    expect(toStore(s, sealed, 'card_added', { card_id: 'k1', title: 'Hi', seal: 'forged' })).toEqual({
      actor: { pid: 'p_a', name: 'Ada' },
      data: { card_id: 'k1', title: 'Hi' },
    })
    // On: the actor's seal replaces the client's, the actor is anonymous.
    const on = apply(s, { seq: 4, id: 'e4', type: 'settings_changed', actor: fran, ts: 4000, data: { anonymous_cards: true } })
    expect(toStore(on, sealed, 'card_added', { card_id: 'k1', title: 'Hi', seal: 'forged' })).toEqual({
      actor: { pid: 'anonymous', name: 'Anonymous' },
      data: { card_id: 'k1', title: 'Hi', seal: 's1' },
    })
    // Everything else is stored as pushed.
    expect(toStore(on, sealed, 'card_voted', { card_id: 'k1' }).actor).toEqual({ pid: 'p_a', name: 'Ada' })
  })
})
