// The timeline's view of the meeting's past, for one meeting: the pages of stored events fetched so far
// (around the cursor, bounded) and folded states ("snapshots") at some seqs — seq 0 (the empty meeting),
// every state the server sent for a jump, the live base, and one every SNAPSHOT_EVERY seqs while events
// are folded. The state at seq K is then either folded locally from the nearest snapshot ≤ K when the
// events in between are held (at most LOCAL_FOLD_LIMIT of them), or asked of the server
// (GET /state?seq=K). Nothing here ever loads the whole log.
//
// Mutable and kept out of the Redux store on purpose: it is a cache the timeline saga owns; the store
// holds only what is on screen (timelineSlice). Page loads are plain promises, so a load started by a
// saga that is then cancelled (the cursor moved on) still lands here and serves the next step.
import { apply, initialState, type MeetingEvent, type MeetingState } from '../../domain'
import type { EventsPage } from '../../lib/api'
import { isStateEvent } from '../meeting/selectors'

export const PAGE_SIZE = 1000 // read-ahead pages (the server's default page)
export const JUMP_PAGE_SIZE = 200 // the page fetched with a jump: the label and the first steps forward
export const READ_AHEAD_LOW = 300 // playing: fetch the next page when fewer events than this are held ahead
export const STEP_READ_AHEAD_LOW = 50 // not playing (steps, short moves): the same, with a jump-sized page
export const SNAPSHOT_EVERY = 250
export const LOCAL_FOLD_LIMIT = 2000
export const MAX_EVENTS = 20_000
export const MAX_SNAPSHOTS = 200

export type FetchPage = (after: number, limit: number) => Promise<EventsPage>
export type Step = (state: MeetingState, event: MeetingEvent) => MeetingState

export class History {
  private readonly events = new Map<number, MeetingEvent>()
  private readonly snapshots = new Map<number, MeetingState>([[0, initialState()]])
  private readonly inflight = new Map<string, { after: number; limit: number; promise: Promise<void> }>()
  private liveBase: MeetingState | null = null
  private liveTail: MeetingEvent[] = []
  // For tests and diagnostics: how much work was done.
  readonly stats = { applied: 0, pages: 0, eventsFetched: 0 }

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly step: Step = apply,
  ) {}

  event(seq: number): MeetingEvent | undefined {
    return this.events.get(seq)
  }

  snapshotSeqs(): number[] {
    return [...this.snapshots.keys()].sort((a, b) => a - b)
  }

  get eventCount(): number {
    return this.events.size
  }

  addEvents(events: readonly MeetingEvent[]) {
    for (const e of events) if (e.seq !== undefined) this.events.set(e.seq, e)
  }

  addSnapshot(seq: number, state: MeetingState) {
    this.snapshots.set(seq, state)
  }

  // What the meeting slice holds is history too: the base is the state at baseSeq, the tail stored events.
  addLive(base: MeetingState | null, baseSeq: number, tail: readonly MeetingEvent[]) {
    if (base && base !== this.liveBase) this.addSnapshot(baseSeq, base)
    this.liveBase = base
    if (tail !== this.liveTail) {
      // The tail only grows (or is replaced with a new base): add what was not seen.
      const from = tail.length >= this.liveTail.length && this.liveTail.length > 0 && tail[this.liveTail.length - 1] === this.liveTail.at(-1) ? this.liveTail.length : 0
      this.addEvents(tail.slice(from))
      this.liveTail = tail as MeetingEvent[]
    }
  }

  // The last seq s ≤ limit such that every event seq+1..s is held.
  heldThrough(seq: number, limit: number): number {
    let s = seq
    while (s < limit && this.events.has(s + 1)) s++
    return s
  }

  // One event forward (playback and steps): applies it if it is state-class, and keeps a snapshot every
  // SNAPSHOT_EVERY seqs.
  advance(state: MeetingState, event: MeetingEvent): MeetingState {
    let next = state
    if (isStateEvent(event)) {
      next = this.step(state, event)
      this.stats.applied++
    }
    if (event.seq !== undefined && event.seq % SNAPSHOT_EVERY === 0) this.addSnapshot(event.seq, next)
    return next
  }

  // Where a local fold to `seq` can start: the latest snapshot (or `from`, the state on screen) at or
  // before seq from which every event up to seq is held, at most LOCAL_FOLD_LIMIT - slack events away.
  private startFor(seq: number, from?: { seq: number; state: MeetingState }, slack = 0): { seq: number; state: MeetingState } | null {
    const limit = LOCAL_FOLD_LIMIT - slack
    if (limit < 0) return null
    let low = seq // every event low+1..seq is held
    while (low > 0 && seq - low < limit && this.events.has(low)) low--
    let start: { seq: number; state: MeetingState } | null = null
    if (from && from.seq <= seq && from.seq >= low) start = from
    for (const [s, state] of this.snapshots) {
      if (s <= seq && s >= low && (!start || s > start.seq)) start = { seq: s, state }
    }
    return start
  }

  // The state at `seq` from what is held, or null (then the server is asked).
  localStateAt(seq: number, from?: { seq: number; state: MeetingState }): MeetingState | null {
    const start = this.startFor(seq, from)
    if (!start) return null
    let state = start.state
    for (let s = start.seq + 1; s <= seq; s++) state = this.advance(state, this.events.get(s)!)
    return state
  }

  // A page load in flight that brings the event at `seq` and after which a local fold to seq will be
  // possible (e.g. the read-ahead that a quick step overtook); waiting for it beats asking for a snapshot.
  loading(seq: number, from?: { seq: number; state: MeetingState }): Promise<void> | null {
    for (const { after, limit, promise } of this.inflight.values()) {
      if (after < seq && seq <= after + limit && this.startFor(after, from, seq - after)) return promise
    }
    return null
  }

  // Loads the page of events after `after` (the same request in flight is shared).
  load(after: number, limit: number): Promise<void> {
    const key = `${after}:${limit}`
    const known = this.inflight.get(key)
    if (known) return known.promise
    const promise = this.fetchPage(after, limit)
      .then((page) => {
        this.stats.pages++
        this.stats.eventsFetched += page.events.length
        this.addEvents(page.events)
      })
      .finally(() => this.inflight.delete(key))
    this.inflight.set(key, { after, limit, promise })
    return promise
  }

  // Keeps events held ahead of `seq` (up to head): starts loading the next page, without waiting for it,
  // when fewer than READ_AHEAD_LOW (playing) or STEP_READ_AHEAD_LOW are left — so a jump, which brings
  // JUMP_PAGE_SIZE events, does not read ahead until it is played or stepped through. A failure here is
  // not reported: the step that needs the events loads them again and reports.
  readAhead(seq: number, head: number, playing: boolean) {
    const want = Math.min(head, seq + (playing ? READ_AHEAD_LOW : STEP_READ_AHEAD_LOW))
    const end = this.heldThrough(seq, want)
    if (end < want) this.load(end, playing ? PAGE_SIZE : JUMP_PAGE_SIZE).catch(() => {})
  }

  // Bounds memory: drops the events and snapshots farthest from `around` (seq 0's snapshot stays).
  trim(around: number) {
    if (this.events.size > MAX_EVENTS) {
      const keep = new Set(
        [...this.events.keys()].sort((a, b) => Math.abs(a - around) - Math.abs(b - around)).slice(0, Math.floor(MAX_EVENTS * 0.8)),
      )
      for (const seq of [...this.events.keys()]) if (!keep.has(seq)) this.events.delete(seq)
    }
    if (this.snapshots.size > MAX_SNAPSHOTS) {
      const order = [...this.snapshots.keys()].filter((s) => s !== 0).sort((a, b) => Math.abs(a - around) - Math.abs(b - around))
      for (const seq of order.slice(Math.floor(MAX_SNAPSHOTS * 0.8))) this.snapshots.delete(seq)
    }
  }
}

// `next` with every card (and the participants) that equals one in `prev` replaced by prev's object, so
// that a state restored from the server shares what did not change with the board on screen and only the
// cards that differ are rendered again. Same value as `next`.
export function shareUnchanged(prev: MeetingState | null, next: MeetingState): MeetingState {
  if (!prev) return next
  const before = new Map(prev.cards.map((c) => [c.card_id, c]))
  let shared = 0
  const cards = next.cards.map((c) => {
    const old = before.get(c.card_id)
    if (old && JSON.stringify(old) === JSON.stringify(c)) {
      shared++
      return old
    }
    return c
  })
  const participants = JSON.stringify(prev.participants) === JSON.stringify(next.participants) ? prev.participants : next.participants
  return shared === 0 && participants === next.participants ? next : { ...next, cards, participants }
}
