import type { MeetingState } from '../../domain'
import { useAppSelector } from '../../app/hooks'
import { selectBoard, selectTravelling, selectViewState } from '../meeting/selectors'
import { AddCard } from './AddCard'
import { CardItem } from './CardItem'

type Card = MeetingState['cards'][number]

export function Board() {
  const board = useAppSelector(selectBoard)
  const state = useAppSelector(selectViewState)
  const travelling = useAppSelector(selectTravelling)
  const ranked = state.phase !== 'collect'
  return (
    <section className="board" aria-label="Board">
      {(state.phase === 'collect' || state.phase === 'vote') && !travelling && <AddCard />}
      <div className="columns">
        <Column id="todo" title="To discuss" cards={board.todo} hint={ranked ? 'Most votes first' : undefined} />
        <Column id="discussing" title="Discussing" cards={board.discussing} />
        <Column id="done" title="Done" cards={board.done}>
          {board.parked.length > 0 && (
            <section className="parked" aria-labelledby="col-parked">
              <h3 id="col-parked" className="column-subtitle">
                Parked <span className="count">{board.parked.length}</span>
              </h3>
              <ul className="card-list">
                {board.parked.map((c) => (
                  <CardItem key={c.card_id} card={c} />
                ))}
              </ul>
            </section>
          )}
        </Column>
      </div>
    </section>
  )
}

function Column({
  id,
  title,
  cards,
  hint,
  children,
}: {
  id: string
  title: string
  cards: Card[]
  hint?: string
  children?: React.ReactNode
}) {
  return (
    <section className={`column column-${id}`} aria-labelledby={`col-${id}`}>
      <h2 id={`col-${id}`} className="column-title">
        {title} <span className="count">{cards.length}</span>
        {hint && <span className="column-hint">{hint}</span>}
      </h2>
      {cards.length === 0 && !children && <p className="empty muted">Nothing here yet.</p>}
      <ul className="card-list">
        {cards.map((c) => (
          <CardItem key={c.card_id} card={c} />
        ))}
      </ul>
      {children}
    </section>
  )
}
