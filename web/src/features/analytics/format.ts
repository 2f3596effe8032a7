// Wording and numbers for the views.

// A length of time: "m:ss", or "h:mm:ss" from an hour on.
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export function minutes(ms: number): number {
  return Math.round((ms / 60000) * 10) / 10
}

// A sentiment mean in −1…+1, signed, with a word for it.
export function formatMood(mean: number | null): string {
  if (mean === null) return 'no reactions'
  const signed = `${mean > 0 ? '+' : mean < 0 ? '−' : '±'}${Math.abs(mean).toFixed(2)}`
  const word = mean >= 0.5 ? 'positive' : mean > 0.1 ? 'mostly positive' : mean >= -0.1 ? 'mixed' : mean > -0.5 ? 'mostly negative' : 'negative'
  return `${signed} (${word})`
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

export function outcomeLabel(outcome: string | null, discussing: boolean): string {
  if (discussing) return 'in discussion'
  if (outcome === null) return 'not discussed'
  return outcome
}
