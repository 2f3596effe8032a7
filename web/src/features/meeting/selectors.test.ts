import { describe, expect, it } from 'vitest'
import { fold } from '../../domain'
import { rootReducer } from '../../app/rootReducer'
import { ev, sampleLog } from '../../test/fakes'
import { joined, meetingOpened, eventAppended } from './meetingSlice'
import { cursorMoved, archiveLoaded, travelEntered } from '../timeline/timelineSlice'
import {
  allowed,
  boardColumns,
  createIncrementalFold,
  mergeBySeq,
  nextTopicCard,
  selectBoard,
  selectLiveState,
  selectTravelLog,
  selectViewState,
  selectVotesLeft,
} from './selectors'

function joinedStore(events = sampleLog()) {
  let s = rootReducer(undefined, meetingOpened({ meetingId: 'm1' }))
  s = rootReducer(s, joined({ reply: { pid: 'p2', role: 'participant', head_seq: events.at(-1)!.seq!, resumed: false, events }, name: 'Bob' }))
  return s
}

describe('incremental fold', () => {
  it('equals a fold from scratch at every step, and reuses work when the log grows', () => {
    const f = createIncrementalFold()
    const log = sampleLog()
    for (let n = 1; n <= log.length; n++) {
      expect(f(log.slice(0, n))).toEqual(fold(log.slice(0, n)))
    }
    const a = log.slice(0, 5)
    const first = f(a)
    expect(f(a)).toBe(first) // same array: memoised
  })

  it('starts over when the log is replaced rather than extended', () => {
    const f = createIncrementalFold()
    f(sampleLog())
    const other = [ev(1, 'meeting_created', { title: 'Other', votes_per_person: 2, timebox_s: 60 }, 'server', 'server')]
    expect(f(other).title).toBe('Other')
  })

  it('ignores reactions in the log', () => {
    const log = [...sampleLog(), ev(8, 'reaction', { emoji: '\u{1F44D}' }, 'p1')]
    expect(createIncrementalFold()(log).cards).toEqual(fold(sampleLog()).cards)
  })
})

describe('board selectors', () => {
  it('derives the live board from the log', () => {
    const s = joinedStore()
    expect(selectLiveState(s).title).toBe('Retro')
    expect(selectBoard(s).todo.map((c) => c.title)).toEqual(['Tests', 'Builds']) // vote phase: by votes
    expect(selectVotesLeft(s)).toBe(2) // Bob used one of three
  })

  it('keeps creation order while collecting', () => {
    const state = fold(sampleLog(), 5)
    expect(state.phase).toBe('collect')
    expect(boardColumns(state).todo.map((c) => c.title)).toEqual(['Builds', 'Tests'])
  })

  it('picks the top-voted todo card as the next topic', () => {
    expect(nextTopicCard(fold(sampleLog()))?.card_id).toBe('k2')
  })

  it('allows what the domain allows, and nothing while travelling', () => {
    const state = fold(sampleLog())
    const bob = { pid: 'p2', name: 'Bob', role: 'participant' as const }
    expect(allowed(state, bob, false, 'card_voted', { card_id: 'k1' })).toBe(true)
    expect(allowed(state, bob, true, 'card_voted', { card_id: 'k1' })).toBe(false)
    expect(allowed(state, bob, false, 'phase_changed', { phase: 'discuss' })).toBe(false) // not facilitator
    expect(allowed(state, bob, false, 'card_edited', { card_id: 'k1', title: 'x' })).toBe(false) // Ada's card
  })
})

describe('time travel view', () => {
  it('folds up to the cursor and returns to live', () => {
    let s = joinedStore()
    s = rootReducer(s, travelEntered({ cursorSeq: 4 }))
    expect(selectViewState(s).cards.map((c) => c.title)).toEqual(['Builds'])
    s = rootReducer(s, cursorMoved({ cursorSeq: 1 }))
    expect(selectViewState(s).cards).toEqual([])
    // Live events keep arriving while travelling.
    s = rootReducer(s, eventAppended(ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob')))
    expect(selectViewState(s).cards).toEqual([])
    expect(selectLiveState(s).cards[0].votes).toEqual({ p2: 1 })
  })

  it('merges the fetched archive (with reactions) and live events by seq', () => {
    let s = joinedStore(sampleLog().slice(0, 6))
    s = rootReducer(s, eventAppended(ev(7, 'reaction', { emoji: '\u{1F525}' }, 'p2', 'Bob')))
    const archive = [...sampleLog().slice(0, 4), ev(5, 'card_added', { card_id: 'k2', title: 'Tests' }, 'p2', 'Bob')]
    s = rootReducer(s, archiveLoaded(archive))
    expect(selectTravelLog(s).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(mergeBySeq([], sampleLog())).toHaveLength(7)
  })
})
