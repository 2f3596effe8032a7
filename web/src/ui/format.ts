export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const m = Math.floor(total / 60)
  const s = total % 60
  return `${m}:${String(s).padStart(2, '0')}`
}

export function formatTime(ts: number): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts
  return letters.map((p) => Array.from(p)[0] ?? '').join('').toUpperCase() || '?'
}

// A stable, pleasant hue per person, for avatars.
export function hueFor(key: string): number {
  let h = 0
  for (const ch of key) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360
  return h
}

const EVENT_WORDS: Record<string, string> = {
  meeting_created: 'meeting created',
  participant_joined: 'joined',
  participant_renamed: 'renamed themselves',
  meeting_renamed: 'renamed the meeting',
  settings_changed: 'changed the settings',
  phase_changed: 'changed the phase',
  card_added: 'added a card',
  card_edited: 'edited a card',
  card_deleted: 'deleted a card',
  card_merged: 'merged cards',
  card_voted: 'voted',
  vote_withdrawn: 'took back a vote',
  discussion_started: 'started a discussion',
  discussion_finished: 'finished a discussion',
  timer_started: 'started the timer',
  timer_extended: 'extended the timer',
  continue_voted: 'voted to continue or not',
  note_added: 'added a note',
  note_deleted: 'deleted a note',
  reaction: 'reacted',
}

export function describeEvent(type: string, actorName: string, data: Record<string, unknown>): string {
  const words = EVENT_WORDS[type] ?? type
  if (type === 'meeting_created') return 'Meeting created'
  if (type === 'reaction' && typeof data.emoji === 'string') return `${actorName} reacted ${data.emoji}`
  if (type === 'phase_changed' && typeof data.phase === 'string') return `${actorName} moved to ${data.phase}`
  return `${actorName || 'Someone'} ${words}`
}
