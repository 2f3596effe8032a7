// The event catalogue of CONTRACT §2, the same as server/src/domain/catalogue.cpp.
import type { ReplayClass, Who } from './types'

export interface EventSpec {
  replay: ReplayClass
  serverOnly: boolean
  who: Who
}

const spec = (replay: ReplayClass, who: Who): EventSpec => ({ replay, serverOnly: who === 'server', who })

export const CATALOGUE: Record<string, EventSpec> = {
  meeting_created: spec('state', 'server'),
  participant_joined: spec('state', 'server'),
  participant_renamed: spec('state', 'self'),
  meeting_renamed: spec('state', 'facilitator'),
  settings_changed: spec('state', 'facilitator'),
  phase_changed: spec('state', 'facilitator'),
  // Also a token holder (role facilitator) may push it: the owner takes the role back.
  facilitator_changed: spec('state', 'facilitator'),
  card_added: spec('state', 'any'),
  card_edited: spec('state', 'author'),
  card_deleted: spec('state', 'author'),
  card_merged: spec('state', 'author'),
  card_voted: spec('state', 'any'),
  vote_withdrawn: spec('state', 'any'),
  discussion_started: spec('state', 'facilitator'),
  discussion_finished: spec('state', 'facilitator'),
  timer_started: spec('state', 'facilitator'),
  timer_extended: spec('state', 'facilitator'),
  continue_voted: spec('state', 'any'),
  note_added: spec('state', 'any'),
  note_deleted: spec('state', 'author'),
  action_updated: spec('state', 'any'),
  reaction: spec('moment', 'any'),
  typing: spec('transient', 'any'),
}

/** The fixed reaction set → sentiment score. ❤️ is U+2764 U+FE0F, as keyboards send it. */
export const EMOJI: Record<string, number> = {
  '\u{1F44D}': 1, // 👍
  '\u{1F44F}': 1, // 👏
  '\u{1F389}': 1, // 🎉
  '\u2764\uFE0F': 1, // ❤️
  '\u{1F525}': 1, // 🔥
  '\u{1F602}': 1, // 😂
  '\u{1F914}': 0, // 🤔
  '\u{1F62E}': 0, // 😮
  '\u{1F44E}': -1, // 👎
  '\u{1F622}': -1, // 😢
}

export function catalogueEntry(type: string): EventSpec | undefined {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, type) ? CATALOGUE[type] : undefined
}

// Limits of CONTRACT §2 and issue 3; lengths count Unicode code points.
export const LIMITS = {
  maxCards: 500,
  maxTitleLength: 140,
  maxNoteLength: 500,
  maxNameLength: 40,
  maxIdLength: 64,
  votesPerPerson: [1, 20],
  timeboxS: [30, 3600],
  timerS: [10, 3600],
} as const
