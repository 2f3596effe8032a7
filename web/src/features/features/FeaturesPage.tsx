// /features: how often each kind of event was used across all meetings, in total and per UTC day, for
// an optional date range (GET /api/analytics/features).
import { useEffect } from 'react'
import { Bar } from 'react-chartjs-2'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { Link } from '../navigation/Link'
import { ChartFigure, chartHeight } from '../analytics/ChartFigure'
import { barOptions, chartColors } from '../analytics/chartSetup'
import { plural } from '../analytics/format'
import { featuresClosed, featuresOpened, featuresRangeChanged, featuresRequested, rangeProblem } from './featuresSlice'
import { eventLabel } from './eventLabels'
import type { FeatureUsage } from './types'
import '../analytics/views.css'

export function FeaturesPage() {
  const dispatch = useAppDispatch()
  const { range, data, status, error } = useAppSelector((s) => s.features)
  useEffect(() => {
    dispatch(featuresOpened())
    return () => void dispatch(featuresClosed())
  }, [dispatch])

  const problem = rangeProblem(range)
  return (
    <main id="main" className="page features-page" aria-busy={status === 'loading'}>
      <p>
        <Link to="/" className="brand-link">
          <span aria-hidden="true">☕</span> Confab
        </Link>
      </p>
      <h1>Feature usage</h1>
      <section className="card-surface views-section" aria-label="Date range">
        <form className="views-filters" onSubmit={(e) => e.preventDefault()}>
          <label className="field">
            <span>From</span>
            <input type="date" value={range.from} onChange={(e) => dispatch(featuresRangeChanged({ from: e.target.value }))} />
          </label>
          <label className="field">
            <span>To</span>
            <input type="date" value={range.to} onChange={(e) => dispatch(featuresRangeChanged({ to: e.target.value }))} />
          </label>
          <button
            type="button"
            className="secondary"
            disabled={!range.from && !range.to}
            onClick={() => dispatch(featuresRangeChanged({ from: '', to: '' }))}
          >
            All dates
          </button>
        </form>
        <p className="muted small-text">Days are UTC; both dates are included.</p>
      </section>

      {status === 'failed' && (
        <div className="views-error" role="alert">
          <p>{problem ?? `Could not load feature usage: ${describeReason(error ?? 'unavailable')}`}</p>
          {!problem && (
            <button type="button" className="secondary" onClick={() => dispatch(featuresRequested())}>
              Try again
            </button>
          )}
        </div>
      )}
      {!data && status !== 'failed' && (
        <p className="muted" role="status">
          Loading feature usage…
        </p>
      )}
      {data && <FeaturesBody data={data} />}
    </main>
  )
}

function FeaturesBody({ data }: { data: FeatureUsage }) {
  const colors = chartColors()
  const top = data.types.slice(0, 3).map((t) => `${eventLabel(t.type)} ${t.count}`)
  return (
    <>
      <p role="status" className="features-total">
        <strong>{plural(data.events, 'event')}</strong> in {plural(data.meetings, 'meeting')}
      </p>
      <div className="chart-grid">
        <ChartFigure
          title="Events per type"
          height={chartHeight(Math.max(1, data.types.length))}
          empty={data.types.length === 0 ? 'No events in this range.' : undefined}
          table={{
            caption: 'Events per type',
            columns: ['Type', 'Events', 'Meetings'],
            rows: data.types.map((t) => [eventLabel(t.type), t.count, t.meetings]),
          }}
        >
          <Bar
            role="img"
            aria-label={data.types.length ? `Events per type, most used first: ${top.join(', ')}${data.types.length > 3 ? ', …' : ''}.` : 'Events per type: none in this range.'}
            data={{
              labels: data.types.map((t) => eventLabel(t.type)),
              datasets: [{ label: 'Events', data: data.types.map((t) => t.count), backgroundColor: colors.accent, borderRadius: 4 }],
            }}
            options={{ ...barOptions(colors, { horizontal: true, unit: 'events' }), plugins: { legend: { display: false } } }}
          />
        </ChartFigure>
        <ChartFigure
          title="Events per day"
          height={240}
          empty={data.days.length === 0 ? 'No events in this range.' : undefined}
          table={{
            caption: 'Events per UTC day',
            columns: ['Day', 'Events'],
            rows: data.days.map((d) => [d.day, d.events]),
          }}
        >
          <Bar
            role="img"
            aria-label={
              data.days.length
                ? `Events per day, ${data.days[0].day} to ${data.days.at(-1)!.day}: busiest ${busiest(data)}.`
                : 'Events per day: none in this range.'
            }
            data={{
              labels: data.days.map((d) => d.day),
              datasets: [{ label: 'Events', data: data.days.map((d) => d.events), backgroundColor: colors.accent, borderRadius: 4 }],
            }}
            options={{ ...barOptions(colors, { horizontal: false, unit: 'events' }), plugins: { legend: { display: false } } }}
          />
        </ChartFigure>
      </div>

      <section className="card-surface views-section" aria-labelledby="types-caption">
        <div className="table-scroll" role="region" aria-labelledby="types-caption" tabIndex={0}>
          <table className="views-table">
            <caption id="types-caption">Usage per event type</caption>
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col" className="num">
                  Meetings
                </th>
              </tr>
            </thead>
            <tbody>
              {data.types.map((t) => (
                <tr key={t.type} data-type={t.type}>
                  <th scope="row" title={t.type}>
                    {eventLabel(t.type)}
                  </th>
                  <td className="num">{t.count}</td>
                  <td className="num">{t.meetings}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card-surface views-section" aria-labelledby="days-caption">
        <div className="table-scroll" role="region" aria-labelledby="days-caption" tabIndex={0}>
          <table className="views-table">
            <caption id="days-caption">Usage per day (UTC)</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col">By type</th>
              </tr>
            </thead>
            <tbody>
              {data.days.map((d) => (
                <tr key={d.day} data-day={d.day}>
                  <th scope="row" className="nowrap">
                    {d.day}
                  </th>
                  <td className="num">{d.events}</td>
                  <td className="summary-cell">
                    {Object.entries(d.types)
                      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
                      .map(([type, n]) => `${eventLabel(type)} ${n}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
}

function busiest(data: FeatureUsage): string {
  const day = data.days.reduce((a, b) => (b.events > a.events ? b : a))
  return `${day.day} with ${plural(day.events, 'event')}`
}
