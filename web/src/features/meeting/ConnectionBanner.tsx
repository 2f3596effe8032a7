import { useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'
import { selectPendingCount } from './selectors'

// Shown while the socket is down; phoenix reconnects by itself and the rejoin resumes from our last seq.
// What it promises is what pushSaga does: a click made now is kept (same event id) and sent on rejoin.
export function ConnectionBanner() {
  const status = useAppSelector((s) => s.meeting.status)
  const failure = useAppSelector((s) => s.meeting.failure)
  const waiting = useAppSelector(selectPendingCount)
  const down = status === 'reconnecting'
  const kept =
    waiting === 0
      ? 'What you do now is kept and sent when the connection is back.'
      : `${waiting} ${waiting === 1 ? 'change is' : 'changes are'} waiting and will be sent when the connection is back.`
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {down && (
        <div className="banner banner-warning">
          <span className="spinner" aria-hidden="true" />
          <span>
            Reconnecting… {failure ? describeReason(failure) : kept}
          </span>
        </div>
      )}
    </div>
  )
}
