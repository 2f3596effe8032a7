// "Merge into…": the keyboard (and screen reader) way to merge, next to dragging. It lists the cards this
// card may go into; picking one asks the board to confirm.
import type { Card } from '../../domain'
import { useAppSelector } from '../../app/hooks'
import { selectMe, selectViewState } from '../meeting/selectors'
import { useBoard } from './boardContext'
import { MenuButton } from './MenuButton'
import { mergeTargets, selectOwnCards } from './permissions'

export function MergeMenu({ card }: { card: Card }) {
  return (
    <MenuButton
      label="Merge into…"
      describedBy={`card-${card.card_id}`}
      menuLabel={`Merge “${card.title}” into`}
      menuClassName="merge-menu"
    >
      {(close) => <Targets card={card} close={close} />}
    </MenuButton>
  )
}

// Mounted only while the menu is open.
function Targets({ card, close }: { card: Card; close: () => void }) {
  const board = useBoard()
  const state = useAppSelector(selectViewState)
  const me = useAppSelector(selectMe)
  const ownCards = useAppSelector(selectOwnCards)
  const targets = mergeTargets(state, me, ownCards, card, state.cards)
  if (targets.length === 0) {
    return (
      <p className="menu-empty muted" role="none">
        No card to merge into.
      </p>
    )
  }
  return targets.map((t) => (
    <button
      key={t.card_id}
      type="button"
      role="menuitem"
      tabIndex={-1}
      className="menu-item"
      onClick={() => {
        close()
        board.requestMerge(card.card_id, t.card_id)
      }}
    >
      {t.title}
    </button>
  ))
}
