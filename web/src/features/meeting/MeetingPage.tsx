import { lazy, Suspense, useRef, useState, type FormEvent } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { Link } from '../navigation/Link'
import { Board } from '../board/Board'
import { PhaseBar } from '../board/PhaseBar'
import { DiscussionPanel } from '../discussion/DiscussionPanel'
import { ActionsList } from '../summary/ActionsList'
import { DoneScreen } from '../summary/DoneScreen'
import { PresenceList } from '../presence/PresenceList'
import { FloatingReactions } from '../reactions/FloatingReactions'
import { ReactionsBar } from '../reactions/ReactionsBar'
import { Timeline } from '../timeline/Timeline'
import { copyLinkRequested, eventRequested } from './commands'
import { ConnectionBanner } from './ConnectionBanner'
import { DeviceLinkDialogBody } from './DeviceLinkDialogBody'
import { Dialog } from './Dialog'
import { joinRequested, joinRetried } from './meetingSlice'
import { selectCanReclaimFacilitator, selectIsFacilitator, selectIsPending, selectViewState } from './selectors'
import { MeetingTabs, type MeetingView } from './MeetingTabs'
import { useFocusRescue } from './useFocusRescue'
import { SettingsDialogBody } from './SettingsDialog'
import './shell.css'

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
  if (!me) return <JoiningPage />

  return <MeetingBoard meetingId={meetingId} />
}

// Before the first join: joining, or why not yet (server unreachable, join not answered) with a retry.
// Phoenix keeps retrying by itself; "Try again" just does it now.
function JoiningPage() {
  const dispatch = useAppDispatch()
  const socketDown = useAppSelector((s) => s.meeting.socketDown)
  const timedOut = useAppSelector((s) => s.meeting.joinTimedOut)
  const problem = socketDown
    ? 'Can’t reach the server right now. It may be down or your connection may be offline; we keep trying.'
    : timedOut
      ? 'The server did not answer in time. It may be busy; we keep trying.'
      : null
  return (
    <main id="main" className="page narrow" aria-busy={problem === null}>
      {problem === null ? (
        <p className="muted" role="status">
          Joining the meeting…
        </p>
      ) : (
        <div className="card-surface joining-problem" role="alert">
          <h1>Not connected yet</h1>
          <p>{problem}</p>
          <button type="button" className="primary" onClick={() => dispatch(joinRetried())}>
            Try again
          </button>
        </div>
      )}
    </main>
  )
}

function JoinForm() {
  const dispatch = useAppDispatch()
  const title = useAppSelector((s) => s.meeting.infoTitle)
  const socketDown = useAppSelector((s) => s.meeting.socketDown)
  const [name, setName] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim()) dispatch(joinRequested({ name: name.trim() }))
  }
  return (
    <main id="main" className="page narrow">
      <p className="brand">☕ Confab</p>
      <form className="card-surface join-form" onSubmit={submit} aria-labelledby="join-heading">
        <h1 id="join-heading">{title ? `Join “${title}”` : 'Join the meeting'}</h1>
        {socketDown && (
          <p className="form-error" role="alert">
            Can’t reach the server right now; you can still enter your name, and we join as soon as it is back.
          </p>
        )}
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

type OpenDialog = null | 'settings' | 'device'

function MeetingBoard({ meetingId }: { meetingId: string }) {
  const state = useAppSelector(selectViewState)
  const [view, setView] = useState<MeetingView>('board')
  const [dialog, setDialog] = useState<OpenDialog>(null)
  const root = useRef<HTMLDivElement>(null)
  useFocusRescue(root)

  return (
    <div className="meeting meeting-docked" ref={root}>
      <header className="meeting-header">
        <div className="header-row">
          <Link to="/" className="brand-link" aria-label="Confab home">
            <span aria-hidden="true">☕</span>
            <span className="brand-word"> Confab</span>
          </Link>
          <h1 className="meeting-title">{state.title || 'Untitled meeting'}</h1>
          <HeaderActions meetingId={meetingId} onSettings={() => setDialog('settings')} />
        </div>
        <WhoAmI />
        <PhaseBar />
        <MeetingTabs current={view} onSelect={setView} />
      </header>
      <ConnectionBanner />
      <main id="main" className="meeting-main" tabIndex={-1}>
        {view === 'board' && (
          <div id="view-board" role="tabpanel" aria-labelledby="tab-board">
            {/* A done meeting shows its closing summary; the facilitator reopens it from the phase bar. */}
            {state.phase === 'done' ? (
              <DoneScreen meetingId={meetingId} />
            ) : (
              <>
                <DiscussionPanel />
                <Board />
              </>
            )}
          </div>
        )}
        {view !== 'board' && (
          <div id={`view-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`}>
            <Suspense fallback={<p className="muted">Loading…</p>}>
              {view === 'actions' ? (
                <ActionsList />
              ) : view === 'analytics' ? (
                <AnalyticsView meetingId={meetingId} />
              ) : (
                <AuditView meetingId={meetingId} />
              )}
            </Suspense>
          </div>
        )}
      </main>
      <Timeline />
      {/* In the flow (sticky), not floating over the page: it never covers cards or the note box. */}
      <div className="meeting-dock">
        <ReactionsBar />
      </div>
      <FloatingReactions />
      {dialog === 'settings' && (
        <Dialog title="Settings" onClose={() => setDialog(null)}>
          <SettingsDialogBody onContinueElsewhere={() => setDialog('device')} />
        </Dialog>
      )}
      {dialog === 'device' && (
        <Dialog title="Continue on another device" onClose={() => setDialog(null)}>
          <DeviceLinkDialogBody meetingId={meetingId} />
        </Dialog>
      )}
    </div>
  )
}

function HeaderActions({ meetingId, onSettings }: { meetingId: string; onSettings: () => void }) {
  const dispatch = useAppDispatch()
  const reclaim = useAppSelector(selectCanReclaimFacilitator)
  const me = useAppSelector((s) => s.meeting.me)
  const reclaiming = useAppSelector((s) => selectIsPending(s, 'facilitator_changed'))
  const url = typeof window === 'undefined' ? `/m/${meetingId}` : `${window.location.origin}/m/${meetingId}`
  return (
    <div className="header-actions">
      <PresenceList />
      {reclaim && me && (
        <button
          type="button"
          className="secondary"
          disabled={reclaiming}
          aria-busy={reclaiming}
          onClick={() => dispatch(eventRequested({ type: 'facilitator_changed', data: { pid: me.pid } }))}
        >
          {reclaiming ? 'Taking it back…' : 'Take the facilitator role back'}
        </button>
      )}
      <button type="button" className="secondary header-button" aria-label="Copy link to this meeting" onClick={() => dispatch(copyLinkRequested({ url }))}>
        <span aria-hidden="true" className="header-icon">
          🔗
        </span>
        <span className="header-label" aria-hidden="true">
          Copy link
        </span>
      </button>
      <button type="button" className="ghost header-button" aria-label="Settings" onClick={onSettings}>
        <span aria-hidden="true" className="header-icon">
          ⚙
        </span>
        <span className="header-label" aria-hidden="true">
          Settings
        </span>
      </button>
    </div>
  )
}

function WhoAmI() {
  const me = useAppSelector((s) => s.meeting.me)!
  const facilitator = useAppSelector(selectIsFacilitator)
  return (
    <p className="whoami muted">
      You are <strong>{me.name}</strong>
      {facilitator ? ' · facilitator' : ''}
    </p>
  )
}
