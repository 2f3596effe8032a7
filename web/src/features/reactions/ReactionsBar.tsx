import { EMOJI } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { EMOJI_NAMES } from '../../ui/emoji'
import { eventRequested } from '../meeting/commands'
import { selectActor, selectLiveState } from '../meeting/selectors'
import { validate } from '../../domain'

export function ReactionsBar() {
  const dispatch = useAppDispatch()
  const actor = useAppSelector(selectActor)
  const live = useAppSelector(selectLiveState)
  // Reactions are not editing: they stay available while time travelling, against the live meeting.
  const enabled = actor !== null && validate(live, actor, 'reaction', { emoji: '\u{1F44D}' }) === null
  return (
    <div className="reactions-bar" role="toolbar" aria-label="Reactions">
      {Object.keys(EMOJI).map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="reaction-button"
          aria-label={`React with ${EMOJI_NAMES[emoji] ?? emoji}`}
          title={EMOJI_NAMES[emoji]}
          disabled={!enabled}
          onClick={() => dispatch(eventRequested({ type: 'reaction', data: { emoji } }))}
        >
          <span aria-hidden="true">{emoji}</span>
        </button>
      ))}
    </div>
  )
}
