// What a card asks of the board it sits on: the drag in progress (to light up the cards it may be merged
// into), and the questions only the board asks (merge? delete?) so that one dialog serves every card.
import { createContext, useContext } from 'react'

export interface BoardActions {
  dragFrom: string | null
  dragOver: string | null
  targets: ReadonlySet<string>
  startDrag: (cardId: string) => void
  overDrag: (cardId: string | null) => void
  dropDrag: (cardId: string | null) => void
  endDrag: () => void
  requestMerge: (fromId: string, intoId: string) => void
  requestDelete: (cardId: string) => void
  // This person just voted or took a vote back (see Board: the order is held during a burst of votes).
  voted: () => void
}

const nothing = () => {}
export const NO_BOARD: BoardActions = {
  dragFrom: null,
  dragOver: null,
  targets: new Set(),
  startDrag: nothing,
  overDrag: nothing,
  dropDrag: nothing,
  endDrag: nothing,
  requestMerge: nothing,
  requestDelete: nothing,
  voted: nothing,
}

export const BoardContext = createContext<BoardActions>(NO_BOARD)
export const useBoard = () => useContext(BoardContext)
