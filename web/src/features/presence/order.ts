// Who is here, in the SAME order on every screen (by name, then pid: phoenix lists presences in arrival
// order, which differs per client), and who the facilitator is.
import type { PresentPerson } from '../meeting/connection'

export interface ShownPerson extends PresentPerson {
  you: boolean
  facilitator: boolean
}

const byName = new Intl.Collator(undefined, { sensitivity: 'base' })

// `facilitatorPid`: the pid the role was handed to (state.facilitator). Before any hand-over only the
// token holder's own client knows it holds the role (`meIsFacilitator`), unless presence says so.
export function orderPresence(
  people: readonly PresentPerson[],
  me: { pid: string } | null,
  facilitatorPid: string | null,
  meIsFacilitator: boolean,
): ShownPerson[] {
  return [...people]
    .sort((a, b) => byName.compare(a.name, b.name) || (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0))
    .map((p) => {
      const you = p.pid === me?.pid
      const facilitator =
        facilitatorPid !== null ? p.pid === facilitatorPid : (you && meIsFacilitator) || p.role === 'facilitator'
      return { ...p, you, facilitator }
    })
}
