import { lazy, Suspense, useState, type FormEvent } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { Link } from '../navigation/Link'
import { Board } from '../board/Board'
import { PhaseBar } from '../board/PhaseBar'
import { DiscussionPanel } from '../discussion/DiscussionPanel'
import { PresenceList } from '../presence/PresenceList'
import { FloatingReactions } from '../reactions/FloatingReactions'
import { ReactionsBar } from '../reactions/ReactionsBar'
import { Timeline } from '../timeline/Timeline'
import { copyLinkRequested } from './commands'
import { ConnectionBanner } from './ConnectionBanner'
import { joinRequested } from './meetingSlice'
import { selectViewState } from './selectors'
import { MeetingTabs, type MeetingView } from './MeetingTabs'

// Loaded on first use: chart.js is most of their weight and the board does not need it.
const AnalyticsView = lazy(() => import('../analytics/AnalyticsView').then((m) => ({ default: m.AnalyticsView })))
const AuditView = lazy(() => import('../audit/AuditView').then((m) => ({ default: m.AuditView })))

export function MeetingPage({ meetingId }: { meetingId: string }) {
  const status = useAppSelector((s) => s.meeting.status)
  const failure = useAppSelector((s) => s.meeting.failure)
  const me = useAppSelector((s) => s.meeting.me)

  if (status === 'needName') return <JoinForm />
  if (status === 'failed') {
    return (
      <main id="main" className="page narrow">
        <h1>Can’t open this meeting</h1>
        <p role="alert">{describeReason(failure ?? 'unknown')}</p>
        <p>
          <Link to="/">Start a new meeting</Link>
        </p>
      </main>
    )
  }
  if (!me) {
    return (
      <main id="main" className="page narrow" aria-busy="true">
        <p className="muted" role="status">
          Joining the meeting…
        </p>
        <ConnectionBanner />
      </main>
    )
  }
  return <MeetingBoard meetingId={meetingId} />
}

function JoinForm() {
  const dispatch = useAppDispatch()
  const [name, setName] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim()) dispatch(joinRequested({ name: name.trim() }))
  }
  return (
    <main id="main" className="page narrow">
      <p className="brand">☕ Confab</p>
      <form className="card-surface join-form" onSubmit={submit} aria-labelledby="join-heading">
        <h1 id="join-heading">Join the meeting</h1>
        <label className="field">
          <span>Your name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={40} required autoFocus autoComplete="name" />
        </label>
        <button type="submit" className="primary" disabled={name.trim() === ''}>
          Join
        </button>
      </form>
    </main>
  )
}

function MeetingBoard({ meetingId }: { meetingId: string }) {
  const dispatch = useAppDispatch()
  const state = useAppSelector(selectViewState)
  const me = useAppSelector((s) => s.meeting.me)!
  const [view, setView] = useState<MeetingView>('board')
  const url = typeof window === 'undefined' ? `/m/${meetingId}` : `${window.location.origin}/m/${meetingId}`

  return (
    <div className="meeting">
      <header className="meeting-header">
        <div className="header-row">
          <Link to="/" className="brand-link">
            <span aria-hidden="true">☕</span> Confab
          </Link>
          <h1 className="meeting-title">{state.title || 'Untitled meeting'}</h1>
          <div className="header-actions">
            <PresenceList />
            <button type="button" className="secondary" onClick={() => dispatch(copyLinkRequested({ url }))}>
              Copy link
            </button>
          </div>
        </div>
        <p className="whoami muted">
          You are <strong>{me.name}</strong>
          {me.role === 'facilitator' ? ' · facilitator' : ''}
        </p>
        <PhaseBar />
        <MeetingTabs current={view} onSelect={setView} />
      </header>
      <ConnectionBanner />
      <main id="main" className="meeting-main" tabIndex={-1}>
        {view === 'board' && (
          <div id="view-board" role="tabpanel" aria-labelledby="tab-board">
            <DiscussionPanel />
            <Board />
          </div>
        )}
        {view !== 'board' && (
          <div id={`view-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`}>
            <Suspense fallback={<p className="muted">Loading…</p>}>
              {view === 'analytics' ? <AnalyticsView meetingId={meetingId} /> : <AuditView meetingId={meetingId} />}
            </Suspense>
          </div>
        )}
      </main>
      <Timeline />
      <ReactionsBar />
      <FloatingReactions />
    </div>
  )
}
