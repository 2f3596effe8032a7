// Reactions on one card: the counts (from the cardReactions slice) and a "React" button opening the fixed
// emoji set. A reaction is a moment event with card_id; the count goes up when the server's broadcast
// comes back, like everything else.
import { EMOJI, type Card } from '../../domain'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { EMOJI_NAMES } from '../../ui/emoji'
import { MenuButton } from '../board/MenuButton'
import { eventRequested } from '../meeting/commands'
import type { EmojiCounts } from './cardReactionsSlice'
import './cardReactions.css'

const NONE: EmojiCounts = {}
// The set's order (CONTRACT §2), so chips do not jump around as counts change.
const ORDER = Object.keys(EMOJI)

export function CardReactions({ card, enabled }: { card: Card; enabled: boolean }) {
  const dispatch = useAppDispatch()
  const counts = useAppSelector((s) => s.cardReactions.counts[card.card_id] ?? NONE)
  const shown = ORDER.filter((e) => (counts[e] ?? 0) > 0)
  return (
    <div className="card-reactions">
      {shown.length > 0 && (
        <ul className="reaction-counts" aria-label={`Reactions to “${card.title}”`}>
          {shown.map((emoji) => (
            <li key={emoji} className="reaction-count" data-emoji={emoji} title={EMOJI_NAMES[emoji]}>
              <span aria-hidden="true">{emoji}</span>
              <span className="visually-hidden">{EMOJI_NAMES[emoji] ?? emoji}:</span> {counts[emoji]}
            </li>
          ))}
        </ul>
      )}
      <MenuButton
        label="React"
        describedBy={`card-${card.card_id}`}
        className="ghost small react-button"
        menuLabel={`React to “${card.title}”`}
        menuClassName="emoji-menu"
        disabled={!enabled}
      >
        {(close) =>
          ORDER.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="emoji-item"
              aria-label={EMOJI_NAMES[emoji] ?? emoji}
              title={EMOJI_NAMES[emoji]}
              onClick={() => {
                dispatch(eventRequested({ type: 'reaction', data: { emoji, card_id: card.card_id } }))
                close()
              }}
            >
              <span aria-hidden="true">{emoji}</span>
            </button>
          ))
        }
      </MenuButton>
    </div>
  )
}
