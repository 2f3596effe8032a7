// An audit answer in the documented shape (docs/views.md), optionally filtered by actor pid and type.
import type { AuditLog, AuditRow } from './types'

const ROWS: AuditRow[] = [
  { seq: 1, ts: '2024-11-28T05:00:00.000Z', ts_ms: 1732770000000, actor_pid: 'system', actor: 'Confab', type: 'meeting_created',
    summary: "Confab created the meeting 'Retro #7' (3 votes per person, 5:00 per topic)" },
  { seq: 2, ts: '2024-11-28T05:00:05.000Z', ts_ms: 1732770005000, actor_pid: 'p1', actor: 'Ada', type: 'participant_joined', summary: 'Ada joined' },
  { seq: 3, ts: '2024-11-28T05:00:30.000Z', ts_ms: 1732770030000, actor_pid: 'p1', actor: 'Ada', type: 'card_added', summary: "Ada added 'Why are builds slow?'" },
  { seq: 4, ts: '2024-11-28T05:01:00.000Z', ts_ms: 1732770060000, actor_pid: 'p2', actor: 'Bob', type: 'card_voted', summary: "Bob voted for 'Why are builds slow?'" },
]

export function auditFixture(actorPid?: string, type?: string): AuditLog {
  const events = ROWS.filter((r) => (!actorPid || r.actor_pid === actorPid) && (!type || r.type === type))
  return { meeting_id: 'm1', count: events.length, events }
}
