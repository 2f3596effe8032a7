// Lookups shared by validate and apply (server/src/domain/lookup.cpp).
import { LIMITS } from './catalogue'
import { codePointCount, isBlank } from './text'
import type { Card, MeetingState } from './types'

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
