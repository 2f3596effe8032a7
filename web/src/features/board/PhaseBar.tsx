import { useState } from 'react'
import type { Phase } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested } from '../meeting/commands'
import { allowed, selectActor, selectMe, selectTravelling, selectViewState } from '../meeting/selectors'
import { ConfirmDialog } from './ConfirmDialog'
import { isFacilitatorIn } from './permissions'
import './board.css'

const PHASES: { phase: Phase; label: string }[] = [
  { phase: 'collect', label: 'Collect' },
  { phase: 'vote', label: 'Vote' },
  { phase: 'discuss', label: 'Discuss' },
  { phase: 'done', label: 'Done' },
]

// The facilitator's phase buttons sit in two fixed slots: "back" on the left and "next" on the right, the
// right one keeping its width even when empty. Moving on is always the right slot — except finishing,
// which is in the left slot: a double click on "Start discussing" can then never land on "Finish meeting"
// (the right slot is empty while discussing), and a double click on "Finish meeting" never lands on
// "Reopen meeting" (the left slot is empty when done). Finishing with topics left asks first.
const CONTROLS: Record<Phase, { back?: { to: Phase; label: string }; next?: { to: Phase; label: string } }> = {
  collect: { next: { to: 'vote', label: 'Start voting' } },
  vote: { back: { to: 'collect', label: 'Back to collecting' }, next: { to: 'discuss', label: 'Start discussing' } },
  discuss: { back: { to: 'done', label: 'Finish meeting' } },
  done: { next: { to: 'discuss', label: 'Reopen meeting' } },
}

export function PhaseBar() {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const actor = useAppSelector(selectActor)
  const me = useAppSelector(selectMe)
  const travelling = useAppSelector(selectTravelling)
  const [asking, setAsking] = useState(false)
  const current = PHASES.findIndex((p) => p.phase === state.phase)
  const facilitator = isFacilitatorIn(state, me)
  const controls = CONTROLS[state.phase]
  const topicsLeft = state.cards.filter((c) => c.status === 'todo')

  const go = (to: Phase) => dispatch(eventRequested({ type: 'phase_changed', data: { phase: to } }))
  const press = (to: Phase) => (to === 'done' && topicsLeft.length > 0 ? setAsking(true) : go(to))
  const button = (slot: 'back' | 'next') => {
    const c = controls[slot]
    if (!c) return null
    const finishing = c.to === 'done'
    return (
      <button
        type="button"
        className={finishing ? 'ghost finish-button' : slot === 'next' ? 'primary' : 'secondary'}
        disabled={!allowed(state, actor, travelling, 'phase_changed', { phase: c.to })}
        title={state.discussion && finishing ? 'Finish the current topic first' : undefined}
        onClick={() => press(c.to)}
      >
        {c.label}
      </button>
    )
  }

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
      {facilitator && (
        <div className="phase-controls">
          <div className="phase-slot phase-slot-back">{button('back')}</div>
          <div className="phase-slot phase-slot-next">{button('next')}</div>
        </div>
      )}
      {asking && (
        <ConfirmDialog
          title="Finish the meeting?"
          confirmLabel="Finish meeting"
          cancelLabel="Keep discussing"
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            go('done')
            setAsking(false)
          }}
        >
          <p>
            {topicsLeft.length === 1 ? '1 topic is' : `${topicsLeft.length} topics are`} still to discuss:{' '}
            {topicsLeft
              .slice(0, 3)
              .map((c) => `“${c.title}”`)
              .join(', ')}
            {topicsLeft.length > 3 ? ', …' : ''}. You can reopen the meeting afterwards.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}
