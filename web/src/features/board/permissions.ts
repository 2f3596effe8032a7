// Who may change which card, by the rule of docs/domain.md that the server applies: the effective
// facilitator (meeting/selectors.ts: isFacilitatorIn), or the card's author — for an anonymous card, whose
// author is not stored, this client when it wrote the card (`ownCards`: the join reply's own_cards plus the
// anonymous cards it added). The same rule as meeting/selectors.ts selectCanEditCard, as pure functions of
// the state shown (the board may show the past) so a memoised card view can use them.
import type { Card, MeetingState, Phase } from '../../domain'
import type { Me } from '../meeting/meetingSlice'
import { isFacilitatorIn, selectOwnCardIdList } from '../meeting/selectors'

export { isFacilitatorIn }
export const selectOwnCards = selectOwnCardIdList

export function canEditCardIn(
  state: MeetingState,
  me: Pick<Me, 'pid' | 'role'> | null,
  ownCards: readonly string[],
  card: Card,
): boolean {
  if (!me) return false
  return isFacilitatorIn(state, me) || card.author === me.pid || ownCards.includes(card.card_id)
}

const MERGE_PHASES: readonly Phase[] = ['collect', 'vote']
export const isMergePhase = (state: MeetingState) => MERGE_PHASES.includes(state.phase)

// card_merged: phase collect or vote, two different cards, the facilitator or the author of both.
export function canMergeIn(
  state: MeetingState,
  me: Pick<Me, 'pid' | 'role'> | null,
  ownCards: readonly string[],
  from: Card,
  into: Card,
): boolean {
  return (
    isMergePhase(state) &&
    from.card_id !== into.card_id &&
    canEditCardIn(state, me, ownCards, from) &&
    canEditCardIn(state, me, ownCards, into)
  )
}

// The cards `from` may be merged into, in board order (the caller's list).
export function mergeTargets(
  state: MeetingState,
  me: Pick<Me, 'pid' | 'role'> | null,
  ownCards: readonly string[],
  from: Card,
  cards: readonly Card[],
): Card[] {
  return cards.filter((c) => canMergeIn(state, me, ownCards, from, c))
}

// Who wrote a card, as the board says it: anonymous cards say so (the server withholds the author).
export function authorLabel(state: MeetingState, card: Card): string {
  if (card.anonymous) return 'Anonymous'
  return state.participants[card.author]?.name ?? 'someone'
}
