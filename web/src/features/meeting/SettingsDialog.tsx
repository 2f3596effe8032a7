// Everything about "who" and "how": your own name; for the facilitator the meeting's title and settings
// and handing the role to someone else; and a link to continue on another device. Each Save shows a
// pending state until the server answers (the pending-push registry, selectors.selectIsPending).
import { useState, type FormEvent } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { eventRequested } from './commands'
import { selectIsFacilitator, selectIsPending, selectLiveState } from './selectors'

export function SettingsDialogBody({ onContinueElsewhere }: { onContinueElsewhere: () => void }) {
  const facilitator = useAppSelector(selectIsFacilitator)
  return (
    <div className="settings-sections">
      <NameForm />
      {facilitator && <MeetingSettingsForm />}
      {facilitator && <HandOverForm />}
      <section className="settings-section" aria-labelledby="device-heading">
        <h3 id="device-heading">Another device</h3>
        <p className="muted small-text">Open this meeting on your phone or another computer as yourself{facilitator ? ', still the facilitator' : ''}.</p>
        <button type="button" className="secondary" onClick={onContinueElsewhere}>
          Continue on another device…
        </button>
      </section>
    </div>
  )
}

function NameForm() {
  const dispatch = useAppDispatch()
  const myName = useAppSelector((s) => s.meeting.me?.name ?? '')
  const pending = useAppSelector((s) => selectIsPending(s, 'participant_renamed'))
  const [name, setName] = useState(myName)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim() && name.trim() !== myName) dispatch(eventRequested({ type: 'participant_renamed', data: { name: name.trim() } }))
  }
  return (
    <form className="settings-section" onSubmit={submit} aria-labelledby="name-heading">
      <h3 id="name-heading">You</h3>
      <label className="field">
        <span>Your name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={40} required autoComplete="name" />
      </label>
      <button type="submit" className="primary" disabled={pending || !name.trim() || name.trim() === myName} aria-busy={pending}>
        {pending ? 'Saving…' : 'Save name'}
      </button>
    </form>
  )
}

function MeetingSettingsForm() {
  const dispatch = useAppDispatch()
  const live = useAppSelector(selectLiveState)
  const pending = useAppSelector((s) => selectIsPending(s, 'settings_changed') || selectIsPending(s, 'meeting_renamed'))
  const [title, setTitle] = useState(live.title)
  const [votes, setVotes] = useState(String(live.settings.votes_per_person))
  const [minutes, setMinutes] = useState(String(live.settings.timebox_s / 60))
  const [anonymousCards, setAnonymousCards] = useState(live.settings.anonymous_cards ?? false)
  const [hideTotals, setHideTotals] = useState(live.settings.hide_totals ?? false)

  const changes = (): Record<string, unknown> => {
    const s = live.settings
    const out: Record<string, unknown> = {}
    const v = Math.min(20, Math.max(1, Math.round(Number(votes) || s.votes_per_person)))
    const t = Math.min(3600, Math.max(30, Math.round((Number(minutes) || s.timebox_s / 60) * 60)))
    if (v !== s.votes_per_person) out.votes_per_person = v
    if (t !== s.timebox_s) out.timebox_s = t
    if (anonymousCards !== (s.anonymous_cards ?? false)) out.anonymous_cards = anonymousCards
    if (hideTotals !== (s.hide_totals ?? false)) out.hide_totals = hideTotals
    return out
  }
  const titleChanged = title.trim() !== '' && title.trim() !== live.title
  const dirty = titleChanged || Object.keys(changes()).length > 0

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (titleChanged) dispatch(eventRequested({ type: 'meeting_renamed', data: { title: title.trim() } }))
    const data = changes()
    if (Object.keys(data).length > 0) dispatch(eventRequested({ type: 'settings_changed', data }))
  }
  return (
    <form className="settings-section" onSubmit={submit} aria-labelledby="meeting-settings-heading">
      <h3 id="meeting-settings-heading">Meeting</h3>
      <label className="field">
        <span>Meeting title</span>
        <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={140} required />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Votes per person</span>
          <input type="number" min={1} max={20} value={votes} onChange={(e) => setVotes(e.target.value)} required />
        </label>
        <label className="field">
          <span>Timebox minutes</span>
          <input type="number" min={0.5} max={60} step={0.5} value={minutes} onChange={(e) => setMinutes(e.target.value)} required />
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={anonymousCards} onChange={(e) => setAnonymousCards(e.target.checked)} />
        <span>Anonymous cards (new cards do not show who wrote them)</span>
      </label>
      <label className="check">
        <input type="checkbox" checked={hideTotals} onChange={(e) => setHideTotals(e.target.checked)} />
        <span>Hide vote totals until voting ends</span>
      </label>
      <button type="submit" className="primary" disabled={pending || !dirty} aria-busy={pending}>
        {pending ? 'Saving…' : 'Save meeting settings'}
      </button>
    </form>
  )
}

function HandOverForm() {
  const dispatch = useAppDispatch()
  const live = useAppSelector(selectLiveState)
  const me = useAppSelector((s) => s.meeting.me)
  const pending = useAppSelector((s) => selectIsPending(s, 'facilitator_changed'))
  const others = Object.entries(live.participants)
    .filter(([pid]) => pid !== me?.pid)
    .sort(([pa, a], [pb, b]) => a.name.localeCompare(b.name) || (pa < pb ? -1 : 1))
  const [pid, setPid] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (pid) dispatch(eventRequested({ type: 'facilitator_changed', data: { pid } }))
  }
  return (
    <form className="settings-section" onSubmit={submit} aria-labelledby="role-heading">
      <h3 id="role-heading">Facilitator role</h3>
      {others.length === 0 ? (
        <p className="muted small-text">Nobody else has joined yet.</p>
      ) : (
        <>
          <label className="field">
            <span>Hand the facilitator role to</span>
            <select value={pid} onChange={(e) => setPid(e.target.value)} required>
              <option value="">Choose someone…</option>
              {others.map(([p, { name }]) => (
                <option key={p} value={p}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary" disabled={pending || !pid} aria-busy={pending}>
            {pending ? 'Handing over…' : 'Hand over'}
          </button>
        </>
      )}
    </form>
  )
}
