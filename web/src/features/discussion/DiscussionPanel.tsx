import type { ContinueVote, MeetingState } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested, nextTopicRequested } from '../meeting/commands'
import { allowed, nextTopicCard, selectActor, selectIsFacilitator, selectTravelling, selectViewState, totalVotes } from '../meeting/selectors'
import { Countdown } from './Countdown'
import { Notes } from './Notes'
import { plural } from '../analytics/format'

const CONTINUE: { vote: ContinueVote; emoji: string; label: string }[] = [
  { vote: 'up', emoji: '👍', label: 'Keep going' },
  { vote: 'sideways', emoji: '↔', label: 'Either way' },
  { vote: 'down', emoji: '👎', label: 'Move on' },
]

export function DiscussionPanel() {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const actor = useAppSelector(selectActor)
  const travelling = useAppSelector(selectTravelling)
  // The effective facilitator: whoever the role was handed to (facilitator_changed), else the token holder.
  const facilitator = useAppSelector(selectIsFacilitator)
  if (state.phase !== 'discuss' && !state.discussion) return null

  const discussion = state.discussion
  const card = discussion ? state.cards.find((c) => c.card_id === discussion.card_id) : undefined
  const push = (type: string, data: Record<string, unknown>) => dispatch(eventRequested({ type, data }))
  const can = (type: string, data: Record<string, unknown>) => allowed(state, actor, travelling, type, data)
  const upcoming = nextTopicCard(discussion ? withoutCard(state, discussion.card_id) : state)
  const canNext =
    !travelling &&
    facilitator &&
    upcoming !== null &&
    (discussion ? can('discussion_finished', { card_id: discussion.card_id, outcome: 'done' }) : can('discussion_started', { card_id: upcoming.card_id }))

  return (
    <section className="discussion card-surface" aria-labelledby="discussion-heading">
      <div className="discussion-head">
        <h2 id="discussion-heading" className="eyebrow">
          {discussion ? 'Now discussing' : 'Discussion'}
        </h2>
        {facilitator && (
          <button type="button" className="primary" disabled={!canNext} onClick={() => dispatch(nextTopicRequested())}>
            Next topic
          </button>
        )}
      </div>
      {!discussion || !card ? (
        <p className="muted">
          {upcoming
            ? facilitator
              ? `Press “Next topic” to start with “${upcoming.title}”.`
              : 'Waiting for the facilitator to pick the first topic.'
            : 'No topics left to discuss.'}
        </p>
      ) : (
        <>
          <p className="current-topic">{card.title}</p>
          <p className="muted small-text">
            {totalVotes(card)} votes · by {state.participants[card.author]?.name ?? 'someone'}
          </p>
          <div className="discussion-grid">
            <div className="timer-box">
              <Countdown discussion={discussion} />
              {facilitator && (
                <div className="button-row">
                  {discussion.timer ? (
                    <button
                      type="button"
                      className="secondary"
                      disabled={!can('timer_extended', { seconds: 120 })}
                      onClick={() => push('timer_extended', { seconds: 120 })}
                    >
                      Add 2 minutes
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="secondary"
                      disabled={!can('timer_started', { seconds: state.settings.timebox_s })}
                      onClick={() => push('timer_started', { seconds: state.settings.timebox_s })}
                    >
                      Start timer
                    </button>
                  )}
                  <button
                    type="button"
                    className="secondary"
                    disabled={!can('discussion_finished', { card_id: card.card_id, outcome: 'done' })}
                    onClick={() => push('discussion_finished', { card_id: card.card_id, outcome: 'done' })}
                  >
                    Finish as done
                  </button>
                  <button
                    type="button"
                    className="ghost"
                    disabled={!can('discussion_finished', { card_id: card.card_id, outcome: 'parked' })}
                    onClick={() => push('discussion_finished', { card_id: card.card_id, outcome: 'parked' })}
                  >
                    Park it
                  </button>
                </div>
              )}
            </div>
            {continueVotes(state)}
          </div>
          <Notes card={card} />
        </>
      )}
    </section>
  )

  // A plain render function (not a component) so the buttons keep focus across renders.
  function continueVotes(state: MeetingState) {
    const votes = state.discussion?.continue_votes ?? {}
    const mine = actor ? votes[actor.pid] : undefined
    const tally = (v: ContinueVote) => Object.values(votes).filter((x) => x === v).length
    return (
      <fieldset className="continue-votes">
        <legend>Keep talking about this?</legend>
        <div className="button-row">
          {CONTINUE.map((c) => (
            <button
              key={c.vote}
              type="button"
              className={`continue-button${mine === c.vote ? ' chosen' : ''}`}
              aria-pressed={mine === c.vote}
              aria-describedby={`tally-${c.vote}`}
              disabled={!can('continue_voted', { vote: c.vote })}
              onClick={() => push('continue_voted', { vote: c.vote })}
            >
              <span aria-hidden="true" className="continue-emoji">
                {c.emoji}
              </span>
              <span className="continue-label">{c.label}</span>
              {/* The name stays "Keep going" as the tally changes; the count is its description. */}
              <span className="tally" aria-hidden="true">
                {tally(c.vote)}
              </span>
            </button>
          ))}
        </div>
        {CONTINUE.map((c) => (
          <span key={c.vote} id={`tally-${c.vote}`} className="visually-hidden">
            {plural(tally(c.vote), 'vote')}
          </span>
        ))}
      </fieldset>
    )
  }
}

function withoutCard(state: MeetingState, cardId: string): MeetingState {
  return { ...state, cards: state.cards.filter((c) => c.card_id !== cardId) }
}
