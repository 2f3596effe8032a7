import { useAppSelector } from '../../app/hooks'

const EMPTY: Record<string, { name: string; key: string }> = {}

// "Ada is typing…" for one card ('' = a new card), shown ~3 s after the last signal.
export function TypingHint({ cardId, verb = 'is typing' }: { cardId: string; verb?: string }) {
  const typers = useAppSelector((s) => s.typing.byCard[cardId] ?? EMPTY)
  const names = Object.values(typers).map((t) => t.name)
  if (names.length === 0) return null
  const who = names.length === 1 ? names[0] : names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.length} people`
  return (
    <p className="typing-hint">
      <span className="typing-dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      {who} {names.length === 1 ? verb : verb.replace(/^is /, 'are ')}…
    </p>
  )
}
