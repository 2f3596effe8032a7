// The meeting domain, client side: the same catalogue, rules and fold as server/src/domain, proven
// equal by the shared cases in conformance/. Pure functions, no React, no I/O.
export type {
  Actor,
  Card,
  CardStatus,
  ContinueVote,
  Discussion,
  MeetingEvent,
  MeetingState,
  MergedCard,
  Note,
  NoteKind,
  Phase,
  ReplayClass,
  Role,
  Settings,
  Timer,
  Who,
} from './types'
export { CATALOGUE, EMOJI, LIMITS } from './catalogue'
export type { EventSpec } from './catalogue'
export { apply, fold, initialState } from './apply'
export { restoreState } from './restore'
export { validate } from './validate'
export { isAuthorOf, isDate, isFacilitator, votesUsed } from './lookup'
export { ANONYMOUS, toStore } from './store'
export type { Stored } from './store'
export { codePointCount, isBlank } from './text'
