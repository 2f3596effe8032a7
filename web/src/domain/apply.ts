// apply: folds one stored event into a new state, never mutating its input (Redux reducer rules).
// Tolerant like server/src/domain/apply.cpp: an event that does not fit the state is skipped.
import { bool, int, isObject, str, type Data } from './fields'
import { findCard, isContinueVote, isPhase, noteIdTaken, readActionFields } from './lookup'
import type { Card, ContinueVote, MeetingEvent, MeetingState, Note, NoteKind, Phase, Settings, Timer } from './types'

export function initialState(): MeetingState {
  return {
    title: '',
    phase: 'collect',
    created_ts: 0,
    settings: { votes_per_person: 3, timebox_s: 300, anonymous_votes: false, anonymous_cards: false, hide_totals: false },
    participants: {},
    facilitator: null,
    cards: [],
    discussion: null,
    last_seq: 0,
    last_ts: 0,
  }
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)
// Computed keys define own properties even for "__proto__", so a pid can never reach the prototype.
const withKey = <V>(o: Record<string, V>, k: string, v: V): Record<string, V> => ({ ...o, [k]: v })
function withoutKey<V>(o: Record<string, V>, k: string): Record<string, V> {
  const out: Record<string, V> = {}
  for (const key of Object.keys(o)) if (key !== k) Object.defineProperty(out, key, { value: o[key], enumerable: true, writable: true, configurable: true })
  return out
}

interface Fold {
  m: MeetingState
  data: Data
  pid: string // '' when the stored event has no actor pid
  ts: number
}

const mapCard = (m: MeetingState, cardId: string, f: (c: Card) => Card): Card[] =>
  m.cards.map((c) => (c.card_id === cardId ? f(c) : c))

function readSettings(data: Data, s: Settings): Settings {
  const votes = int(data, 'votes_per_person')
  const timebox = int(data, 'timebox_s')
  return {
    votes_per_person: votes ?? s.votes_per_person,
    timebox_s: timebox ?? s.timebox_s,
    anonymous_votes: bool(data, 'anonymous_votes') ?? s.anonymous_votes,
    anonymous_cards: bool(data, 'anonymous_cards') ?? s.anonymous_cards,
    hide_totals: bool(data, 'hide_totals') ?? s.hide_totals,
  }
}

const timerAt = (ts: number, seconds: number): Timer => ({ seconds, started_ts: ts, ends_ts: ts + seconds * 1000 })

function participantNamed({ m, data, pid }: Fold): MeetingState {
  if (pid === '') return m
  return { ...m, participants: withKey(m.participants, pid, { name: str(data, 'name') ?? '' }) }
}

const FOLDS: Record<string, (f: Fold) => MeetingState> = {
  meeting_created: ({ m, data, ts }) => ({
    ...m,
    title: str(data, 'title') ?? m.title,
    settings: readSettings(data, m.settings),
    created_ts: ts,
  }),

  participant_joined: participantNamed,
  participant_renamed: participantNamed,

  meeting_renamed: ({ m, data }) => ({ ...m, title: str(data, 'title') ?? m.title }),

  settings_changed: ({ m, data }) => ({ ...m, settings: readSettings(data, m.settings) }),

  phase_changed({ m, data }) {
    const phase = str(data, 'phase')
    return phase !== undefined && isPhase(phase) ? { ...m, phase: phase as Phase } : m
  },

  // The role goes to `pid` as written; validate made sure it was a participant.
  facilitator_changed({ m, data }) {
    const pid = str(data, 'pid')
    return pid === undefined ? m : { ...m, facilitator: pid }
  },

  // The author is the event's actor as stored: "anonymous" for a card added while anonymous_cards was on
  // (toStore), which then carries its seal. The actor need not be a participant.
  card_added({ m, data, pid }) {
    const cardId = str(data, 'card_id')
    const title = str(data, 'title')
    if (cardId === undefined || title === undefined || findCard(m, cardId)) return m
    const card: Card = { card_id: cardId, title, author: pid, status: 'todo', votes: {}, discussed_ms: 0, notes: [] }
    const seal = str(data, 'seal')
    if (seal !== undefined) {
      card.anonymous = true
      card.seal = seal
    }
    return { ...m, cards: [...m.cards, card] }
  },

  card_edited({ m, data }) {
    const cardId = str(data, 'card_id')
    const title = str(data, 'title')
    if (cardId === undefined || title === undefined || !findCard(m, cardId)) return m
    return { ...m, cards: mapCard(m, cardId, (c) => ({ ...c, title })) }
  },

  card_deleted({ m, data }) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined || !findCard(m, cardId)) return m
    return {
      ...m,
      cards: m.cards.filter((c) => c.card_id !== cardId),
      discussion: m.discussion && m.discussion.card_id === cardId ? null : m.discussion,
    }
  },

  // The merged card goes; its votes, notes and discussion time move to the card it was merged into, which
  // records it (then what it had absorbed) in `merged`.
  card_merged({ m, data }) {
    const cardId = str(data, 'card_id')
    const into = str(data, 'into_card_id')
    if (cardId === undefined || into === undefined || cardId === into) return m
    const from = findCard(m, cardId)
    if (!from || !findCard(m, into)) return m
    const cards = m.cards
      .filter((c) => c.card_id !== cardId)
      .map((c) => {
        if (c.card_id !== into) return c
        let votes = c.votes
        for (const [pid, n] of Object.entries(from.votes)) votes = withKey(votes, pid, (own(votes, pid) ? votes[pid] : 0) + n)
        const merged = [...(c.merged ?? []), { card_id: from.card_id, title: from.title, author: from.author }, ...(from.merged ?? [])]
        return { ...c, votes, notes: [...c.notes, ...from.notes], discussed_ms: c.discussed_ms + from.discussed_ms, merged }
      })
    return { ...m, cards, discussion: m.discussion && m.discussion.card_id === cardId ? null : m.discussion }
  },

  card_voted({ m, data, pid }) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined || pid === '' || !findCard(m, cardId)) return m
    return {
      ...m,
      cards: mapCard(m, cardId, (c) => ({ ...c, votes: withKey(c.votes, pid, (own(c.votes, pid) ? c.votes[pid] : 0) + 1) })),
    }
  },

  vote_withdrawn({ m, data, pid }) {
    const cardId = str(data, 'card_id')
    const card = cardId === undefined ? undefined : findCard(m, cardId)
    if (!card || !own(card.votes, pid)) return m
    const n = card.votes[pid] - 1
    const votes = n > 0 ? withKey(card.votes, pid, n) : withoutKey(card.votes, pid)
    return { ...m, cards: mapCard(m, card.card_id, (c) => ({ ...c, votes })) }
  },

  discussion_started({ m, data, ts }) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined || m.discussion || !findCard(m, cardId)) return m
    return {
      ...m,
      cards: mapCard(m, cardId, (c) => ({ ...c, status: 'discussing' })),
      discussion: { card_id: cardId, started_ts: ts, timer: timerAt(ts, m.settings.timebox_s), continue_votes: {} },
    }
  },

  discussion_finished({ m, data, ts }) {
    const cardId = str(data, 'card_id')
    const d = m.discussion
    if (cardId === undefined || !d || d.card_id !== cardId) return m
    const status = str(data, 'outcome') === 'parked' ? 'parked' : 'done'
    const spent = Math.max(0, ts - d.started_ts)
    return { ...m, cards: mapCard(m, cardId, (c) => ({ ...c, status, discussed_ms: c.discussed_ms + spent })), discussion: null }
  },

  // A new or longer timer asks the room afresh whether to go on: earlier continue votes are dropped.
  timer_started({ m, data, ts }) {
    const seconds = int(data, 'seconds')
    if (seconds === undefined || !m.discussion) return m
    return { ...m, discussion: { ...m.discussion, timer: timerAt(ts, seconds), continue_votes: {} } }
  },

  timer_extended({ m, data }) {
    const seconds = int(data, 'seconds')
    const d = m.discussion
    if (seconds === undefined || !d || !d.timer) return m
    const timer = { ...d.timer, seconds: d.timer.seconds + seconds, ends_ts: d.timer.ends_ts + seconds * 1000 }
    return { ...m, discussion: { ...d, timer, continue_votes: {} } }
  },

  continue_voted({ m, data, pid }) {
    const vote = str(data, 'vote')
    if (vote === undefined || !isContinueVote(vote) || pid === '' || !m.discussion) return m
    const continue_votes = withKey(m.discussion.continue_votes, pid, vote as ContinueVote)
    return { ...m, discussion: { ...m.discussion, continue_votes } }
  },

  note_added({ m, data, pid }) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    const text = str(data, 'text')
    const kind = str(data, 'kind')
    if (cardId === undefined || noteId === undefined || text === undefined || kind === undefined) return m
    if (noteIdTaken(m, noteId) || !findCard(m, cardId)) return m
    // An owner or due date that does not fit skips the whole event (restoreState would refuse the note).
    const action = readActionFields(data)
    if (!action.ok || ((action.hasOwner || action.hasDue) && kind !== 'action')) return m
    const note: Note = { note_id: noteId, text, kind: kind as NoteKind, author: pid }
    if (action.owner !== null) note.owner = action.owner
    if (action.due !== null) note.due = action.due
    return { ...m, cards: mapCard(m, cardId, (c) => ({ ...c, notes: [...c.notes, note] })) }
  },

  note_deleted({ m, data }) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    if (cardId === undefined || noteId === undefined || !findCard(m, cardId)) return m
    return { ...m, cards: mapCard(m, cardId, (c) => ({ ...c, notes: c.notes.filter((n) => n.note_id !== noteId) })) }
  },
  // A given owner / due is set (a string) or removed (null).
  action_updated({ m, data }) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    const action = readActionFields(data)
    if (cardId === undefined || noteId === undefined || !action.ok || !findCard(m, cardId)) return m
    const update = (n: Note): Note => {
      if (n.note_id !== noteId || n.kind !== 'action') return n
      const next: Note = { ...n }
      if (action.hasOwner) {
        if (action.owner === null) delete next.owner
        else next.owner = action.owner
      }
      if (action.hasDue) {
        if (action.due === null) delete next.due
        else next.due = action.due
      }
      return next
    }
    return { ...m, cards: mapCard(m, cardId, (c) => ({ ...c, notes: c.notes.map(update) })) }
  },
  // reaction (moment) and typing (transient) leave the state as it is.
}

/** The state after `event`. Pure: `state` is never mutated; unchanged parts are shared. */
export function apply(state: MeetingState, event: MeetingEvent): MeetingState {
  if (!isObject(event)) return state
  const e = event as unknown as Data
  const seq = int(e, 'seq')
  const ts = int(e, 'ts') ?? state.last_ts
  const type = str(e, 'type')
  let next = state
  const fold = type !== undefined && own(FOLDS, type) ? FOLDS[type] : undefined
  if (fold) {
    const data = isObject(e.data) ? e.data : {}
    const pid = isObject(e.actor) ? (str(e.actor, 'pid') ?? '') : ''
    next = fold({ m: state, data, pid, ts })
  }
  // Only logged events (those with a seq) move the meeting's position; transient ones never do.
  if (seq !== undefined) next = { ...next, last_seq: seq, last_ts: ts }
  return next
}

/** The state after the events with seq ≤ upToSeq (all of them when upToSeq is absent). */
export function fold(events: MeetingEvent[], upToSeq?: number): MeetingState {
  let state = initialState()
  for (const event of events) {
    if (upToSeq !== undefined && event.seq !== undefined && event.seq > upToSeq) break
    state = apply(state, event)
  }
  return state
}
