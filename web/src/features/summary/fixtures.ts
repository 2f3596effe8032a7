// A summary answer in the documented shape (docs/views.md § Summary), matching closingLog() below.
import type { MeetingEvent } from '../../domain'
import { ev, sampleLog } from '../../test/fakes'
import type { MeetingSummary } from './types'

export const SUMMARY_MD = '# Retro\n\n- Date: …\n\n## Action items\n\n- [ ] Fix CI — owner: Bob, due 2024-12-05 (topic: Tests; added by Ada)\n'

export function summaryFixture(overrides: Partial<MeetingSummary> = {}): MeetingSummary {
  return {
    meeting_id: 'm1',
    title: 'Retro',
    phase: 'done',
    last_seq: 14,
    start_ts: 1_001_000,
    end_ts: 1_601_000,
    duration_ms: 600_000,
    participants: ['Ada', 'Bob'],
    facilitators: ['Ada', 'Bob'],
    mood: { positive: 2, neutral: 0, negative: 1, mean: 1 / 3, reactions: 3, text: '+0.33 (mostly positive)' },
    discussed: [
      { card_id: 'k2', title: 'Tests', votes: 1, discussed_ms: 120_000, outcome: 'done', takeaways: [{ text: 'Flaky', author: 'Bob' }] },
    ],
    parked: [{ card_id: 'k1', title: 'Builds', votes: 0, discussed_ms: 30_999, outcome: 'parked', takeaways: [] }],
    not_discussed: [],
    actions: [
      { card_id: 'k2', note_id: 'n1', topic: 'Tests', text: 'Fix CI', author: 'Ada', owner_pid: 'p2', owner: 'Bob', due: '2024-12-05' },
    ],
    ...overrides,
  }
}

// sampleLog() taken on to the discuss phase, with two action items on "Tests" (one owned, one not).
export function closingLog(): MeetingEvent[] {
  return [
    ...sampleLog(),
    ev(8, 'phase_changed', { phase: 'discuss' }, 'p1', 'Ada'),
    ev(9, 'discussion_started', { card_id: 'k2' }, 'p1', 'Ada'),
    ev(10, 'note_added', { card_id: 'k2', note_id: 'n1', text: 'Fix CI', kind: 'action', owner: 'p2', due: '2024-12-05' }, 'p1', 'Ada'),
    ev(11, 'note_added', { card_id: 'k2', note_id: 'n2', text: 'Write it down', kind: 'action' }, 'p2', 'Bob'),
    ev(12, 'note_added', { card_id: 'k2', note_id: 'n3', text: 'Flaky', kind: 'takeaway' }, 'p2', 'Bob'),
  ]
}
