// The Analytics tab: totals, time per topic, reaction sentiment, participation. Numbers come from
// GET /api/meetings/ID/analytics (the server's fold of the log); nothing is computed here but labels.
import { useEffect } from 'react'
import { Bar } from 'react-chartjs-2'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { analyticsClosed, analyticsOpened, analyticsRequested } from './analyticsSlice'
import { ChartFigure, chartHeight } from './ChartFigure'
import { barOptions, chartColors } from './chartSetup'
import { formatDuration, formatMood, minutes, plural } from './format'
import { MoodChart } from './MoodChart'
import type { AnalyticsItem, MeetingAnalytics } from './types'
import './views.css'

export function AnalyticsView({ meetingId }: { meetingId: string }) {
  const dispatch = useAppDispatch()
  const { data, status, error } = useAppSelector((s) => s.analytics)
  useEffect(() => {
    dispatch(analyticsOpened({ meetingId }))
    return () => void dispatch(analyticsClosed())
  }, [dispatch, meetingId])

  const current = data && data.meeting_id === meetingId ? data : null
  return (
    <div className="views-panel" aria-busy={status === 'loading'}>
      <h2 className="visually-hidden">Analytics</h2>
      {status === 'failed' && (
        <div className="views-error" role="alert">
          <p>Could not load the analytics: {describeReason(error ?? 'unavailable')}</p>
          <button type="button" className="secondary" onClick={() => dispatch(analyticsRequested())}>
            Try again
          </button>
        </div>
      )}
      {!current && status !== 'failed' && (
        <p className="muted" role="status">
          Loading analytics…
        </p>
      )}
      {current && <AnalyticsBody data={current} />}
    </div>
  )
}

export function outcomeOf(item: AnalyticsItem): string {
  if (item.discussing) return 'in discussion'
  if (item.times_discussed === 0) return 'not discussed'
  return item.outcome ?? 'not finished'
}

function AnalyticsBody({ data }: { data: MeetingAnalytics }) {
  const colors = chartColors()
  const { totals } = data
  // Cards merged away or deleted have nothing to show unless they were talked about.
  const items = data.items.filter((i) => i.state === 'active' || i.discussed_ms > 0)
  const labels = items.map((i) => i.title)
  const discussed = items.filter((i) => i.discussed_ms > 0).sort((a, b) => b.discussed_ms - a.discussed_ms)
  const people = data.participation
  // Short meetings read better in seconds than in fractions of a minute.
  const inSeconds = Math.max(0, ...items.map((i) => i.discussed_ms)) < 120_000
  const timeValue = (ms: number) => (inSeconds ? Math.round(ms / 1000) : minutes(ms))

  return (
    <>
      <section aria-label="Totals">
      <dl className="stat-tiles">
        <Stat label="Duration" value={formatDuration(totals.duration_ms)} />
        <Stat label="Topics discussed" value={`${totals.items_discussed} of ${totals.items}`} />
        <Stat label="Time discussing" value={formatDuration(totals.discussed_ms)} />
        <Stat label="Votes" value={String(totals.votes)} />
        <Stat label="People" value={String(totals.participants)} />
        <Stat label="Reactions" value={String(totals.reactions)} />
        <Stat label="Meeting mood" value={formatMood(totals.sentiment.mean)} />
        <Stat label="Events" value={String(totals.events)} />
      </dl>
      </section>

      <section className="card-surface views-section" aria-labelledby="topics-heading">
        <h3 id="topics-heading">Topics</h3>
        {items.length === 0 ? (
          <p className="muted">No topics yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-labelledby="topics-caption" tabIndex={0}>
            <table className="views-table">
              <caption id="topics-caption">Topics in the order they were added</caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" className="num">
                    Votes
                  </th>
                  <th scope="col" className="num">
                    Time
                  </th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Mood</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.card_id} data-card={i.card_id}>
                    <th scope="row" className="topic-cell">
                      {i.title}
                    </th>
                    <td className="num">{i.votes}</td>
                    <td className="num">{i.discussed_ms > 0 || i.times_discussed > 0 ? formatDuration(i.discussed_ms) : '–'}</td>
                    <td>{outcomeOf(i)}</td>
                    <td>{formatMood(i.sentiment.mean)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="chart-grid">
        <ChartFigure
          title="Time spent per topic"
          height={chartHeight(Math.max(1, items.length))}
          empty={discussed.length === 0 ? 'Nothing discussed yet.' : undefined}
          table={{
            caption: 'Time spent per topic',
            columns: ['Topic', 'Time', 'Times discussed'],
            rows: items.map((i) => [i.title, formatDuration(i.discussed_ms), i.times_discussed]),
          }}
        >
          <Bar
            role="img"
            aria-label={
              discussed.length === 0
                ? 'Time spent per topic: nothing discussed yet.'
                : `Time spent per topic, in ${inSeconds ? 'seconds' : 'minutes'}. ${discussed.map((i) => `${i.title}: ${formatDuration(i.discussed_ms)}`).join('; ')}.`
            }
            data={{
              labels,
              datasets: [
                {
                  label: inSeconds ? 'Seconds' : 'Minutes',
                  data: items.map((i) => timeValue(i.discussed_ms)),
                  backgroundColor: colors.accent,
                  borderRadius: 4,
                },
              ],
            }}
            options={{ ...barOptions(colors, { horizontal: true, unit: inSeconds ? 'seconds' : 'minutes' }), plugins: { legend: { display: false } } }}
          />
        </ChartFigure>

        <ChartFigure
          title="Reactions per topic"
          height={chartHeight(Math.max(1, items.length))}
          empty={items.some((i) => i.sentiment.positive + i.sentiment.neutral + i.sentiment.negative > 0) ? undefined : 'No reactions on topics yet.'}
          table={{
            caption: `Reactions per topic by sentiment; meeting mood ${formatMood(totals.sentiment.mean)}`,
            columns: ['Topic', 'Positive', 'Neutral', 'Negative', 'Mood'],
            rows: [
              ...items.map((i) => [i.title, i.sentiment.positive, i.sentiment.neutral, i.sentiment.negative, formatMood(i.sentiment.mean)]),
              [
                'Whole meeting',
                totals.sentiment.positive,
                totals.sentiment.neutral,
                totals.sentiment.negative,
                formatMood(totals.sentiment.mean),
              ],
            ],
          }}
        >
          <Bar
            role="img"
            aria-label={`Reactions per topic, positive, neutral and negative. Meeting mood ${formatMood(totals.sentiment.mean)} from ${plural(
              totals.reactions,
              'reaction',
            )}.`}
            data={{
              labels,
              datasets: [
                { label: 'Positive', data: items.map((i) => i.sentiment.positive), backgroundColor: colors.positive },
                { label: 'Neutral', data: items.map((i) => i.sentiment.neutral), backgroundColor: colors.neutral },
                { label: 'Negative', data: items.map((i) => i.sentiment.negative), backgroundColor: colors.negative },
              ],
            }}
            options={barOptions(colors, { horizontal: true, stacked: true, unit: 'reactions' })}
          />
        </ChartFigure>
        <p className="chart-note muted small-text">
          Meeting mood {formatMood(totals.sentiment.mean)}: {totals.sentiment.positive} positive, {totals.sentiment.neutral} neutral,{' '}
          {totals.sentiment.negative} negative
          {totals.unattributed_reactions > 0 ? `; ${plural(totals.unattributed_reactions, 'reaction')} outside any topic` : ''}.
        </p>

        <MoodChart mood={data.mood} />

        <ChartFigure
          title="Participation"
          height={chartHeight(Math.max(1, people.length) * 2)}
          empty={people.length === 0 ? 'Nobody has taken part yet.' : undefined}
          table={{
            caption: 'What each person did',
            columns: ['Person', 'Cards', 'Votes', 'Notes', 'Reactions'],
            rows: people.map((p) => [p.name, p.cards, p.votes, p.notes, p.reactions]),
          }}
        >
          <Bar
            role="img"
            aria-label={
              people.length === 0
                ? 'Participation: nobody has done anything yet.'
                : `Participation per person. ${people
                    .map((p) => `${p.name}: ${plural(p.cards, 'card')}, ${plural(p.votes, 'vote')}, ${plural(p.notes, 'note')}, ${plural(p.reactions, 'reaction')}`)
                    .join('; ')}.`
            }
            data={{
              labels: people.map((p) => p.name),
              datasets: (['cards', 'votes', 'notes', 'reactions'] as const).map((key, n) => ({
                label: key[0].toUpperCase() + key.slice(1),
                data: people.map((p) => p[key]),
                backgroundColor: colors.series[n],
              })),
            }}
            options={barOptions(colors, { horizontal: true })}
          />
        </ChartFigure>
      </div>
    </>
  )
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  )
}
