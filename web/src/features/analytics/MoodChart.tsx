// Mood over time: the average reaction sentiment per minute across the meeting (−1 … +1; a gap where
// nobody reacted), with each discussed topic shaded behind the line and named at its top. The bands
// are drawn by a small inline chart.js plugin (no annotation package needed).
import type { Chart, Plugin } from 'chart.js'
import { Line } from 'react-chartjs-2'
import { ChartFigure } from './ChartFigure'
import { chartColors, prefersReducedMotion, type ChartColors } from './chartSetup'
import { formatMood, plural } from './format'
import { hasMoodData, minuteLabel, moodSeries, offsetLabel, topicsDuring, type MoodSeries } from './mood'
import type { Mood } from './types'

export const MOOD_TITLE = 'Mood over time'

function topicBands(bands: MoodSeries['bands'], colors: ChartColors): Plugin<'line'> {
  return {
    id: 'confabTopicBands',
    beforeDatasetsDraw(chart: Chart<'line'>) {
      const { ctx, chartArea, scales } = chart
      const x = scales.x
      if (!x || !chartArea) return
      ctx.save()
      bands.forEach((band, i) => {
        const left = Math.max(chartArea.left, x.getPixelForValue(band.from))
        const right = Math.min(chartArea.right, x.getPixelForValue(band.to))
        const width = Math.max(3, right - left)
        ctx.globalAlpha = i % 2 === 0 ? 0.14 : 0.08
        ctx.fillStyle = colors.accent
        ctx.fillRect(left, chartArea.top, width, chartArea.bottom - chartArea.top)
        ctx.globalAlpha = 1
        ctx.fillStyle = colors.muted
        ctx.font = '11px system-ui, sans-serif'
        ctx.textBaseline = 'top'
        const label = band.title.length > 18 ? `${band.title.slice(0, 17)}…` : band.title
        if (width > 24) ctx.fillText(label, left + 3, chartArea.top + 2 + (i % 2) * 13, width - 4)
      })
      ctx.restore()
    },
  }
}

export function MoodChart({ mood }: { mood: Mood | undefined }) {
  const hasData = hasMoodData(mood)
  const series = hasData ? moodSeries(mood) : null
  const colors = chartColors()
  const reacted = hasData ? mood.minutes.filter((m) => m.scored > 0) : []
  const topicAt = (minute: number) => (series ? topicsDuring(series, minute).join(', ') : '') || '–'
  return (
    <ChartFigure
      title={MOOD_TITLE}
      height={240}
      empty={hasData ? undefined : 'No reactions yet: the mood shows once people react.'}
      table={{
        caption: 'Reaction sentiment per minute, with the topic under discussion',
        columns: ['Minute', 'Reactions', 'Average', 'Topic'],
        rows: reacted.map((m) => [minuteLabel(m.minute), m.reactions, formatMood(m.mean), topicAt(m.minute)]),
      }}
    >
      {series && (
        <Line
          role="img"
          aria-label={`Mood over time: average reaction sentiment per minute, from −1 to +1, over ${plural(
            series.labels.length,
            'minute',
          )}; ${plural(reacted.length, 'minute')} with reactions. Topics: ${
            series.bands.map((b) => `${b.title} (${offsetLabel(b.from)}–${offsetLabel(b.to)}${b.running ? ', running' : ''})`).join('; ') || 'none discussed'
          }.`}
          data={{
            labels: series.labels,
            datasets: [
              {
                label: 'Average sentiment',
                data: series.mean,
                spanGaps: true,
                borderColor: colors.accent,
                backgroundColor: colors.accent,
                pointRadius: series.mean.map((v) => (v === null ? 0 : 3)),
                tension: 0.2,
              },
            ],
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: prefersReducedMotion() ? false : { duration: 250 },
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  afterLabel: (item) => `${plural(series.counts[item.dataIndex] ?? 0, 'reaction')}; ${topicAt(item.dataIndex)}`,
                },
              },
            },
            scales: {
              x: { ticks: { color: colors.muted, autoSkip: true, maxTicksLimit: 12 }, grid: { display: false } },
              y: {
                min: -1,
                max: 1,
                ticks: { color: colors.muted, stepSize: 0.5 },
                grid: { color: colors.grid },
                title: { display: true, text: 'sentiment', color: colors.muted },
              },
            },
          }}
          plugins={[topicBands(series.bands, colors)]}
        />
      )}
    </ChartFigure>
  )
}
