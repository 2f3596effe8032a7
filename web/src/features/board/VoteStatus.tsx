// The vote phase's status line, sticky at the top of the board so it stays in view while scrolling the
// cards: this person's votes left, whether totals are hidden, the held order and its "Sort" button, and —
// for the facilitator — who still has votes to give.
import { useAppSelector } from '../../app/hooks'
import { votesUsed, type MeetingState } from '../../domain'
import { selectVotesLeft } from '../meeting/selectors'

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many)

export function VoteStatus({
  state,
  hideTotals,
  facilitator,
  outOfOrder,
  onSort,
}: {
  state: MeetingState
  hideTotals: boolean
  facilitator: boolean
  outOfOrder: boolean
  onSort: () => void
}) {
  const votesLeft = useAppSelector(selectVotesLeft)
  const budget = state.settings.votes_per_person
  return (
    <div className="vote-status" role="region" aria-label="Voting">
      <p className="votes-left" aria-live="polite">
        <strong>{votesLeft}</strong> of {budget} {plural(budget, 'vote', 'votes')} left
      </p>
      {hideTotals && <p className="vote-note muted">Totals stay hidden until voting closes; you see your own votes.</p>}
      {/* Always laid out, shown only while the order is held: a line appearing here would push the cards
          down from under the pointer, which ends the hold and takes the line away again. */}
      <p className={outOfOrder ? 'vote-note' : 'vote-note vote-note-idle'}>
        <span className="muted">Order held while you vote.</span>{' '}
        <button type="button" className="secondary small" onClick={onSort} disabled={!outOfOrder}>
          Sort by votes
        </button>
      </p>
      {facilitator && <StillVoting state={state} />}
    </div>
  )
}

// Participants with votes left (used < budget), those connected first.
export function stillVoting(state: MeetingState, present: ReadonlySet<string>) {
  const budget = state.settings.votes_per_person
  return Object.entries(state.participants)
    .map(([pid, p]) => ({ pid, name: p.name, left: budget - votesUsed(state, pid), here: present.has(pid) }))
    .filter((p) => p.left > 0)
    .sort((a, b) => Number(b.here) - Number(a.here))
}

function StillVoting({ state }: { state: MeetingState }) {
  const people = useAppSelector((s) => s.presence.people)
  const list = stillVoting(state, new Set(people.map((p) => p.pid)))
  return (
    <p className="still-voting">
      {list.length === 0 ? (
        'Everyone has used their votes.'
      ) : (
        <>
          <span className="still-voting-label">Still voting:</span>{' '}
          {list.map((p, i) => (
            <span key={p.pid} className={p.here ? 'voter' : 'voter away'}>
              {p.name} ({p.left} {plural(p.left, 'vote', 'votes')} left{p.here ? '' : ', away'}){i < list.length - 1 ? ', ' : ''}
            </span>
          ))}
        </>
      )}
    </p>
  )
}
