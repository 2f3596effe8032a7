import { describe, expect, it } from 'vitest'
import { fold, type Card, type MeetingState } from '../../domain'
import { ev, sampleLog } from '../../test/fakes'
import { absorbedInto } from './merged'
import { holdOrder, sameOrder, todoOrder } from './order'
import { authorLabel, canEditCardIn, canMergeIn, mergeTargets } from './permissions'
import { stillVoting } from './VoteStatus'

const card = (card_id: string, votes = 0, extra: Partial<Card> = {}): Card => ({
  card_id,
  title: card_id.toUpperCase(),
  author: 'p1',
  status: 'todo',
  votes: votes ? { p9: votes } : {},
  discussed_ms: 0,
  notes: [],
  ...extra,
})
const ids = (cards: Card[]) => cards.map((c) => c.card_id)

describe('holding the order while voting', () => {
  it('keeps the held order, appends new cards and drops gone ones', () => {
    const ranked = [card('c', 5), card('a', 3), card('d', 1)] // b was deleted, d is new, c overtook a
    expect(ids(holdOrder(['a', 'b', 'c'], ranked))).toEqual(['a', 'c', 'd'])
    expect(sameOrder(holdOrder(['c', 'a', 'd'], ranked), ranked)).toBe(true)
    expect(sameOrder(holdOrder(['a', 'c'], ranked), ranked)).toBe(false)
  })

  it('does not rank by votes while totals are hidden (that would give them away)', () => {
    const cards = [card('a', 1), card('b', 4), card('x', 9, { status: 'done' })]
    const ranked = [cards[1], cards[0]]
    expect(ids(todoOrder(cards, ranked, true))).toEqual(['a', 'b'])
    expect(ids(todoOrder(cards, ranked, false))).toEqual(['b', 'a'])
  })
})

function meeting(extra: Partial<MeetingState> = {}): MeetingState {
  const log = [...sampleLog().slice(0, 5), ev(6, 'card_added', { card_id: 'k3', title: 'Lunch' }, 'p2', 'Bob')]
  return { ...fold(log), ...extra }
}
const ada = { pid: 'p1', role: 'facilitator' as const }
const bob = { pid: 'p2', role: 'participant' as const }

describe('who may merge', () => {
  it('the facilitator any two cards in collect and vote, not later', () => {
    const m = meeting()
    const [k1, k2] = m.cards
    expect(canMergeIn(m, ada, [], k1, k2)).toBe(true)
    expect(canMergeIn(m, ada, [], k1, k1)).toBe(false)
    expect(canMergeIn({ ...m, phase: 'vote' }, ada, [], k1, k2)).toBe(true)
    expect(canMergeIn({ ...m, phase: 'discuss' }, ada, [], k1, k2)).toBe(false)
  })

  it('a participant only cards they wrote, both of them', () => {
    const m = meeting()
    const [k1, k2, k3] = m.cards
    expect(canMergeIn(m, bob, [], k2, k3)).toBe(true)
    expect(canMergeIn(m, bob, [], k1, k2)).toBe(false)
    expect(ids(mergeTargets(m, bob, [], k2, m.cards))).toEqual(['k3'])
  })

  it('the role handed over moves the right with it', () => {
    const m = meeting({ facilitator: 'p2' })
    const [k1, k2] = m.cards
    expect(canMergeIn(m, bob, [], k1, k2)).toBe(true)
    expect(canMergeIn(m, ada, [], k2, card('k3', 0, { author: 'p2' }))).toBe(false)
  })

  it('anonymous cards: the writer (own cards) may edit and merge, and the author reads "Anonymous"', () => {
    const m = meeting()
    const anon = card('k9', 0, { author: 'anonymous', anonymous: true, seal: 'ab' })
    const bobs = m.cards[1]
    const state = { ...m, cards: [...m.cards, anon] }
    expect(canEditCardIn(state, bob, ['k9'], anon)).toBe(true)
    expect(canEditCardIn(state, bob, [], anon)).toBe(false)
    expect(canMergeIn(state, bob, ['k9'], anon, bobs)).toBe(true)
    expect(authorLabel(state, anon)).toBe('Anonymous')
    expect(authorLabel(state, bobs)).toBe('Bob')
  })
})

describe('merged titles', () => {
  it('come only from the card itself (its merged list), skipping malformed entries', () => {
    expect(absorbedInto(card('a'))).toEqual([])
    const withList = { ...card('a'), merged: [{ card_id: 'b', title: 'B', author: 'p2' }, { nope: 1 }] } as Card
    expect(absorbedInto(withList)).toEqual([{ card_id: 'b', title: 'B', author: 'p2' }])
  })
})

describe('who still has votes', () => {
  it('lists participants with used < budget, connected ones first', () => {
    const m = meeting()
    const s: MeetingState = { ...m, settings: { ...m.settings, votes_per_person: 2 }, cards: [card('a', 0, { votes: { p1: 2, p2: 1 } })] }
    expect(stillVoting(s, new Set())).toEqual([{ pid: 'p2', name: 'Bob', left: 1, here: false }])
    const none = { ...s, cards: [card('a', 0, { votes: { p1: 2, p2: 2 } })] }
    expect(stillVoting(none, new Set())).toEqual([])
    const fresh = { ...s, cards: [] }
    expect(stillVoting(fresh, new Set(['p2'])).map((p) => p.pid)).toEqual(['p2', 'p1'])
  })
})
