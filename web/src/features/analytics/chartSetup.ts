// chart.js, registered once with only the parts the views draw (bar charts, the mood line), and colours
// taken from the app's CSS variables so charts follow the light/dark scheme.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend)

export interface ChartColors {
  text: string
  muted: string
  grid: string
  accent: string
  positive: string
  neutral: string
  negative: string
  series: string[]
}

const FALLBACK: Record<string, string> = {
  '--text': '#1b1f2e',
  '--muted': '#545b70',
  '--border': '#d9dce6',
  '--accent': '#4338ca',
  '--ok': '#166534',
  '--danger': '#b91c1c',
  '--warn': '#8a4b00',
}

function cssVar(name: string): string {
  const value =
    typeof document === 'undefined' ? '' : getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return value || FALLBACK[name]
}

// Read at render time (cheap): a scheme switch shows on the next render.
export function chartColors(): ChartColors {
  const accent = cssVar('--accent')
  return {
    text: cssVar('--text'),
    muted: cssVar('--muted'),
    grid: cssVar('--border'),
    accent,
    positive: cssVar('--ok'),
    neutral: cssVar('--muted'),
    negative: cssVar('--danger'),
    series: [accent, cssVar('--ok'), cssVar('--warn'), cssVar('--danger')],
  }
}

export function prefersReducedMotion(): boolean {
  return typeof window !== 'undefined' && !!window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
}

// Options shared by every bar chart of the views.
export function barOptions(colors: ChartColors, { horizontal, stacked, unit }: { horizontal: boolean; stacked?: boolean; unit?: string }) {
  const valueAxis = {
    beginAtZero: true,
    stacked: !!stacked,
    ticks: { color: colors.muted, precision: 0 },
    grid: { color: colors.grid },
    title: unit ? { display: true, text: unit, color: colors.muted } : undefined,
  }
  const labelAxis = {
    stacked: !!stacked,
    ticks: {
      color: colors.text,
      // Long topic titles would eat a phone-width chart; the full title is in the tooltip and the table.
      callback(this: { getLabelForValue(v: number): string }, value: number | string) {
        const label = this.getLabelForValue(Number(value))
        return label.length > 22 ? `${label.slice(0, 21)}…` : label
      },
    },
    grid: { display: false },
  }
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: prefersReducedMotion() ? (false as const) : { duration: 250 },
    indexAxis: horizontal ? ('y' as const) : ('x' as const),
    plugins: { legend: { labels: { color: colors.text } } },
    scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
  }
}
