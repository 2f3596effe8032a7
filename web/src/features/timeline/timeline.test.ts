import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../app/store'
import { ev, fakeDeps, flush, memoryIdentity, sampleLog } from '../../test/fakes'
import { joined, meetingOpened } from '../meeting/meetingSlice'
import { selectTravelLog } from '../meeting/selectors'
import { MAX_GAP_MS, MIN_GAP_MS, playbackDelay } from './timelineSaga'
import { backToLive, travelEntered } from './timelineSlice'

describe('playbackDelay', () => {
  const a = ev(1, 'card_added', {})
  const later = (ms: number) => ({ ...a, seq: 2, ts: a.ts + ms })
  it('follows real gaps, divided by the speed', () => {
    expect(playbackDelay(a, later(800), 1)).toBe(800)
    expect(playbackDelay(a, later(800), 4)).toBe(200)
  })
  it('caps long pauses and floors bursts', () => {
    expect(playbackDelay(a, later(3_600_000), 1)).toBe(MAX_GAP_MS)
    expect(playbackDelay(a, later(0), 1)).toBe(MIN_GAP_MS)
  })
})

describe('entering time travel', () => {
  it('fetches the whole log once and merges it with the live one', async () => {
    const archive = [...sampleLog().slice(0, 4), ev(5, 'reaction', { emoji: '\u{1F44D}' }), ...sampleLog().slice(4).map((e) => ({ ...e, seq: e.seq! + 1 }))]
    let fetches = 0
    const { deps } = fakeDeps({
      identity: memoryIdentity({ m1: { name: 'Bob' } }),
      fetchWholeLog: async () => {
        fetches++
        return archive
      },
    })
    const store = createAppStore(deps, { navigation: false })
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    const live = archive.filter((e) => e.type !== 'reaction')
    store.dispatch(joined({ reply: { pid: 'p2', role: 'participant', head_seq: 8, resumed: false, events: live }, name: 'Bob' }))
    expect(selectTravelLog(store.getState())).toHaveLength(7)
    store.dispatch(travelEntered({ cursorSeq: 8 }))
    expect(store.getState().timeline.loading).toBe(true)
    await flush()
    expect(store.getState().timeline.loading).toBe(false)
    expect(selectTravelLog(store.getState()).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    store.dispatch(backToLive())
    store.dispatch(travelEntered({ cursorSeq: 3 }))
    await flush()
    expect(fetches).toBe(1)
  })
})
