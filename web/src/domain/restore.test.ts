// restoreState, the inverse of the canonical JSON (as server/src/domain/from_json_test.cpp tests FromJson):
// it restores every state apply reaches into a fresh structure, a tail folded on a restored snapshot
// equals the full fold, and anything that is not a canonical state is refused without throwing.
import { describe, expect, it } from 'vitest'
import { jsonEqual } from './conformance'
import { apply, fold, initialState, restoreState, type Actor, type MeetingEvent, type MeetingState } from './index'

const server = { pid: 'server', name: 'server' }
const fran: Actor = { pid: 'p_f', name: 'Fran', role: 'facilitator' }
const ada: Actor = { pid: 'p_a', name: 'Ada', role: 'participant' }
const proto = { pid: '__proto__', name: 'Proto' }
const anonymous = { pid: 'anonymous', name: 'Anonymous' }

function log(): MeetingEvent[] {
  const events: MeetingEvent[] = []
  const ev = (type: string, a: { pid: string; name: string }, data: Record<string, unknown>) => {
    const seq = events.length + 1
    events.push({ seq, id: `e${seq}`, type, actor: { pid: a.pid, name: a.name }, ts: 1000 * seq, data })
  }
  ev('meeting_created', server, { title: 'Retro', votes_per_person: 5, anonymous_cards: true, hide_totals: true })
  ev('participant_joined', fran, { name: 'Fran' })
  ev('participant_joined', ada, { name: 'Ada' })
  ev('participant_joined', proto, { name: 'Proto' })
  ev('card_added', ada, { card_id: 'k1', title: 'One' })
  ev('card_added', fran, { card_id: 'k2', title: 'Two' })
  ev('card_added', ada, { card_id: 'k3', title: 'Three' })
  ev('card_added', anonymous, { card_id: 'k4', title: 'Four', seal: '5eal' })
  ev('phase_changed', fran, { phase: 'vote' })
  for (const a of [ada, ada, fran, proto]) ev('card_voted', a, { card_id: 'k1' })
  ev('card_voted', ada, { card_id: 'k2' })
  ev('vote_withdrawn', ada, { card_id: 'k2' })
  ev('card_voted', ada, { card_id: 'k3' })
  ev('note_added', ada, { card_id: 'k3', note_id: 'n2', text: 'y', kind: 'takeaway' })
  ev('card_merged', fran, { card_id: 'k3', into_card_id: 'k1' })
  ev('phase_changed', fran, { phase: 'discuss' })
  ev('discussion_started', fran, { card_id: 'k2' })
  ev('note_added', ada, { card_id: 'k2', note_id: 'n1', text: 'x', kind: 'action', owner: 'p_f' })
  ev('action_updated', ada, { card_id: 'k2', note_id: 'n1', due: '2024-02-29' })
  ev('facilitator_changed', fran, { pid: 'p_a' })
  ev('continue_voted', ada, { vote: 'up' })
  ev('continue_voted', proto, { vote: 'down' })
  ev('timer_extended', fran, { seconds: 60 })
  ev('continue_voted', fran, { vote: 'sideways' })
  ev('discussion_finished', fran, { card_id: 'k2', outcome: 'parked' })
  ev('discussion_started', fran, { card_id: 'k1' })
  ev('timer_started', fran, { seconds: 120 })
  ev('note_added', fran, { card_id: 'k1', note_id: 'n3', text: 'z', kind: 'action' })
  ev('note_deleted', fran, { card_id: 'k2', note_id: 'n1' })
  ev('discussion_finished', fran, { card_id: 'k1' })
  ev('phase_changed', fran, { phase: 'done' })
  return events
}

// A state with every part filled: participants, cards with votes and notes, a discussion with a timer and
// continue votes, an anonymous card, an action item with owner and due, a handed-over facilitator (what
// from_json_test.cpp's RichState holds).
function richState(): MeetingState {
  const s = fold(log(), 25)
  expect(s.facilitator).toBe('p_a')
  expect(s.cards[2].seal).toBe('5eal')
  expect(s.cards[1].notes[0]).toMatchObject({ owner: 'p_f', due: '2024-02-29' })
  expect(s.discussion?.timer).not.toBeNull()
  expect(Object.keys(s.discussion!.continue_votes)).toHaveLength(2)
  expect(s.cards.some((c) => c.notes.length > 0 && Object.keys(c.votes).length > 1)).toBe(true)
  return s
}

const viaText = (s: unknown): unknown => JSON.parse(JSON.stringify(s))

// Every object and array reachable from `v`, to check that nothing is shared.
function nodes(v: unknown, out: object[] = []): object[] {
  if (typeof v === 'object' && v !== null) {
    out.push(v)
    for (const k of Object.keys(v)) nodes((v as Record<string, unknown>)[k], out)
  }
  return out
}

// A copy of `json` with the value at `path` (keys and indices) replaced, or deleted when `value` is absent.
function edited(json: unknown, path: (string | number)[], ...value: unknown[]): unknown {
  const copy = viaText(json) as Record<string | number, unknown>
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy)
  const last = path[path.length - 1]
  if (value.length === 0) delete parent[last]
  else parent[last] = value[0]
  return copy
}

describe('restoreState', () => {
  it('restores every state of a meeting, through its text, equal to the original', () => {
    const events = log()
    let s = initialState()
    expect(restoreState(viaText(s))).toEqual(s)
    for (const e of events) {
      s = apply(s, e)
      const back = restoreState(viaText(s))
      expect(back).not.toBeNull()
      expect(jsonEqual(back, s)).toBe(true)
    }
    expect(s.phase).toBe('done')
  })

  it('keeps a pid "__proto__" as an own key', () => {
    const back = restoreState(viaText(richState()))!
    expect(Object.prototype.hasOwnProperty.call(back.participants, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(back.participants)).toBe(Object.prototype)
    expect(back.participants['__proto__'].name).toBe('Proto')
    expect(Object.prototype.hasOwnProperty.call(back.discussion!.continue_votes, '__proto__')).toBe(true)
  })

  it('returns a fresh structure that shares nothing with its input', () => {
    const s = richState()
    const before = viaText(s)
    const back = restoreState(s)!
    const inputs = new Set(nodes(s))
    expect(nodes(back).filter((n) => inputs.has(n))).toEqual([])
    back.cards[0].votes.p_a = 99
    back.cards[1].notes.push({ note_id: 'n9', text: 'z', kind: 'action', author: 'p_a' })
    back.discussion!.continue_votes.p_a = 'down'
    back.participants.p_f.name = 'Changed'
    expect(jsonEqual(s, before)).toBe(true)
  })

  it('folds any event on a restored state exactly as on the original', () => {
    const events = log()
    const extras: MeetingEvent[] = [
      { seq: 99, id: 'x1', type: 'card_voted', actor: proto, ts: 99000, data: { card_id: 'k1' } },
      { seq: 99, id: 'x2', type: 'vote_withdrawn', actor: ada, ts: 99000, data: { card_id: 'k1' } },
      { seq: 99, id: 'x3', type: 'card_deleted', actor: fran, ts: 99000, data: { card_id: 'k2' } },
      { seq: 99, id: 'x4', type: 'timer_extended', actor: fran, ts: 99000, data: { seconds: 30 } },
      { id: 'x5', type: 'typing', actor: ada, ts: 99000, data: {} },
    ]
    let s = initialState()
    for (const e of events) {
      s = apply(s, e)
      const back = restoreState(viaText(s))!
      for (const next of [...events, ...extras]) expect(jsonEqual(apply(back, next), apply(s, next))).toBe(true)
    }
  })

  it('folds a tail on a restored snapshot to the full fold, at every cut', () => {
    const events = log()
    const full = fold(events)
    for (let k = 0; k <= events.length; k += 1) {
      let s = restoreState(viaText(fold(events.slice(0, k))))!
      for (const e of events.slice(k)) s = apply(s, e)
      expect(jsonEqual(s, full)).toBe(true)
    }
  })
})

describe('restoreState refuses', () => {
  const base = viaText(richState()) as Record<string, unknown>
  const refuses = (json: unknown, what: string) => {
    let got: MeetingState | null = initialState()
    expect(() => (got = restoreState(json)), what).not.toThrow()
    expect(got, what).toBeNull()
  }

  it('what is not a state', () => {
    for (const json of [null, undefined, 1, 'state', [], {}, new Uint8Array([1, 2, 3])]) refuses(json, String(json))
  })

  it('missing or extra keys in every record', () => {
    const records: (string | number)[][] = [[], ['settings'], ['participants', 'p_a'], ['cards', 0], ['cards', 2], ['cards', 1, 'notes', 0], ['cards', 0, 'merged', 0], ['discussion'], ['discussion', 'timer']]
    for (const path of records) {
      const record = path.reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, base)
      const keys = Object.keys(record)
      expect(keys.length, path.join('/')).toBeGreaterThan(0)
      // owner, due and merged are optional (absent means not set / none); every other key is required.
      for (const key of keys.filter((k) => k !== 'owner' && k !== 'due' && k !== 'merged')) refuses(edited(base, [...path, key]), `without ${path.join('/')}/${key}`)
      refuses(edited(base, [...path, 'extra'], 1), `with ${path.join('/')}/extra`)
    }
  })

  it('wrong types and impossible values', () => {
    const replacements: [(string | number)[], unknown][] = [
      [['title'], 5],
      [['phase'], 'closed'],
      [['phase'], null],
      [['created_ts'], '1000'],
      [['created_ts'], 1.5],
      [['last_seq'], true],
      [['last_seq'], 1e300],
      [['last_ts'], 2 ** 64],
      [['settings'], null],
      [['settings', 'anonymous_votes'], 0],
      [['settings', 'votes_per_person'], '3'],
      [['participants'], []],
      [['participants', 'p_a'], 'Ada'],
      [['participants', 'p_a', 'name'], 1],
      [['cards'], {}],
      [['cards', 0], null],
      [['cards', 0, 'card_id'], 1],
      [['cards', 0, 'status'], 'archived'],
      [['cards', 0, 'votes'], []],
      [['cards', 0, 'votes', 'p_a'], 0],
      [['cards', 0, 'votes', 'p_a'], -1],
      [['cards', 0, 'votes', 'p_a'], '2'],
      [['cards', 0, 'votes', 'p_a'], 1.5],
      [['cards', 0, 'discussed_ms'], null],
      [['cards', 0, 'notes'], {}],
      [['cards', 0, 'notes', 0, 'kind'], 3],
      [['cards', 0, 'merged'], []],
      [['cards', 0, 'merged'], null],
      [['cards', 0, 'merged'], {}],
      [['cards', 0, 'merged', 0], 'k3'],
      [['cards', 0, 'merged', 0, 'author'], null],
      [['cards', 0, 'card_id'], 'k2'], // two cards k2
      [['cards', 0, 'notes', 0, 'note_id'], 'n1'], // note n1 on both cards
      [['cards', 0, 'status'], 'discussing'], // two cards discussing
      [['cards', 1, 'status'], 'todo'], // a discussion with no card discussing
      [['discussion'], 'none'],
      [['discussion'], null], // k2 discussing without a discussion
      [['discussion', 'card_id'], 'k1'], // not the card discussing
      [['discussion', 'card_id'], 'k9'], // no such card
      [['discussion', 'started_ts'], '0'],
      [['discussion', 'timer'], {}],
      [['discussion', 'timer'], 60],
      [['discussion', 'timer', 'seconds'], '60'],
      [['discussion', 'continue_votes'], []],
      [['discussion', 'continue_votes', 'p_a'], 'maybe'],
      [['discussion', 'continue_votes', 'p_a'], null],
      [['facilitator'], 5],
      [['facilitator'], false],
      [['facilitator'], {}],
      [['settings', 'anonymous_cards'], 'yes'],
      [['settings', 'hide_totals'], null],
      [['cards', 2, 'anonymous'], false], // canonical is the key absent
      [['cards', 2, 'anonymous'], 'true'],
      [['cards', 2, 'anonymous'], null],
      [['cards', 2, 'seal'], 5],
      [['cards', 2, 'seal'], null],
      [['cards', 0, 'anonymous'], true], // anonymous without a seal
      [['cards', 0, 'seal'], '5eal'], // a seal without anonymous
      [['cards', 1, 'notes', 0, 'due'], '2023-02-29'],
      [['cards', 1, 'notes', 0, 'due'], '2024-13-01'],
      [['cards', 1, 'notes', 0, 'due'], '2024-1-01'],
      [['cards', 1, 'notes', 0, 'due'], '2024-01-01T00:00'],
      [['cards', 1, 'notes', 0, 'due'], null],
      [['cards', 1, 'notes', 0, 'owner'], 5],
      [['cards', 1, 'notes', 0, 'owner'], null],
      [['cards', 0, 'notes', 0, 'owner'], 'p_a'], // on a takeaway
      [['cards', 0, 'notes', 0, 'due'], '2024-01-01'], // on a takeaway
    ]
    // The base must hold what the paths name, or a replacement would prove nothing.
    const cards = base.cards as MeetingState['cards']
    expect(cards[0].notes[0].note_id).toBe('n2')
    expect(cards[1].notes[0].note_id).toBe('n1')
    expect(cards[1].status).toBe('discussing')
    expect(cards[0].votes.p_a).toBe(3)
    for (const [path, value] of replacements) refuses(edited(base, path, value), `${path.join('/')} = ${JSON.stringify(value)}`)
  })

  it('nothing about membership: a facilitator or owner that is not a participant restores', () => {
    const j = edited(edited(base, ['facilitator'], 'p_zz'), ['cards', 1, 'notes', 0, 'owner'], 'p_zz')
    expect(jsonEqual(restoreState(j), j)).toBe(true)
  })

  it('vote sums beyond the int64 index of the C++ side', () => {
    const j = edited(edited(base, ['cards', 0, 'votes', 'p_a'], 2 ** 62), ['cards', 1, 'votes', 'p_a'], 2 ** 62)
    refuses(j, 'p_a with 2^63 votes')
    expect(restoreState(edited(base, ['cards', 0, 'votes', 'p_a'], 2 ** 62))).not.toBeNull()
  })
})

// `json` still holds `path` (an earlier hit may have replaced one of its parents).
function holds(json: unknown, path: (string | number)[]): boolean {
  let v = json
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, k)) return false
    v = (v as Record<string | number, unknown>)[k]
  }
  return true
}

describe('restoreState under random damage', () => {
  it('never throws, and what it still accepts equals its input', () => {
    const base = viaText(richState())
    const paths: (string | number)[][] = []
    const walk = (v: unknown, at: (string | number)[]) => {
      if (at.length > 0) paths.push(at)
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]))
      else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...at, k])
    }
    walk(base, [])
    const values: unknown[] = [null, true, 0, 1, -1, 2.5, 'k1', 'discussing', 'up', [], {}, 2 ** 64]
    let seed = 3
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    let accepted = 0
    let refused = 0
    for (let i = 0; i < 2000; i += 1) {
      let j = base
      for (let hits = 1 + random(3); hits > 0; hits -= 1) {
        const path = paths[random(paths.length)]
        if (holds(j, path)) j = edited(j, path, values[random(values.length)])
      }
      let back: MeetingState | null = null
      expect(() => (back = restoreState(j))).not.toThrow()
      if (back === null) refused += 1
      else {
        accepted += 1
        expect(jsonEqual(back, j), JSON.stringify(j)).toBe(true)
      }
    }
    expect(accepted).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0)
  })
})
