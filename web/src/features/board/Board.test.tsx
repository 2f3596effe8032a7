// @vitest-environment jsdom
// The board as rendered: hidden totals while voting, anonymous cards, and the merge / delete questions.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { Provider } from 'react-redux'
import { configureStore, type Middleware } from '@reduxjs/toolkit'
import { fold } from '../../domain'
import { rootReducer } from '../../app/rootReducer'
import { sampleLog } from '../../test/fakes'
import { eventRequested } from '../meeting/commands'
import { joined, meetingOpened } from '../meeting/meetingSlice'
import { Board } from './Board'

afterEach(cleanup)

// Ada (p1) wrote k1 and is the facilitator unless `role` says otherwise; Bob (p2) wrote k2 and gave it 1 vote.
function renderBoard({ role = 'participant', hideTotals = false, anonymous = false, ownCards = [] as string[] } = {}) {
  const seen: { type: string; data: Record<string, unknown> }[] = []
  const store = configureStore({
    reducer: rootReducer,
    middleware: (d) =>
      d({ serializableCheck: false, immutableCheck: false }).concat(((() => (next: (a: unknown) => unknown) => (action: unknown) => {
        if (eventRequested.match(action)) seen.push(action.payload)
        return next(action)
      }) as Middleware)),
  })
  const state = fold(sampleLog())
  state.settings = { ...state.settings, hide_totals: hideTotals, anonymous_cards: anonymous }
  if (anonymous) state.cards[1] = { ...state.cards[1], author: 'anonymous', anonymous: true, seal: 'abc' }
  store.dispatch(meetingOpened({ meetingId: 'm1' }))
  store.dispatch(
    joined({ me: { pid: 'p1', name: 'Ada', role: role as 'participant' }, headSeq: 7, resumed: false, state, ownCards }),
  )
  render(
    <Provider store={store}>
      <Board />
    </Provider>,
  )
  return { store, seen }
}

const cardNamed = (title: string) => screen.getByRole('heading', { name: title }).closest('li') as HTMLElement

describe('Board', () => {
  it('shows vote totals, "1 vote" in the singular', () => {
    renderBoard()
    expect(within(cardNamed('Tests')).getByText(/vote/).closest('.vote-count')?.textContent).toMatch(/^1 vote$/)
  })

  it('hides totals while voting when the meeting says so: only one’s own votes, creation order', () => {
    renderBoard({ hideTotals: true })
    expect(cardNamed('Tests').querySelector('.vote-count')?.textContent).toMatch(/^0 votes from you/)
    expect(screen.getByText(/Totals stay hidden/)).toBeTruthy()
    const titles = [...document.querySelectorAll('.column-todo .card-title')].map((h) => h.textContent)
    expect(titles).toEqual(['Builds', 'Tests']) // ranked, Tests (1 vote) would come first
  })

  it('anonymous cards say "Anonymous"; their writer may edit them', () => {
    renderBoard({ anonymous: true, ownCards: ['k2'] })
    expect(cardNamed('Tests').querySelector('.card-meta')?.textContent).toMatch(/by Anonymous/)
    expect(screen.getByRole('button', { name: 'Edit card: Tests' })).toBeTruthy()
    cleanup()
    renderBoard({ anonymous: true })
    expect(screen.queryByRole('button', { name: 'Edit card: Tests' })).toBeNull()
  })

  it('delete asks first and pushes only when confirmed', () => {
    const { seen } = renderBoard()
    fireEvent.click(screen.getByRole('button', { name: 'Delete card: Builds' }))
    const dialog = screen.getByRole('dialog', { name: 'Delete “Builds”?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep it' }))
    expect(seen).toEqual([])
    fireEvent.click(screen.getByRole('button', { name: 'Delete card: Builds' }))
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete card' }))
    expect(seen).toEqual([{ type: 'card_deleted', data: { card_id: 'k1' } }])
  })

  it('the facilitator merges from the "Merge into…" menu after confirming', () => {
    const { seen } = renderBoard({ role: 'facilitator' })
    fireEvent.click(within(cardNamed('Builds')).getByRole('button', { name: 'Merge into…' }))
    const menu = screen.getByRole('menu', { name: 'Merge “Builds” into' })
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Tests'])
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Tests' }))
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Merge these cards?' })).getByRole('button', { name: 'Merge' }))
    expect(seen).toEqual([{ type: 'card_merged', data: { card_id: 'k1', into_card_id: 'k2' } }])
  })

  it('a participant sees no merge control for cards of others', () => {
    renderBoard()
    expect(screen.queryByRole('button', { name: 'Merge into…' })).toBeNull()
  })
})
