// The Done screen, shown instead of the board once the meeting is done: topics with their outcomes and
// time, action items with owners and due dates (editable), and the reaction mood — the server's summary
// (GET …/summary), with the Markdown (GET …/summary.md) to download or copy exactly as the server wrote it.
// The facilitator reopens the meeting from the phase bar.
import { useEffect } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { formatDuration, plural } from '../analytics/format'
import { ActionsList } from './ActionsList'
import { summaryMarkdownUrl } from './summarySaga'
import { copyRequested, summaryClosed, summaryOpened, summaryRequested } from './summarySlice'
import type { MeetingSummary, SummaryTopic } from './types'
import './summary.css'

// Whole seconds, cut as summary.md cuts them (mm:ss of the floor), so screen and file agree.
const asInSummary = (ms: number) => formatDuration(Math.floor(Math.max(0, ms) / 1000) * 1000)

export function DoneScreen({ meetingId }: { meetingId: string }) {
  const dispatch = useAppDispatch()
  const { data, markdown, status, error, copy } = useAppSelector((s) => s.summary)
  useEffect(() => {
    dispatch(summaryOpened({ meetingId }))
    return () => void dispatch(summaryClosed())
  }, [dispatch, meetingId])
  const current = data && data.meeting_id === meetingId ? data : null

  return (
    <section className="done-screen" aria-labelledby="done-heading">
      <div className="done-head card-surface">
        <h2 id="done-heading">Meeting done</h2>
        {current && <Overview data={current} />}
        <div className="done-buttons">
          <a className="button secondary download-link" href={summaryMarkdownUrl(meetingId)} download={`confab-summary-${meetingId}.md`}>
            Download Markdown
          </a>
          <button type="button" className="secondary" disabled={markdown === null} onClick={() => dispatch(copyRequested())}>
            Copy Markdown
          </button>
          <span role="status" className="muted small-text">
            {copy === 'copied' ? 'Summary copied.' : copy === 'failed' ? 'Could not copy: use Download Markdown.' : ''}
          </span>
        </div>
      </div>
      {status === 'failed' && (
        <div className="views-error" role="alert">
          <p>Could not load the summary: {describeReason(error ?? 'unavailable')}</p>
          <button type="button" className="secondary" onClick={() => dispatch(summaryRequested())}>
            Try again
          </button>
        </div>
      )}
      {!current && status !== 'failed' && (
        <p className="muted" role="status">
          Loading the summary…
        </p>
      )}
      {current && <Topics data={current} />}
      <ActionsList />
      {current && <Mood data={current} />}
      {markdown !== null && (
        <details className="card-surface done-markdown">
          <summary>Summary as Markdown</summary>
          <pre data-testid="summary-markdown">{markdown}</pre>
        </details>
      )}
    </section>
  )
}

function Overview({ data }: { data: MeetingSummary }) {
  const held = data.facilitators ?? []
  return (
    <p className="muted">
      {asInSummary(data.duration_ms)} · {plural(data.participants.length, 'participant')}
      {data.participants.length > 0 ? `: ${data.participants.join(', ')}` : ''}
      {held.length > 0 ? ` · facilitated by ${held.join(', then ')}` : ''}
    </p>
  )
}

function Topics({ data }: { data: MeetingSummary }) {
  const rows: SummaryTopic[] = [...data.discussed, ...data.parked, ...data.not_discussed]
  return (
    <section className="card-surface done-section" aria-labelledby="done-topics-heading">
      <h3 id="done-topics-heading">Topics</h3>
      {rows.length === 0 ? (
        <p className="muted">No topics.</p>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby="done-topics-caption" tabIndex={0}>
          <table className="views-table done-topics">
            <caption id="done-topics-caption" className="visually-hidden">
              Topics: {data.discussed.length} discussed, {data.parked.length} parked, {data.not_discussed.length} not discussed
            </caption>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Outcome</th>
                <th scope="col" className="num">
                  Time
                </th>
                <th scope="col" className="num">
                  Votes
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.card_id} data-card={t.card_id} className={`outcome-${t.outcome.replace(/ /g, '-')}`}>
                  <th scope="row" className="topic-cell">
                    {t.title}
                    {t.takeaways.length > 0 && (
                      <ul className="done-takeaways">
                        {t.takeaways.map((k, i) => (
                          <li key={i}>
                            {k.text} <span className="muted small-text">— {k.author}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </th>
                  <td>{t.outcome}</td>
                  <td className="num">{t.outcome === 'not discussed' ? '–' : asInSummary(t.discussed_ms)}</td>
                  <td className="num">{t.votes}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function Mood({ data }: { data: MeetingSummary }) {
  const { mood } = data
  return (
    <section className="card-surface done-section" aria-labelledby="done-mood-heading">
      <h3 id="done-mood-heading">Mood</h3>
      <p>
        <strong>{mood.text}</strong>
        {mood.reactions > 0 &&
          ` from ${plural(mood.reactions, 'reaction')}: ${mood.positive} positive, ${mood.neutral} neutral, ${mood.negative} negative`}
      </p>
    </section>
  )
}
