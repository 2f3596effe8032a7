// The Audit tab: every durable event of the meeting as one line, filterable by person and type, with
// CSV and Markdown-summary downloads. Wording comes from the server (GET …/audit), not from here.
import { useEffect, useMemo } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { CATALOGUE } from '../../domain'
import { describeReason } from '../../lib/reasons'
import { selectLiveState } from '../meeting/selectors'
import { plural } from '../analytics/format'
import { eventLabel } from '../features/eventLabels'
import { auditClosed, auditFiltersChanged, auditOpened, auditRequested } from './auditSlice'
import { auditUrl, summaryUrl } from './auditSaga'
import type { AuditFilters, AuditRow } from './types'
import '../analytics/views.css'

// Types a person can filter by: everything that is stored (typing hints never are).
export const AUDIT_TYPES = Object.keys(CATALOGUE).filter((t) => CATALOGUE[t].replay !== 'transient')

export function AuditView({ meetingId }: { meetingId: string }) {
  const dispatch = useAppDispatch()
  const { data, dataFilters, filters, status, error } = useAppSelector((s) => s.audit)
  const participants = useAppSelector((s) => selectLiveState(s).participants)
  useEffect(() => {
    dispatch(auditOpened({ meetingId }))
    return () => void dispatch(auditClosed())
  }, [dispatch, meetingId])

  // People of the meeting (latest names) plus anyone the log names who is not in it, e.g. the server.
  const people = useMemo(() => {
    const byPid = new Map<string, string>([['system', 'Confab']])
    for (const [pid, p] of Object.entries(participants)) byPid.set(pid, p.name)
    for (const row of data?.events ?? []) if (!byPid.has(row.actor_pid)) byPid.set(row.actor_pid, row.actor)
    return [...byPid].map(([pid, name]) => ({ pid, name }))
  }, [participants, data])

  const current = data && data.meeting_id === meetingId ? data : null
  return (
    <div className="views-panel" aria-busy={status === 'loading'}>
      <h2 className="visually-hidden">Audit</h2>
      <section className="card-surface views-section" aria-label="Filters and downloads">
        <div className="views-filters">
          <label className="field">
            <span>Person</span>
            <select value={filters.actor} onChange={(e) => dispatch(auditFiltersChanged({ actor: e.target.value }))}>
              <option value="">Everyone</option>
              {people.map((p) => (
                <option key={p.pid} value={p.pid}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Event type</span>
            <select value={filters.type} onChange={(e) => dispatch(auditFiltersChanged({ type: e.target.value }))}>
              <option value="">All types</option>
              {AUDIT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {eventLabel(t, 'one')}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="views-links">
          <a className="download-link" href={auditUrl(meetingId, 'csv', filters)} download={`confab-audit-${meetingId}.csv`}>
            Download CSV
          </a>
          <a className="download-link" href={summaryUrl(meetingId)} download={`confab-summary-${meetingId}.md`}>
            Download summary
          </a>
        </p>
      </section>

      {status === 'failed' && (
        <div className="views-error" role="alert">
          <p>Could not load the audit log: {describeReason(error ?? 'unavailable')}</p>
          <button type="button" className="secondary" onClick={() => dispatch(auditRequested())}>
            Try again
          </button>
        </div>
      )}
      {!current && status !== 'failed' && (
        <p className="muted" role="status">
          Loading the audit log…
        </p>
      )}
      {current && <AuditTable rows={current.events} filters={dataFilters ?? filters} people={people} />}
    </div>
  )
}

function describeFilters(filters: AuditFilters, people: { pid: string; name: string }[]): string {
  const parts: string[] = []
  if (filters.actor) parts.push(`by ${people.find((p) => p.pid === filters.actor)?.name ?? filters.actor}`)
  if (filters.type) parts.push(`of type “${eventLabel(filters.type, 'one')}”`)
  return parts.length ? ` ${parts.join(', ')}` : ''
}

function AuditTable({ rows, filters, people }: { rows: AuditRow[]; filters: AuditFilters; people: { pid: string; name: string }[] }) {
  const caption = `Audit log: ${plural(rows.length, 'event')}${describeFilters(filters, people)}`
  return (
    <section className="card-surface views-section" aria-label="Audit log">
      <p className="visually-hidden" role="status">
        {caption}
      </p>
      <div className="table-scroll" role="region" aria-labelledby="audit-caption" tabIndex={0}>
        <table className="views-table audit-table">
          <caption id="audit-caption">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Summary</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.seq}>
                <td className="num">{r.seq}</td>
                <td className="nowrap">
                  <time dateTime={r.ts} title={r.ts}>
                    {new Date(r.ts_ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}
                  </time>
                </td>
                <td>{r.actor}</td>
                {/* The server's label: the type in words, "Parked" for a parked topic. */}
                <td title={r.type} data-type={r.type}>
                  {r.label ?? eventLabel(r.type, 'one')}
                </td>
                <td className="summary-cell">{r.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
