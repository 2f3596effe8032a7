// What a card absorbed by merges. The domain records it on the kept card (docs/domain.md § Merging):
// `merged: [{card_id, title, author}]`, each absorbed card then what it had absorbed, absent = none — so
// every client and a reload show the same list. Entries that do not have this shape are skipped.
import type { Card, MeetingState, MergedCard } from '../../domain'

export type Absorbed = MergedCard

export function absorbedInto(card: Card): Absorbed[] {
  const list: unknown = card.merged
  if (!Array.isArray(list)) return []
  return list.filter(
    (m): m is Absorbed => typeof m === 'object' && m !== null && typeof m.title === 'string' && typeof m.author === 'string',
  )
}

export function absorbedAuthor(state: MeetingState, m: Absorbed): string {
  return m.author === 'anonymous' ? 'Anonymous' : (state.participants[m.author]?.name ?? 'someone')
}
