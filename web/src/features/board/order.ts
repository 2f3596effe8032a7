// Card order on the board while people vote. Ranking by votes moves a card the moment someone votes, so the
// Vote button one is about to press could slide away under the pointer (or the finger, or keyboard focus).
import type { Card } from '../../domain'

// `cards` in the order of `heldIds` (the order on screen when the hold began); cards not held yet (just
// added) go at the end in their own order, and cards gone (deleted, merged) simply drop out.
export function holdOrder(heldIds: readonly string[], cards: readonly Card[]): Card[] {
  const at = new Map(heldIds.map((id, i) => [id, i]))
  const held: Card[] = []
  const fresh: Card[] = []
  for (const c of cards) (at.has(c.card_id) ? held : fresh).push(c)
  held.sort((a, b) => at.get(a.card_id)! - at.get(b.card_id)!)
  return [...held, ...fresh]
}

// Whether two lists show the same cards in the same order (the "Sort" button appears only when not).
export function sameOrder(a: readonly Card[], b: readonly Card[]): boolean {
  return a.length === b.length && a.every((c, i) => c.card_id === b[i].card_id)
}

// The to-discuss column as it is ranked. With totals hidden during the vote, ranking by votes would give
// the totals away, so the cards stay in creation order until voting closes.
export function todoOrder(cards: readonly Card[], ranked: readonly Card[], hideTotals: boolean): Card[] {
  return hideTotals ? cards.filter((c) => c.status === 'todo') : [...ranked]
}
