// The mood-over-time chart's numbers, from the analytics' `mood` (server: per-minute reaction counts and
// sentiment; discussion spans). Pure: the component draws what this returns.
import type { Mood } from './types'

export interface MoodSeries {
  /** "0:00", "1:00", … one per minute from the meeting's start to its last reaction or topic */
  labels: string[]
  /** average sentiment (−1…+1) per minute; null where nobody reacted (a gap in the line) */
  mean: (number | null)[]
  /** reactions per minute (0 where none) */
  counts: number[]
  /** topic bands on the minute axis (fractional minutes since the start) */
  bands: { title: string; from: number; to: number; running: boolean }[]
}

// A meeting left open for days would draw thousands of empty minutes: past this, the chart stops.
export const MAX_MINUTES = 24 * 60

export function hasMoodData(mood: Mood | undefined): mood is Mood {
  return !!mood && mood.minutes.some((m) => m.scored > 0)
}

export function minuteLabel(minute: number): string {
  const h = Math.floor(minute / 60)
  const m = minute % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:00` : `${m}:00`
}

// The topics under discussion during minute `minute` (the bucket [minute, minute + 1)).
export function topicsDuring(series: MoodSeries, minute: number): string[] {
  return series.bands.filter((b) => b.from < minute + 1 && (b.to > minute || b.from === b.to)).map((b) => b.title)
}

// "1:00", "6:40": a position on the minute axis as a time since the start.
export function offsetLabel(minutes: number): string {
  const s = Math.round(minutes * 60)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

export function moodSeries(mood: Mood): MoodSeries {
  const at = (ts: number) => Math.max(0, (ts - mood.start_ts) / mood.minute_ms)
  const minuteOf = (ts: number) => Math.floor(at(ts))
  // At least two minutes on the axis: a one-minute meeting still gets a line to place its topics on.
  const last = Math.min(
    MAX_MINUTES,
    Math.max(1, ...mood.minutes.map((m) => m.minute), ...mood.topics.map((t) => minuteOf(t.end_ts))),
  )
  const labels = Array.from({ length: last + 1 }, (_, i) => minuteLabel(i))
  const mean: (number | null)[] = labels.map(() => null)
  const counts = labels.map(() => 0)
  for (const m of mood.minutes) {
    if (m.minute > last) continue
    mean[m.minute] = m.mean
    counts[m.minute] = m.reactions
  }
  const bands = mood.topics
    .filter((t) => minuteOf(t.start_ts) <= last)
    .map((t) => ({ title: t.title, from: at(t.start_ts), to: at(t.end_ts), running: t.running }))
  return { labels, mean, counts, bands }
}
