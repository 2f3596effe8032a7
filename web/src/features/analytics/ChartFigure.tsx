// One chart with its text alternatives: the canvas is an image named by a one-sentence summary, and the
// same numbers follow as a visually hidden table for screen readers.
import { useId, type ReactNode } from 'react'

export interface DataTable {
  caption: string
  columns: string[]
  rows: (string | number)[][]
}

export function ChartFigure({
  title,
  height,
  table,
  empty,
  children,
}: {
  title: string
  height: number
  table: DataTable
  /** set when there is nothing to draw: says so instead of an empty chart (and no table) */
  empty?: string
  children: ReactNode
}) {
  const id = useId()
  if (empty !== undefined) {
    return (
      <section className="chart-figure card-surface" aria-labelledby={id}>
        <h3 id={id}>{title}</h3>
        <p className="chart-empty muted">{empty}</p>
      </section>
    )
  }
  return (
    <section className="chart-figure card-surface" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {/* chart.js sizes the canvas to this box; a fixed height keeps it readable on a phone. */}
      <div className="chart-box" style={{ height }}>
        {children}
      </div>
      {/* Hidden by a wrapper: a table ignores the 1 px width and would widen the page on a phone. */}
      <div className="visually-hidden">
      <table>
        <caption>{table.caption}</caption>
        <thead>
          <tr>
            {table.columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, c) =>
                c === 0 ? (
                  <th key={c} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={c}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </section>
  )
}

// Bars need room: one row per label on a horizontal chart.
export function chartHeight(labels: number): number {
  return Math.max(160, 56 + labels * 34)
}
