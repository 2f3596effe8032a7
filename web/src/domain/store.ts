// toStore: what the log keeps of an accepted push, the same as server/src/domain/to_store.cpp. For
// anonymous cards this is where the author is dropped — the stored event names "anonymous" and carries
// the card's seal, never the pid (docs/domain.md, "Anonymous cards: what is kept and where").
import { isObject, str, type Data } from './fields'
import { findCard } from './lookup'
import type { Actor, MeetingState } from './types'

/** The pid and name written as the actor of an anonymous card's events. */
export const ANONYMOUS = { pid: 'anonymous', name: 'Anonymous' } as const

export interface Stored {
  actor: { pid: string; name: string }
  data: Record<string, unknown>
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

// The actor proves the seal of the anonymous card `cardId` (absent ids and plain cards: false).
function provesSeal(m: MeetingState, a: Actor, cardId: string | undefined): boolean {
  const card = cardId === undefined ? undefined : findCard(m, cardId)
  if (!card || card.seal === undefined || a.seals === undefined || !own(a.seals, card.card_id)) return false
  return a.seals[card.card_id] === card.seal
}

function isAnonymousCard(m: MeetingState, cardId: string | undefined): boolean {
  const card = cardId === undefined ? undefined : findCard(m, cardId)
  return card !== undefined && card.seal !== undefined
}

/** The actor and data of the stored event for a push validate accepted. */
export function toStore(state: MeetingState, actor: Actor, type: string, data: unknown): Stored {
  const d: Data = isObject(data) ? data : {}
  const plain: Stored = { actor: { pid: actor.pid, name: actor.name }, data: d }
  const anonymous = { ...plain, actor: { ...ANONYMOUS } }
  const cardId = str(d, 'card_id')
  switch (type) {
    case 'card_added': {
      // The seal is the server's to give: one a client put in data is never stored as its own.
      const rest: Data = {}
      for (const key of Object.keys(d)) {
        if (key !== 'seal') Object.defineProperty(rest, key, { value: d[key], enumerable: true, writable: true, configurable: true })
      }
      if (!state.settings.anonymous_cards || cardId === undefined) return { ...plain, data: rest }
      const seals = actor.seals
      if (seals !== undefined && own(seals, cardId)) rest.seal = seals[cardId]
      return { ...anonymous, data: rest }
    }
    case 'card_edited':
    case 'card_deleted':
      return provesSeal(state, actor, cardId) ? anonymous : plain
    case 'card_merged':
      return provesSeal(state, actor, cardId) || provesSeal(state, actor, str(d, 'into_card_id')) ? anonymous : plain
    case 'typing':
      return state.settings.anonymous_cards || isAnonymousCard(state, cardId) ? anonymous : plain
    default:
      return plain
  }
}
