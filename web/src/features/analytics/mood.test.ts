import { describe, expect, it } from 'vitest'
import { moodFixture } from './fixtures'
import { MAX_MINUTES, hasMoodData, moodSeries, offsetLabel, topicsDuring } from './mood'

describe('moodSeries', () => {
  it('spreads the sparse minutes over the whole meeting, gaps as null', () => {
    const s = moodSeries(moodFixture())
    expect(s.labels).toEqual(['0:00', '1:00', '2:00', '3:00', '4:00', '5:00', '6:00', '7:00', '8:00', '9:00'])
    expect(s.mean).toEqual([1, 2 / 3, null, null, null, null, -1, -1, 1, 1])
    expect(s.counts).toEqual([1, 3, 0, 0, 0, 0, 1, 1, 1, 1])
    expect(s.bands.map((b) => [b.title, offsetLabel(b.from), offsetLabel(b.to), b.running])).toEqual([
      ['Why are builds slow?', '1:00', '6:00', false],
      ['Flaky tests', '6:40', '8:11', false],
      ['Why are builds slow?', '8:20', '9:05', true],
    ])
    expect(topicsDuring(s, 6)).toEqual(['Flaky tests'])
    expect(topicsDuring(s, 3)).toEqual(['Why are builds slow?'])
    expect(topicsDuring(s, 0)).toEqual([])
  })

  it('keeps two minutes on the axis and every topic of a one-minute meeting', () => {
    const mood = moodFixture()
    const t0 = mood.start_ts
    const s = moodSeries({
      ...mood,
      minutes: [mood.minutes[0]],
      topics: [{ card_id: 'k1', title: 'Quick', start_ts: t0 + 6000, end_ts: t0 + 12000, running: false }],
    })
    expect(s.labels).toEqual(['0:00', '1:00'])
    expect(s.bands.map((b) => [b.title, offsetLabel(b.from), offsetLabel(b.to)])).toEqual([['Quick', '0:06', '0:12']])
  })

  it('has no data without scored reactions', () => {
    const mood = moodFixture()
    expect(hasMoodData(mood)).toBe(true)
    expect(hasMoodData(undefined)).toBe(false)
    expect(hasMoodData({ ...mood, minutes: [] })).toBe(false)
    expect(hasMoodData({ ...mood, minutes: [{ ...mood.minutes[0], scored: 0, sum: 0, mean: null }] })).toBe(false)
  })

  it('stops a meeting left open for days at a day of minutes', () => {
    const mood = moodFixture()
    const late = { ...mood.minutes[0], minute: 5 * MAX_MINUTES, ts: mood.start_ts + 5 * MAX_MINUTES * 60000 }
    const s = moodSeries({ ...mood, minutes: [...mood.minutes, late] })
    expect(s.labels).toHaveLength(MAX_MINUTES + 1)
    expect(s.labels.at(-1)).toBe('24:00:00')
  })
})
