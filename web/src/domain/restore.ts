// restoreState: the inverse of the canonical state JSON, for snapshots (the join reply carries the state
// at head_seq, live events are folded on top). Mirrors server/src/domain/from_json.cpp so that both sides
// accept and refuse the same snapshots: strict on shape (every canonical key, its JSON type, no other
// key), and values checked only as far as apply itself guarantees them for ANY stored events — so every
// state apply can reach restores, while one that could not come from apply is refused.
import { bool, has, int, isObject, str, type Data } from './fields'
import { isContinueVote, isDate, isPhase } from './lookup'
import type { Card, CardStatus, ContinueVote, Discussion, MeetingState, MergedCard, Note, NoteKind, Phase, Settings, Timer } from './types'

// The C++ side keeps votes per pid in an int64 index; a snapshot whose sums would overflow it is refused.
const INT64_LIMIT = 2 ** 63

// `v` is an object holding exactly `keys` (plus `optional`, each absent or present); afterwards each of
// them may be read.
function hasExactly(v: unknown, keys: readonly string[], optional: readonly string[] = []): v is Data {
  if (!isObject(v) || !keys.every((k) => has(v, k))) return false
  return Object.keys(v).length === keys.length + optional.filter((k) => has(v, k)).length
}

// An optional string key: absent (null), a string `valid` accepts, or undefined to refuse.
function optionalStr(v: Data, key: string, valid: (s: string) => boolean = () => true): string | null | undefined {
  if (!has(v, key)) return null
  const s = v[key]
  return typeof s === 'string' && valid(s) ? s : undefined
}

const isCardStatus = (s: string): boolean => s === 'todo' || s === 'discussing' || s === 'done' || s === 'parked'

// A fresh record of `v`'s entries, each mapped by `read` (undefined refuses the whole record).
// defineProperty, because a pid such as "__proto__" must stay an own key, as JSON.parse made it.
function readRecord<V>(v: unknown, read: (x: unknown) => V | undefined): Record<string, V> | undefined {
  if (!isObject(v)) return undefined
  const out: Record<string, V> = {}
  for (const key of Object.keys(v)) {
    const value = read(v[key])
    if (value === undefined) return undefined
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

function readArray<V>(v: unknown, read: (x: unknown) => V | undefined): V[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: V[] = []
  for (const item of v) {
    const value = read(item)
    if (value === undefined) return undefined
    out.push(value)
  }
  return out
}

function readSettings(v: unknown): Settings | undefined {
  if (!hasExactly(v, ['votes_per_person', 'timebox_s', 'anonymous_votes', 'anonymous_cards', 'hide_totals'])) return undefined
  const votes_per_person = int(v, 'votes_per_person')
  const timebox_s = int(v, 'timebox_s')
  const anonymous_votes = bool(v, 'anonymous_votes')
  const anonymous_cards = bool(v, 'anonymous_cards')
  const hide_totals = bool(v, 'hide_totals')
  if (votes_per_person === undefined || timebox_s === undefined || anonymous_votes === undefined) return undefined
  if (anonymous_cards === undefined || hide_totals === undefined) return undefined
  return { votes_per_person, timebox_s, anonymous_votes, anonymous_cards, hide_totals }
}

function readParticipant(v: unknown): { name: string } | undefined {
  if (!hasExactly(v, ['name'])) return undefined
  const name = str(v, 'name')
  return name === undefined ? undefined : { name }
}

// The kind is any string, as in C++: apply stores note_added's kind without checking it. owner and due
// are keys only when set, and only on an action item (apply never puts them elsewhere).
function readNote(v: unknown): Note | undefined {
  if (!hasExactly(v, ['note_id', 'text', 'kind', 'author'], ['owner', 'due'])) return undefined
  const note_id = str(v, 'note_id')
  const text = str(v, 'text')
  const kind = str(v, 'kind')
  const author = str(v, 'author')
  const owner = optionalStr(v, 'owner')
  const due = optionalStr(v, 'due', isDate)
  if (note_id === undefined || text === undefined || kind === undefined || author === undefined) return undefined
  if (owner === undefined || due === undefined || ((owner !== null || due !== null) && kind !== 'action')) return undefined
  const note: Note = { note_id, text, kind: kind as NoteKind, author }
  if (owner !== null) note.owner = owner
  if (due !== null) note.due = due
  return note
}

// A pid with no votes has no key, so every count is positive (apply drops a count that reaches 0).
function readVoteCount(v: unknown): number | undefined {
  const n = int({ n: v }, 'n')
  return n !== undefined && n > 0 ? n : undefined
}

function readMergedCard(v: unknown): MergedCard | undefined {
  if (!hasExactly(v, ['card_id', 'title', 'author'])) return undefined
  const card_id = str(v, 'card_id')
  const title = str(v, 'title')
  const author = str(v, 'author')
  if (card_id === undefined || title === undefined || author === undefined) return undefined
  return { card_id, title, author }
}

// An anonymous card has both `anonymous: true` and `seal`; any other card neither (false is not
// canonical: the key is absent). `merged` is a key only when non-empty.
function readCard(v: unknown): Card | undefined {
  if (!hasExactly(v, ['card_id', 'title', 'author', 'status', 'votes', 'discussed_ms', 'notes'], ['anonymous', 'seal', 'merged'])) {
    return undefined
  }
  const seal = optionalStr(v, 'seal')
  if (seal === undefined || has(v, 'anonymous') !== (seal !== null)) return undefined
  if (has(v, 'anonymous') && v.anonymous !== true) return undefined
  const card_id = str(v, 'card_id')
  const title = str(v, 'title')
  const author = str(v, 'author')
  const status = str(v, 'status')
  const discussed_ms = int(v, 'discussed_ms')
  const votes = readRecord(v.votes, readVoteCount)
  const notes = readArray(v.notes, readNote)
  const merged = has(v, 'merged') ? readArray(v.merged, readMergedCard) : null
  if (merged === undefined || (merged !== null && merged.length === 0)) return undefined
  if (card_id === undefined || title === undefined || author === undefined || discussed_ms === undefined) return undefined
  if (status === undefined || !isCardStatus(status) || votes === undefined || notes === undefined) return undefined
  const card: Card = { card_id, title, author, status: status as CardStatus, votes, discussed_ms, notes }
  if (seal !== null) {
    card.anonymous = true
    card.seal = seal
  }
  if (merged !== null) card.merged = merged
  return card
}

function readTimer(v: unknown): Timer | undefined {
  if (!hasExactly(v, ['seconds', 'started_ts', 'ends_ts'])) return undefined
  const seconds = int(v, 'seconds')
  const started_ts = int(v, 'started_ts')
  const ends_ts = int(v, 'ends_ts')
  if (seconds === undefined || started_ts === undefined || ends_ts === undefined) return undefined
  return { seconds, started_ts, ends_ts }
}

const readContinueVote = (v: unknown): ContinueVote | undefined =>
  typeof v === 'string' && isContinueVote(v) ? (v as ContinueVote) : undefined

// undefined refuses; null is "no discussion".
function readDiscussion(v: unknown): Discussion | null | undefined {
  if (v === null) return null
  if (!hasExactly(v, ['card_id', 'started_ts', 'timer', 'continue_votes'])) return undefined
  const card_id = str(v, 'card_id')
  const started_ts = int(v, 'started_ts')
  const timer = v.timer === null ? null : readTimer(v.timer)
  const continue_votes = readRecord(v.continue_votes, readContinueVote)
  if (card_id === undefined || started_ts === undefined || timer === undefined || continue_votes === undefined) return undefined
  return { card_id, started_ts, timer, continue_votes }
}

// Ids are unique (card_id among cards, note_id among all notes); a discussion names the one card
// "discussing", and without one no card is; per-pid vote sums fit the C++ side's int64 index.
function consistent(cards: Card[], discussion: Discussion | null): boolean {
  const cardIds = new Set<string>()
  const noteIds = new Set<string>()
  const used = new Map<string, number>()
  let discussing = 0
  for (const c of cards) {
    if (cardIds.has(c.card_id)) return false
    cardIds.add(c.card_id)
    for (const n of c.notes) {
      if (noteIds.has(n.note_id)) return false
      noteIds.add(n.note_id)
    }
    if (c.status === 'discussing') {
      discussing += 1
      if (!discussion || discussion.card_id !== c.card_id) return false
    }
    for (const [pid, n] of Object.entries(c.votes)) {
      const sum = (used.get(pid) ?? 0) + n
      if (sum >= INT64_LIMIT) return false
      used.set(pid, sum)
    }
  }
  return discussing === (discussion ? 1 : 0)
}

const STATE_KEYS = ['title', 'phase', 'created_ts', 'settings', 'participants', 'facilitator', 'cards', 'discussion', 'last_seq', 'last_ts']

/** The state `json` is the canonical JSON of, as a fresh structure (nothing shared with `json`);
 *  null when `json` is not a canonical state. Never throws. */
export function restoreState(json: unknown): MeetingState | null {
  if (!hasExactly(json, STATE_KEYS)) return null
  const title = str(json, 'title')
  const phase = str(json, 'phase')
  const created_ts = int(json, 'created_ts')
  const last_seq = int(json, 'last_seq')
  const last_ts = int(json, 'last_ts')
  const settings = readSettings(json.settings)
  const participants = readRecord(json.participants, readParticipant)
  const cards = readArray(json.cards, readCard)
  const discussion = readDiscussion(json.discussion)
  if (title === undefined || phase === undefined || !isPhase(phase)) return null
  if (created_ts === undefined || last_seq === undefined || last_ts === undefined) return null
  if (settings === undefined || participants === undefined || cards === undefined || discussion === undefined) return null
  // Any pid, even one that is not a participant: apply sets what a stored facilitator_changed names, and
  // only validate checks membership (docs/domain.md).
  const facilitator = json.facilitator
  if (facilitator !== null && typeof facilitator !== 'string') return null
  if (!consistent(cards, discussion)) return null
  return { title, phase: phase as Phase, created_ts, settings, participants, facilitator, cards, discussion, last_seq, last_ts }
}
