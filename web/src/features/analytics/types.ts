// GET /api/meetings/ID/analytics, as docs/views.md defines it.
export interface Sentiment {
  positive: number
  neutral: number
  negative: number
  mean: number | null
}

export interface AnalyticsItem {
  card_id: string
  title: string
  author_pid: string
  state: 'active' | 'merged' | 'deleted' | string
  merged_into?: string
  votes: number
  discussed_ms: number
  times_discussed: number
  discussion_order: number | null
  discussing: boolean
  outcome: string | null
  reactions: Record<string, number>
  sentiment: Sentiment
  continue_votes: { up: number; sideways: number; down: number }
  notes: { takeaways: number; actions: number }
}

export interface Participation {
  pid: string
  name: string
  cards: number
  votes: number
  notes: number
  reactions: number
  continue_votes: number
  events: number
}

export interface AnalyticsTotals {
  first_ts: number | null
  last_ts: number | null
  duration_ms: number
  events: number
  items: number
  items_discussed: number
  discussed_ms: number
  votes: number
  participants: number
  reactions: number
  reactions_by_emoji: Record<string, number>
  unattributed_reactions: number
  sentiment: Sentiment
}

export interface MeetingAnalytics {
  meeting_id: string
  title: string
  phase: string
  head_seq: number
  items: AnalyticsItem[]
  participation: Participation[]
  totals: AnalyticsTotals
}
