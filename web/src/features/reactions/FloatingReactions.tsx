import { useAppSelector } from '../../app/hooks'

// Emoji floating up over everyone's screen; decorative for sighted users, announced once in words.
export function FloatingReactions() {
  const floating = useAppSelector((s) => s.reactions.floating)
  const last = floating.at(-1)
  return (
    <>
      <div className="floating-layer" aria-hidden="true">
        {floating.map((r) => (
          <span key={r.key} className="floating-reaction" style={{ left: `${r.left}%` }} data-emoji={r.emoji}>
            <span className="floating-emoji">{r.emoji}</span>
            {r.name && <span className="floating-name">{r.name}</span>}
          </span>
        ))}
      </div>
      <div className="visually-hidden" aria-live="polite">
        {last ? `${last.name} reacted ${last.emoji}` : ''}
      </div>
    </>
  )
}
