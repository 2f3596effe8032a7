import { describe, expect, it } from 'vitest'
import { apply, fold, type MeetingEvent, type MeetingState } from '../../domain'
import { rootReducer } from '../../app/rootReducer'
import { ev, joinedWith, sampleLog } from '../../test/fakes'
import { joined, meetingOpened, eventsAppended } from './meetingSlice'
import { cursorMoved, travelEntered, travelShown } from '../timeline/timelineSlice'
import {
  allowed,
  boardColumns,
  createIncrementalFold,
  nextTopicCard,
  selectBoard,
  selectLiveState,
  selectViewState,
  selectVotesLeft,
} from './selectors'

function joinedStore(events = sampleLog()) {
  let s = rootReducer(undefined, meetingOpened({ meetingId: 'm1' }))
  s = rootReducer(s, joined(joinedWith(events)))
  return s
}

function counting() {
  const calls = { n: 0 }
  const step = (state: MeetingState, event: MeetingEvent) => {
    calls.n++
    return apply(state, event)
  }
  return { calls, step }
}

describe('incremental fold of the tail onto the base', () => {
  it('equals a fold from scratch at every step, and applies only what is new', () => {
    const { calls, step } = counting()
    const f = createIncrementalFold(step)
    const log = sampleLog()
    const base = fold(log.slice(0, 3))
    for (let n = 3; n <= log.length; n++) {
      expect(f(base, log.slice(3, n))).toEqual(fold(log.slice(0, n)))
    }
    expect(calls.n).toBe(4) // seqs 4..7, each once, although the tail was folded five times
    const a = log.slice(3, 5)
    const first = f(base, a)
    expect(f(base, a)).toBe(first) // same arrays: memoised
  })

  it('starts over from a new base (a fresh join)', () => {
    const f = createIncrementalFold()
    f(fold(sampleLog()), [])
    const other = fold([ev(1, 'meeting_created', { title: 'Other', votes_per_person: 2, timebox_s: 60 }, 'server', 'server')])
    expect(f(other, []).title).toBe('Other')
    expect(f(null, []).title).toBe('') // not joined yet: the empty meeting
  })

  it('ignores reactions in the tail', () => {
    const tail = [...sampleLog().slice(4), ev(8, 'reaction', { emoji: '\u{1F44D}' }, 'p1')]
    expect(createIncrementalFold()(fold(sampleLog().slice(0, 4)), tail).cards).toEqual(fold(sampleLog()).cards)
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
  it('shows the timeline\'s state while travelling (live until the first jump is loaded), then live again', () => {
    let s = joinedStore()
    s = rootReducer(s, travelEntered({ cursorSeq: 4 }))
    expect(selectViewState(s)).toBe(selectLiveState(s)) // nothing loaded yet
    s = rootReducer(s, travelShown({ seq: 4, state: fold(sampleLog(), 4), event: sampleLog()[3] }))
    expect(selectViewState(s).cards.map((c) => c.title)).toEqual(['Builds'])
    s = rootReducer(s, cursorMoved({ cursorSeq: 1 }))
    s = rootReducer(s, travelShown({ seq: 1, state: fold(sampleLog(), 1), event: sampleLog()[0] }))
    expect(selectViewState(s).cards).toEqual([])
    // Live events keep arriving while travelling.
    s = rootReducer(s, eventsAppended([ev(8, 'card_voted', { card_id: 'k1' }, 'p2', 'Bob')]))
    expect(selectViewState(s).cards).toEqual([])
    expect(selectLiveState(s).cards[0].votes).toEqual({ p2: 1 })
  })
})
