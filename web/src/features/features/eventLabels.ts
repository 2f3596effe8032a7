// Event types in words for people ("Cards added", not card_added). `one` is word for word the server's
// label of an audit row (server/src/views/event_labels.cpp); `many` is the counted form for usage tables.
export const EVENT_LABELS: Record<string, { one: string; many: string }> = {
  meeting_created: { one: 'Meeting created', many: 'Meetings created' },
  participant_joined: { one: 'Joined', many: 'Joins' },
  participant_renamed: { one: 'Renamed self', many: 'Self-renames' },
  meeting_renamed: { one: 'Meeting renamed', many: 'Meetings renamed' },
  settings_changed: { one: 'Settings changed', many: 'Settings changes' },
  facilitator_changed: { one: 'Facilitator handed over', many: 'Facilitator hand-overs' },
  phase_changed: { one: 'Phase changed', many: 'Phase changes' },
  card_added: { one: 'Card added', many: 'Cards added' },
  card_edited: { one: 'Card edited', many: 'Cards edited' },
  card_deleted: { one: 'Card deleted', many: 'Cards deleted' },
  card_merged: { one: 'Cards merged', many: 'Card merges' },
  card_voted: { one: 'Vote', many: 'Votes' },
  vote_withdrawn: { one: 'Vote withdrawn', many: 'Votes withdrawn' },
  discussion_started: { one: 'Discussion started', many: 'Discussions started' },
  discussion_finished: { one: 'Discussion finished', many: 'Discussions finished' },
  timer_started: { one: 'Timer started', many: 'Timers started' },
  timer_extended: { one: 'Timer extended', many: 'Timers extended' },
  continue_voted: { one: 'Keep-going vote', many: 'Keep-going votes' },
  note_added: { one: 'Note added', many: 'Notes added' },
  note_deleted: { one: 'Note deleted', many: 'Notes deleted' },
  action_updated: { one: 'Action item updated', many: 'Action items updated' },
  reaction: { one: 'Reaction', many: 'Reactions' },
  typing: { one: 'Typing', many: 'Typing hints' },
}

// A type this code does not know yet still reads as words: "some_type" → "Some type".
function fallback(type: string): string {
  const words = type.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export function eventLabel(type: string, count: 'one' | 'many' = 'many'): string {
  return EVENT_LABELS[type]?.[count] ?? fallback(type)
}
