// validate: may `actor` push an event of `type` with `data` now? The same rules, checked in the same
// order, as server/src/domain/validate*.cpp; the order fixes which reason wins (docs/domain.md).
import { catalogueEntry, EMOJI, LIMITS } from './catalogue'
import { bool, has, int, isObject, str, type Data } from './fields'
import {
  checkText,
  findCard,
  isAuthorOf,
  isContinueVote,
  isFacilitator,
  isId,
  isNoteKind,
  isPhase,
  noteIdTaken,
  readActionFields,
  votesUsed,
} from './lookup'
import type { Actor, MeetingState } from './types'

type Rule = (m: MeetingState, a: Actor, data: Data) => string | null

const inRange = (v: number | undefined, [lo, hi]: readonly [number, number]): boolean =>
  v !== undefined && v >= lo && v <= hi
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)
// While anonymous_cards is on the card is stored with its seal instead of its author, so the push must
// come with one (the server always gives it; a missing one is a malformed push).
const hasSeal = (a: Actor, cardId: string): boolean =>
  a.seals !== undefined && own(a.seals, cardId) && typeof a.seals[cardId] === 'string' && a.seals[cardId] !== ''
const collectOrVote = (m: MeetingState): boolean => m.phase === 'collect' || m.phase === 'vote'
// Absent, or present with the right type (a JSON null is a wrong type).
const optionalStr = (data: Data, key: string): boolean => !has(data, key) || str(data, key) !== undefined

const RULES: Record<string, Rule> = {
  participant_renamed(_m, _a, data) {
    const name = str(data, 'name')
    if (name === undefined) return 'invalid_payload'
    return checkText(name, LIMITS.maxNameLength, 'title_too_long')
  },

  meeting_renamed(_m, _a, data) {
    const title = str(data, 'title')
    if (title === undefined) return 'invalid_payload'
    return checkText(title, LIMITS.maxTitleLength, 'title_too_long')
  },

  settings_changed(_m, _a, data) {
    let any = false
    if (has(data, 'votes_per_person')) {
      if (!inRange(int(data, 'votes_per_person'), LIMITS.votesPerPerson)) return 'invalid_payload'
      any = true
    }
    if (has(data, 'timebox_s')) {
      if (!inRange(int(data, 'timebox_s'), LIMITS.timeboxS)) return 'invalid_payload'
      any = true
    }
    for (const flag of ['anonymous_votes', 'anonymous_cards', 'hide_totals']) {
      if (!has(data, flag)) continue
      if (bool(data, flag) === undefined) return 'invalid_payload'
      any = true
    }
    return any ? null : 'invalid_payload'
  },

  phase_changed(m, _a, data) {
    const phase = str(data, 'phase')
    if (phase === undefined || !isPhase(phase)) return 'invalid_payload'
    if (phase === m.phase) return 'wrong_phase'
    if (m.discussion) return 'discussion_in_progress'
    return null
  },

  // Handing over to the pid that holds the role already is accepted (and logged): harmless, and a token
  // holder taking the role back must not depend on knowing who holds it now.
  facilitator_changed(m, _a, data) {
    const pid = str(data, 'pid')
    if (pid === undefined) return 'invalid_payload'
    if (!own(m.participants, pid)) return 'no_such_participant'
    return null
  },

  card_added(m, a, data) {
    const cardId = str(data, 'card_id')
    const title = str(data, 'title')
    if (!isId(cardId) || title === undefined) return 'invalid_payload'
    if (m.settings.anonymous_cards && !hasSeal(a, cardId)) return 'invalid_payload'
    if (!collectOrVote(m)) return 'wrong_phase'
    if (findCard(m, cardId)) return 'duplicate_id'
    const r = checkText(title, LIMITS.maxTitleLength, 'title_too_long')
    if (r) return r
    if (m.cards.length >= LIMITS.maxCards) return 'too_many_cards'
    return null
  },

  card_edited(m, a, data) {
    const cardId = str(data, 'card_id')
    const title = str(data, 'title')
    if (cardId === undefined || title === undefined) return 'invalid_payload'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    if (!isAuthorOf(card, a) && !isFacilitator(m, a)) return 'not_author'
    if (card.status === 'done') return 'wrong_phase'
    return checkText(title, LIMITS.maxTitleLength, 'title_too_long')
  },

  card_deleted(m, a, data) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined) return 'invalid_payload'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    if (!isAuthorOf(card, a) && !isFacilitator(m, a)) return 'not_author'
    if (card.status === 'discussing') return 'discussion_in_progress'
    return null
  },

  card_merged(m, a, data) {
    const cardId = str(data, 'card_id')
    const into = str(data, 'into_card_id')
    if (cardId === undefined || into === undefined) return 'invalid_payload'
    if (!collectOrVote(m)) return 'wrong_phase'
    if (cardId === into) return 'same_card'
    const from = findCard(m, cardId)
    const to = findCard(m, into)
    if (!from || !to) return 'no_such_card'
    if (!isFacilitator(m, a) && (!isAuthorOf(from, a) || !isAuthorOf(to, a))) return 'not_author'
    return null
  },

  card_voted(m, a, data) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined) return 'invalid_payload'
    if (m.phase !== 'vote') return 'wrong_phase'
    if (!findCard(m, cardId)) return 'no_such_card'
    if (votesUsed(m, a.pid) >= m.settings.votes_per_person) return 'no_votes_left'
    return null
  },

  vote_withdrawn(m, a, data) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined) return 'invalid_payload'
    if (m.phase !== 'vote') return 'wrong_phase'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    if (!Object.prototype.hasOwnProperty.call(card.votes, a.pid)) return 'no_vote_to_withdraw'
    return null
  },

  discussion_started(m, _a, data) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined) return 'invalid_payload'
    if (m.phase !== 'discuss') return 'wrong_phase'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    if (m.discussion) return 'discussion_in_progress'
    if (card.status === 'done') return 'wrong_phase'
    return null
  },

  discussion_finished(m, _a, data) {
    const cardId = str(data, 'card_id')
    if (cardId === undefined || !optionalStr(data, 'outcome')) return 'invalid_payload'
    const outcome = str(data, 'outcome')
    if (outcome !== undefined && outcome !== 'done' && outcome !== 'parked') return 'invalid_payload'
    if (!m.discussion || m.discussion.card_id !== cardId) return 'no_discussion'
    return null
  },

  timer_started(m, _a, data) {
    if (!inRange(int(data, 'seconds'), LIMITS.timerS)) return 'invalid_payload'
    if (!m.discussion) return 'no_discussion'
    return null
  },

  timer_extended(m, _a, data) {
    if (!inRange(int(data, 'seconds'), LIMITS.timerS)) return 'invalid_payload'
    if (!m.discussion || !m.discussion.timer) return 'no_timer'
    return null
  },

  continue_voted(m, _a, data) {
    const vote = str(data, 'vote')
    if (vote === undefined || !isContinueVote(vote)) return 'invalid_payload'
    if (!m.discussion) return 'no_discussion'
    return null
  },

  note_added(m, _a, data) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    const text = str(data, 'text')
    const kind = str(data, 'kind')
    if (cardId === undefined || !isId(noteId) || text === undefined || kind === undefined || !isNoteKind(kind)) {
      return 'invalid_payload'
    }
    if (!findCard(m, cardId)) return 'no_such_card'
    if (noteIdTaken(m, noteId)) return 'duplicate_id'
    const r = checkText(text, LIMITS.maxNoteLength, 'text_too_long')
    if (r) return r
    // Owner and due date, checked after the rules that existed before them (their order stays).
    const f = readActionFields(data)
    if (!f.ok || ((f.hasOwner || f.hasDue) && kind !== 'action')) return 'invalid_payload'
    if (f.owner !== null && !own(m.participants, f.owner)) return 'no_such_participant'
    return null
  },

  note_deleted(m, a, data) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    if (cardId === undefined || noteId === undefined) return 'invalid_payload'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    const note = card.notes.find((n) => n.note_id === noteId)
    if (!note) return 'no_such_card'
    if (note.author !== a.pid && !isFacilitator(m, a)) return 'not_author'
    return null
  },

  // Anyone may assign or date an action item (the room decides together); null clears a field.
  action_updated(m, _a, data) {
    const cardId = str(data, 'card_id')
    const noteId = str(data, 'note_id')
    const f = readActionFields(data)
    if (cardId === undefined || noteId === undefined || !f.ok || (!f.hasOwner && !f.hasDue)) return 'invalid_payload'
    const card = findCard(m, cardId)
    if (!card) return 'no_such_card'
    const note = card.notes.find((n) => n.note_id === noteId)
    if (!note) return 'no_such_card'
    if (note.kind !== 'action') return 'invalid_payload'
    if (f.owner !== null && !own(m.participants, f.owner)) return 'no_such_participant'
    return null
  },

  reaction(m, _a, data) {
    const emoji = str(data, 'emoji')
    if (emoji === undefined || !Object.prototype.hasOwnProperty.call(EMOJI, emoji) || !optionalStr(data, 'card_id')) {
      return 'invalid_payload'
    }
    const cardId = str(data, 'card_id')
    if (cardId !== undefined && !findCard(m, cardId)) return 'no_such_card'
    return null
  },

  typing(_m, _a, data) {
    return optionalStr(data, 'card_id') ? null : 'invalid_payload'
  },
}

// F-only types need the effective facilitator; facilitator_changed also lets a token holder through, so
// the meeting's owner can take the role back after handing it over.
const mayFacilitate = (m: MeetingState, a: Actor, type: string): boolean =>
  isFacilitator(m, a) || (type === 'facilitator_changed' && a.role === 'facilitator')

/** The CONTRACT §2 reason `actor` may not push this event, or null when it may. */
export function validate(state: MeetingState, actor: Actor, type: string, data: unknown): string | null {
  const spec = catalogueEntry(type)
  // Server-only types are invisible to clients: pushing one is the same as pushing an unknown type.
  if (!spec || spec.serverOnly) return 'unknown_type'
  if (!own(state.participants, actor.pid)) return 'not_joined'
  if (spec.who === 'facilitator' && !mayFacilitate(state, actor, type)) return 'not_facilitator'
  if (!isObject(data)) return 'invalid_payload'
  const rule = RULES[type]
  return rule ? rule(state, actor, data) : 'unknown_type'
}
