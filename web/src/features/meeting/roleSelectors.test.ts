// The effective facilitator, own anonymous cards and who may edit a card (selectors other features use).
import { describe, expect, it } from 'vitest'
import { fold, type MeetingState } from '../../domain'
import { rootReducer, type RootState } from '../../app/rootReducer'
import { joinedWith, sampleLog } from '../../test/fakes'
import { joined, meetingOpened, ownCardAdded } from './meetingSlice'
import { selectActor, selectCanEditCard, selectCanReclaimFacilitator, selectIsFacilitator, selectOwnCardIds } from './selectors'

const ada = { pid: 'p1', name: 'Ada', role: 'facilitator' as const }
const bob = { pid: 'p2', name: 'Bob', role: 'participant' as const }

function store(me: typeof ada | typeof bob, patch: Partial<MeetingState> = {}, ownCards?: string[]): RootState {
  const payload = joinedWith(sampleLog(), me)
  if (payload.resumed) throw new Error('fresh join expected')
  const state = { ...fold(sampleLog()), facilitator: null, ...patch }
  let s = rootReducer(undefined, meetingOpened({ meetingId: 'm1' }))
  return rootReducer(s, joined({ ...payload, state, ...(ownCards ? { ownCards } : {}) }))
}

describe('effective facilitator', () => {
  it('is the token holder while nobody was handed the role', () => {
    expect(selectIsFacilitator(store(ada))).toBe(true)
    expect(selectIsFacilitator(store(bob))).toBe(false)
    expect(selectCanReclaimFacilitator(store(ada))).toBe(false)
  })

  it('is only the handed-to pid once the role was handed over; the token holder may take it back', () => {
    expect(selectIsFacilitator(store(bob, { facilitator: 'p2' }))).toBe(true)
    expect(selectIsFacilitator(store(ada, { facilitator: 'p2' }))).toBe(false)
    expect(selectCanReclaimFacilitator(store(ada, { facilitator: 'p2' }))).toBe(true)
    expect(selectCanReclaimFacilitator(store(bob, { facilitator: 'p2' }))).toBe(false)
  })
})

describe('own anonymous cards', () => {
  const anon = (s: MeetingState): MeetingState => ({
    ...s,
    cards: s.cards.map((c) => (c.card_id === 'k1' ? { ...c, author: 'anonymous', anonymous: true, seal: 'abc' } : c)),
  })

  it('come from the join reply and from our own pushes, and let us edit the card', () => {
    let s = store(bob, anon(fold(sampleLog())), ['k1'])
    expect([...selectOwnCardIds(s)]).toEqual(['k1'])
    const k1 = s.meeting.base!.cards.find((c) => c.card_id === 'k1')!
    expect(selectCanEditCard(s, k1)).toBe(true)
    expect(selectActor(s)?.seals).toEqual({ k1: 'abc' })
    s = rootReducer(s, ownCardAdded({ card_id: 'k9' }))
    s = rootReducer(s, ownCardAdded({ card_id: 'k9' }))
    expect(s.meeting.ownCards).toEqual(['k1', 'k9'])
  })

  it('someone else cannot edit an anonymous card; the facilitator can', () => {
    const k1 = anon(fold(sampleLog())).cards[0]
    expect(selectCanEditCard(store(bob, anon(fold(sampleLog()))), k1)).toBe(false)
    expect(selectCanEditCard(store(ada, anon(fold(sampleLog()))), k1)).toBe(true)
    expect(selectActor(store(bob))?.seals).toBeUndefined()
  })

  it('the actor object is stable across unrelated state', () => {
    const s = store(bob, anon(fold(sampleLog())), ['k1'])
    expect(selectActor(s)).toBe(selectActor(s))
  })
})
