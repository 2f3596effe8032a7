import type { Phase } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested } from '../meeting/commands'
import { allowed, selectActor, selectTravelling, selectViewState, selectVotesLeft } from '../meeting/selectors'

const PHASES: { phase: Phase; label: string; action: string }[] = [
  { phase: 'collect', label: 'Collect', action: 'Back to collecting' },
  { phase: 'vote', label: 'Vote', action: 'Start voting' },
  { phase: 'discuss', label: 'Discuss', action: 'Start discussing' },
  { phase: 'done', label: 'Done', action: 'Finish meeting' },
]

export function PhaseBar() {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const actor = useAppSelector(selectActor)
  const travelling = useAppSelector(selectTravelling)
  const votesLeft = useAppSelector(selectVotesLeft)
  const current = PHASES.findIndex((p) => p.phase === state.phase)
  const facilitator = actor?.role === 'facilitator'
  const next = PHASES[current + 1]
  const canAdvance = next && allowed(state, actor, travelling, 'phase_changed', { phase: next.phase })
  const prev = PHASES[current - 1]

  return (
    <div className="phase-bar">
      <ol className="phases" aria-label="Meeting phases">
        {PHASES.map((p, i) => (
          <li
            key={p.phase}
            className={i === current ? 'phase current' : i < current ? 'phase past' : 'phase'}
            aria-current={i === current ? 'step' : undefined}
          >
            <span className="phase-dot" aria-hidden="true">
              {i < current ? '✓' : i + 1}
            </span>
            {p.label}
          </li>
        ))}
      </ol>
      <div className="phase-controls">
        {state.phase === 'vote' && (
          <p className="votes-left" aria-live="polite">
            <strong>{votesLeft}</strong> of {state.settings.votes_per_person} votes left
          </p>
        )}
        {facilitator && prev && prev.phase === 'collect' && state.phase === 'vote' && (
          <button
            type="button"
            className="secondary"
            disabled={!allowed(state, actor, travelling, 'phase_changed', { phase: 'collect' })}
            onClick={() => dispatch(eventRequested({ type: 'phase_changed', data: { phase: 'collect' } }))}
          >
            Back to collecting
          </button>
        )}
        {facilitator && next && (
          <button
            type="button"
            className="primary"
            disabled={!canAdvance}
            title={state.discussion ? 'Finish the current topic first' : undefined}
            onClick={() => dispatch(eventRequested({ type: 'phase_changed', data: { phase: next.phase } }))}
          >
            {next.action}
          </button>
        )}
      </div>
    </div>
  )
}
