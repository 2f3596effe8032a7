// GET /api/meetings/ID/summary: the summary.md content as JSON (docs/views.md § Summary).
export interface SummaryTopic {
  card_id: string
  title: string
  votes: number
  discussed_ms: number
  /** done | parked | in discussion | not finished | not discussed */
  outcome: string
  takeaways: { text: string; author: string }[]
}

export interface SummaryAction {
  card_id: string
  note_id: string
  topic: string
  text: string
  author: string
  owner_pid: string | null
  owner: string | null
  due: string | null
}

export interface MeetingSummary {
  meeting_id: string
  title: string
  phase: string
  last_seq: number
  start_ts: number
  end_ts: number
  duration_ms: number
  participants: string[]
  /** who held the facilitator role, in order, once it was handed over (empty when never) */
  facilitators?: string[]
  mood: { positive: number; neutral: number; negative: number; mean: number | null; reactions: number; text: string }
  discussed: SummaryTopic[]
  parked: SummaryTopic[]
  not_discussed: SummaryTopic[]
  actions: SummaryAction[]
}
