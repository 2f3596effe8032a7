// Playback must fold forward from the state on screen, one event per step — never re-fold from event 0.
// Counted at the source: the domain's apply, wrapped for this file.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MeetingEvent, MeetingState } from '../../domain'

const counter = vi.hoisted(() => ({ applies: 0 }))
vi.mock('../../domain', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../domain')>()
  return {
    ...actual,
    apply: (state: MeetingState, event: MeetingEvent) => {
      counter.applies++
      return actual.apply(state, event)
    },
  }
})

import { createAppStore } from '../../app/store'
import { CATALOGUE } from '../../domain'
import { fakeDeps, historyServer, longLog, memoryIdentity, stateJson, stateReply } from '../../test/fakes'
import { meetingOpened } from '../meeting/meetingSlice'
import { selectViewState } from '../meeting/selectors'
import { cursorMoved, playToggled, speedSet, travelEntered } from './timelineSlice'

afterEach(() => void vi.useRealTimers())

describe('playback work', () => {
  it('applies each played event exactly once, whatever the length of the meeting before the cursor', async () => {
    vi.useFakeTimers()
    const log = longLog(8000)
    const server = historyServer(log)
    const { deps, connections } = fakeDeps({
      identity: memoryIdentity({ m1: { name: 'Bob' } }),
      fetchEventsPage: server.fetchEventsPage,
      fetchStateAt: server.fetchStateAt,
    })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    connections[0].emit({ kind: 'joined', reply: stateReply(log) })
    store.dispatch(travelEntered({ cursorSeq: 6000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState().timeline.shownSeq).toBe(6000)

    counter.applies = 0
    store.dispatch(speedSet(16))
    store.dispatch(playToggled())
    await vi.advanceTimersByTimeAsync(400 * 63) // 400 steps of 62.5 ms
    store.dispatch(playToggled())
    const reached = store.getState().timeline.shownSeq
    expect(reached).toBeGreaterThanOrEqual(6390)
    const stateEvents = log.filter((e) => e.seq! > 6000 && e.seq! <= reached && CATALOGUE[e.type].replay === 'state').length
    expect(counter.applies).toBe(stateEvents)
    expect(selectViewState(store.getState())).toEqual(stateJson(log, reached))

    // One step forward is one apply, too.
    counter.applies = 0
    store.dispatch(cursorMoved({ cursorSeq: reached + 1 }))
    expect(store.getState().timeline.shownSeq).toBe(reached + 1)
    expect(counter.applies).toBeLessThanOrEqual(1)
    expect(server.states).toEqual([6000])
  })
})
