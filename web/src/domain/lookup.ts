// Lookups shared by validate and apply (server/src/domain/lookup.cpp).
import { LIMITS } from './catalogue'
import { codePointCount, isBlank } from './text'
import { has, type Data } from './fields'
import type { Actor, Card, MeetingState } from './types'

export function findCard(state: MeetingState, cardId: string): Card | undefined {
  return state.cards.find((c) => c.card_id === cardId)
}

export function noteIdTaken(state: MeetingState, noteId: string): boolean {
  return state.cards.some((c) => c.notes.some((n) => n.note_id === noteId))
}

export const isPhase = (s: string): boolean => s === 'collect' || s === 'vote' || s === 'discuss' || s === 'done'
export const isNoteKind = (s: string): boolean => s === 'takeaway' || s === 'action'
export const isContinueVote = (s: string): boolean => s === 'up' || s === 'sideways' || s === 'down'

/** Blank → "title_empty" (the one "empty" reason), longer than maxLen code points → tooLong. */
export function checkText(text: string, maxLen: number, tooLong: string): string | null {
  if (isBlank(text)) return 'title_empty'
  if (codePointCount(text) > maxLen) return tooLong
  return null
}

/** A client-chosen id (card_id, note_id): a non-empty string of at most maxIdLength code points. */
export function isId(id: string | undefined): id is string {
  return id !== undefined && id.length > 0 && codePointCount(id) <= LIMITS.maxIdLength
}

/** Votes `pid` has cast and not withdrawn, over all cards. */
export function votesUsed(state: MeetingState, pid: string): number {
  let n = 0
  for (const c of state.cards) n += Object.prototype.hasOwnProperty.call(c.votes, pid) ? c.votes[pid] : 0
  return n
}

/** The effective facilitator: the pid the role was handed to, else whoever joined with the token. */
export function isFacilitator(state: MeetingState, actor: Actor): boolean {
  return state.facilitator !== null ? actor.pid === state.facilitator : actor.role === 'facilitator'
}

/** Authorship of a card: its author pid, or (anonymous cards) the seal the actor proves for it. */
export function isAuthorOf(card: Card, actor: Actor): boolean {
  if (card.author === actor.pid) return true
  if (card.seal === undefined) return false
  const seals = actor.seals
  return seals !== undefined && Object.prototype.hasOwnProperty.call(seals, card.card_id) && seals[card.card_id] === card.seal
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** A real calendar date written "YYYY-MM-DD" (proleptic Gregorian, years 0000–9999). */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])
}

/** The owner / due fields of an action item as a payload gives them (note_added, action_updated): each
 *  absent (has… false), null (clear) or a value. ok is false when one is present with another type, or
 *  due is not a date. */
export interface ActionFields {
  ok: boolean
  hasOwner: boolean
  hasDue: boolean
  owner: string | null
  due: string | null
}

export function readActionFields(data: Data): ActionFields {
  const out: ActionFields = { ok: true, hasOwner: has(data, 'owner'), hasDue: has(data, 'due'), owner: null, due: null }
  if (out.hasOwner) {
    const v = data.owner
    if (typeof v === 'string') out.owner = v
    else if (v !== null) out.ok = false
  }
  if (out.hasDue) {
    const v = data.due
    if (typeof v === 'string' && isDate(v)) out.due = v
    else if (v !== null) out.ok = false
  }
  return out
}
