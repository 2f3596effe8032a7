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
  /** topics on the board: cards neither deleted nor merged away */
  items: number
  /** every card ever added */
  items_added?: number
  items_discussed: number
  discussed_ms: number
  votes: number
  participants: number
  reactions: number
  reactions_by_emoji: Record<string, number>
  unattributed_reactions: number
  sentiment: Sentiment
}

/** Reactions within one minute of the meeting (minute 0 starts at mood.start_ts). */
export interface MoodMinute {
  minute: number
  ts: number
  reactions: number
  scored: number
  sum: number
  mean: number | null
  positive: number
  neutral: number
  negative: number
}

/** One discussion span, marked on the mood chart. */
export interface MoodTopic {
  card_id: string
  title: string
  start_ts: number
  end_ts: number
  running: boolean
}

export interface Mood {
  minute_ms: number
  start_ts: number
  /** only minutes with reactions, in order */
  minutes: MoodMinute[]
  topics: MoodTopic[]
}

export interface MeetingAnalytics {
  meeting_id: string
  title: string
  phase: string
  head_seq: number
  /** the seq the answer is folded up to (= head_seq) */
  last_seq?: number
  items: AnalyticsItem[]
  participation: Participation[]
  /** card_id → emoji → count, only reactions that name the card (the board's badges) */
  reactions_by_card?: Record<string, Record<string, number>>
  mood?: Mood
  totals: AnalyticsTotals
}
