import { useState, type FormEvent } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { newShortId } from '../../lib/uuid'
import { eventRequested, typingStarted } from '../meeting/commands'
import { allowed, selectActor, selectTravelling, selectViewState } from '../meeting/selectors'
import { TypingHint } from '../typing/TypingHint'

export function AddCard() {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const actor = useAppSelector(selectActor)
  const travelling = useAppSelector(selectTravelling)
  const [title, setTitle] = useState('')
  const probe = { card_id: 'k_probe', title: title.trim() || 'x' }
  const canAdd = allowed(state, actor, travelling, 'card_added', probe)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const trimmed = title.trim()
    if (!trimmed || !canAdd) return
    dispatch(eventRequested({ type: 'card_added', data: { card_id: newShortId('k'), title: trimmed } }))
    setTitle('')
  }

  return (
    <form className="add-card" onSubmit={submit}>
      <label className="visually-hidden" htmlFor="new-card">
        New card
      </label>
      <input
        id="new-card"
        value={title}
        maxLength={140}
        placeholder="A topic you want to talk about…"
        disabled={!canAdd && title === ''}
        onChange={(e) => {
          setTitle(e.target.value)
          dispatch(typingStarted({}))
        }}
      />
      <button type="submit" className="primary" disabled={!canAdd || title.trim() === ''}>
        Add card
      </button>
      <TypingHint cardId="" verb="is writing a card" />
    </form>
  )
}
