// For jsdom tests (no canvas): stands in for react-chartjs-2's Bar, keeping the accessible name and
// exposing the data the chart was given (Bar and Line). Use with vi.mock('react-chartjs-2', () => chartStub).
import type { ChartData } from 'chart.js'

export function Bar(props: { data: ChartData<'bar'>; role?: string; 'aria-label'?: string }) {
  return <canvas role={props.role} aria-label={props['aria-label']} data-chart={JSON.stringify(props.data)} />
}

export function Line(props: { data: ChartData<'line'>; role?: string; 'aria-label'?: string }) {
  return <canvas role={props.role} aria-label={props['aria-label']} data-chart={JSON.stringify(props.data)} />
}

export function chartData(canvas: HTMLElement): ChartData<'bar'> {
  return JSON.parse(canvas.getAttribute('data-chart') ?? '{}')
}
