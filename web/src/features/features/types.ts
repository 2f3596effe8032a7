// GET /api/analytics/features?from=&to=, as docs/views.md defines it.
export interface FeatureTypeRow {
  type: string
  count: number
  meetings: number
}

export interface FeatureDay {
  day: string
  events: number
  types: Record<string, number>
}

export interface FeatureUsage {
  from: number | null
  to: number | null
  events: number
  meetings: number
  types: FeatureTypeRow[]
  days: FeatureDay[]
}

// Dates as the date inputs give them ("2024-11-28"), empty = unbounded. The server reads a `to` date as
// the end of that day, so from = to is one whole day.
export interface DateRange {
  from: string
  to: string
}
