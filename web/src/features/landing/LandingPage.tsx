import { useState, type FormEvent } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { Link } from '../navigation/Link'
import { createRequested } from './landingSlice'

export function LandingPage() {
  const dispatch = useAppDispatch()
  const { creating, error } = useAppSelector((s) => s.landing)
  const [title, setTitle] = useState('')
  const [votes, setVotes] = useState('3')
  const [minutes, setMinutes] = useState('5')

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const votesPerPerson = Math.min(20, Math.max(1, Math.round(Number(votes) || 3)))
    const timebox = Math.min(3600, Math.max(30, Math.round((Number(minutes) || 5) * 60)))
    dispatch(createRequested({ title: title.trim(), votes_per_person: votesPerPerson, timebox_s: timebox }))
  }

  return (
    <main id="main" className="landing">
      <section className="hero">
        <p className="brand" aria-hidden="true">
          ☕ Confab
        </p>
        <h1>Lean Coffee, together, in real time</h1>
        <p className="lead">
          Collect topics, dot-vote, and talk through them in timeboxes. Share one link; no sign-up.
        </p>
      </section>
      <form className="card-surface create-form" onSubmit={submit} aria-labelledby="create-heading">
        <h2 id="create-heading">New meeting</h2>
        <label className="field">
          <span>Meeting title</span>
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            required
            maxLength={140}
            placeholder="Team retro, week 48"
            autoFocus
          />
        </label>
        <div className="field-row">
          <label className="field">
            <span>Votes per person</span>
            <input type="number" min={1} max={20} value={votes} onChange={(e) => setVotes(e.target.value)} required />
          </label>
          <label className="field">
            <span>Timebox minutes</span>
            <input
              type="number"
              min={0.5}
              max={60}
              step={0.5}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
              required
            />
          </label>
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error === 'title_empty' || error === 'invalid_payload' ? describeReason(error) : `Could not create the meeting: ${describeReason(error)}`}
          </p>
        )}
        <button type="submit" className="primary" disabled={creating || title.trim() === ''}>
          {creating ? 'Starting…' : 'Start a meeting'}
        </button>
      </form>
      <footer className="landing-footer muted small-text">
        <Link to="/features">Feature usage</Link>
      </footer>
    </main>
  )
}
