// A feature-usage answer in the documented shape (docs/views.md).
import type { FeatureUsage } from './types'

export function featuresFixture(): FeatureUsage {
  return {
    from: null,
    to: null,
    events: 8,
    meetings: 2,
    types: [
      { type: 'card_added', count: 3, meetings: 2 },
      { type: 'meeting_created', count: 2, meetings: 2 },
      { type: 'card_voted', count: 2, meetings: 1 },
      { type: 'reaction', count: 1, meetings: 1 },
    ],
    days: [
      { day: '2024-11-28', events: 3, types: { card_added: 2, meeting_created: 1 } },
      { day: '2024-11-29', events: 5, types: { card_added: 1, meeting_created: 1, card_voted: 2, reaction: 1 } },
    ],
  }
}
