// The canonical meeting state (docs/domain.md): exactly the JSON the C++ domain's ToJson emits.

export type ReplayClass = 'state' | 'moment' | 'transient'
export type Role = 'facilitator' | 'participant'
export type Phase = 'collect' | 'vote' | 'discuss' | 'done'
export type CardStatus = 'todo' | 'discussing' | 'done' | 'parked'
export type NoteKind = 'takeaway' | 'action'
export type ContinueVote = 'up' | 'sideways' | 'down'
export type Who = 'any' | 'facilitator' | 'author' | 'self' | 'server'

export interface Actor {
  pid: string
  name: string
  role: Role
  /** card_id → the seal this actor can prove (anonymous cards, docs/domain.md); filled by the server */
  seals?: Record<string, string>
}

/** A stored event (seq absent on transient events). */
export interface MeetingEvent {
  seq?: number
  id: string
  type: string
  actor: { pid: string; name: string }
  ts: number
  data: Record<string, unknown>
}

export interface Note {
  note_id: string
  text: string
  kind: NoteKind
  author: string
  /** action items only: the participant who owns it (absent = nobody yet) */
  owner?: string
  /** action items only: due date "YYYY-MM-DD" (absent = none) */
  due?: string
}

export interface Card {
  card_id: string
  title: string
  author: string
  status: CardStatus
  /** pid → votes (> 0); a pid without votes has no key */
  votes: Record<string, number>
  discussed_ms: number
  notes: Note[]
  /** present (true) only on a card added while settings.anonymous_cards was on; its author is then "anonymous" */
  anonymous?: true
  /** anonymous cards only: proves authorship to the author's secret, reveals nothing to others */
  seal?: string
  /** present only when non-empty: the cards merged into this one (each absorbed card, then what it had
   *  absorbed), with their title and author ("anonymous" for an anonymous card) as they were */
  merged?: MergedCard[]
}

/** A card absorbed by card_merged, as the kept card remembers it. */
export interface MergedCard {
  card_id: string
  title: string
  author: string
}

export interface Timer {
  seconds: number
  started_ts: number
  ends_ts: number
}

export interface Discussion {
  card_id: string
  started_ts: number
  timer: Timer | null
  continue_votes: Record<string, ContinueVote>
}

export interface Settings {
  votes_per_person: number
  timebox_s: number
  anonymous_votes: boolean
  /** new cards are written anonymously (docs/domain.md § Anonymous cards) */
  anonymous_cards: boolean
  /** a display setting: vote totals hidden until the vote phase ends */
  hide_totals: boolean
}

export interface MeetingState {
  title: string
  phase: Phase
  created_ts: number
  settings: Settings
  participants: Record<string, { name: string }>
  /** the pid the facilitator role was handed to, or null: then whoever joined with the facilitator token */
  facilitator: string | null
  /** creation order */
  cards: Card[]
  discussion: Discussion | null
  last_seq: number
  last_ts: number
}
