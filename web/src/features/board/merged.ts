// What a card absorbed by merges. The canonical state keeps only the kept card (its title, author and
// status; docs/domain.md § Merging), so the absorbed titles cannot be derived from state on the client —
// and a client that remembered them from the live events would show something other clients and a
// reload do not. The board therefore shows them only when the domain records them on the card, as the
// list proposed to the domain owner: `merged: [{card_id, title, author}]` (absent = none). Until then this
// returns [] and the card shows its roll-up (votes, notes) only.
import type { Card, MeetingState } from '../../domain'

export interface Absorbed {
  card_id: string
  title: string
  author: string
}

export function absorbedInto(card: Card): Absorbed[] {
  const list = (card as Card & { merged?: unknown }).merged
  if (!Array.isArray(list)) return []
  return list.filter(
    (m): m is Absorbed => typeof m === 'object' && m !== null && typeof m.title === 'string' && typeof m.author === 'string',
  )
}

export function absorbedAuthor(state: MeetingState, m: Absorbed): string {
  return m.author === 'anonymous' ? 'Anonymous' : (state.participants[m.author]?.name ?? 'someone')
}
