// Holds the order of the to-discuss column while `holding` (see Board for when), so that cards do not
// re-sort under the pointer; `sortNow` re-sorts on request and keeps holding the new order.
import { useReducer, useRef } from 'react'
import type { Card } from '../../domain'
import { holdOrder, sameOrder } from './order'

export function useHeldOrder(ranked: Card[], holding: boolean) {
  const held = useRef<string[] | null>(null)
  const [, rerender] = useReducer((n: number) => n + 1, 0)
  // The order on screen when the hold begins is the ranked one (nothing was held before).
  if (!holding) held.current = null
  else if (held.current === null) held.current = ranked.map((c) => c.card_id)
  const cards = held.current ? holdOrder(held.current, ranked) : ranked
  return {
    cards,
    outOfOrder: held.current !== null && !sameOrder(cards, ranked),
    sortNow: () => {
      held.current = ranked.map((c) => c.card_id)
      rerender()
    },
  }
}
