import { describe, expect, it } from 'vitest'
import { describeReason } from './reasons'

// CONTRACT.md §2, every error reason.
const CONTRACT_REASONS = [
  'unknown_type', 'invalid_payload', 'not_joined', 'not_facilitator', 'not_author', 'wrong_phase', 'no_such_card',
  'duplicate_id', 'title_empty', 'title_too_long', 'text_too_long', 'no_votes_left', 'no_vote_to_withdraw',
  'same_card', 'discussion_in_progress', 'no_discussion', 'no_timer', 'too_many_cards', 'rate_limited',
  'message_too_large', 'bad_credentials', 'not_found', 'unavailable',
]

describe('describeReason', () => {
  it.each(CONTRACT_REASONS)('has a sentence for %s', (code) => {
    const text = describeReason(code)
    expect(text).not.toContain(code)
    expect(text).toMatch(/^[A-Z].*\.$/)
  })
  // The quota reasons (docs/protocol.md § Limits, docs/http-api.md: 429 rate_limited).
  it.each(['meeting_full', 'rate_limited'])('has a sentence for the quota reason %s', (code) => {
    expect(describeReason(code)).not.toContain(code)
  })
  it('falls back to showing an unknown code', () => {
    expect(describeReason('brand_new')).toContain('brand_new')
  })
})
