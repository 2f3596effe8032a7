// GET /api/meetings/ID/audit?format=json, as docs/views.md defines it.
export interface AuditRow {
  seq: number
  ts: string
  ts_ms: number
  actor_pid: string
  actor: string
  type: string
  /** the type in words ("Card added"; "Parked" for a parked topic); absent from older servers */
  label?: string
  summary: string
}

export interface AuditLog {
  meeting_id: string
  count: number
  events: AuditRow[]
}

// Empty string = no filter.
export interface AuditFilters {
  actor: string
  type: string
}
