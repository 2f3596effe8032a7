// Every error reason of CONTRACT §2 in words a participant understands.
const REASONS: Record<string, string> = {
  unknown_type: 'The server does not know that action.',
  invalid_payload: 'That request was malformed and was not applied.',
  not_joined: 'You are not part of this meeting (yet). Try reloading the page.',
  not_facilitator: 'Only the facilitator can do that.',
  not_author: 'Only the author of that item (or the facilitator) can change it.',
  wrong_phase: 'That is not possible in the current phase of the meeting.',
  no_such_card: 'That card no longer exists.',
  duplicate_id: 'That item already exists.',
  title_empty: 'A title cannot be empty.',
  title_too_long: 'That title is too long (140 characters at most; names 40).',
  text_too_long: 'That text is too long (500 characters at most).',
  no_votes_left: 'You have used all your votes.',
  no_vote_to_withdraw: 'You have no vote on that card to take back.',
  same_card: 'A card cannot be merged into itself.',
  discussion_in_progress: 'Another topic is being discussed; finish it first.',
  no_discussion: 'No topic is being discussed right now.',
  no_timer: 'No timer is running for this topic.',
  too_many_cards: 'This meeting has reached its limit of 500 cards.',
  rate_limited: 'You are going a little fast; please wait a moment and try again.',
  // Quotas (docs/protocol.md § Limits): a join that would add a participant to a full meeting.
  meeting_full: 'This meeting is full: it has as many participants as it can take.',
  message_too_large: 'That message is too large to send.',
  bad_credentials: 'Your saved identity for this meeting was not accepted.',
  not_found: 'This meeting does not exist (check the link).',
  unavailable: 'The server could not save that just now; nothing was changed. Please try again.',
  // Said only after several unanswered tries while CONNECTED (a click made offline waits for the
  // connection instead, pushSaga.ts); a repeat carries the same id, so it can never be applied twice.
  timeout: 'The server did not answer, even after several tries. Check the board and try again if your change is missing.',
  no_such_participant: 'That person is not part of this meeting.',
  // Client-side: a join reply this app could not read (features/meeting/meetingSaga.ts).
  invalid_reply: 'The server sent a meeting this app could not read. Try reloading the page.',
}

export const KNOWN_REASONS = Object.keys(REASONS)

export function describeReason(reason: string): string {
  return REASONS[reason] ?? `The server refused that (${reason}).`
}
