import { useAppSelector } from '../../app/hooks'
import { describeReason } from '../../lib/reasons'

// Shown while the socket is down; phoenix reconnects by itself and the rejoin resumes from our last seq.
export function ConnectionBanner() {
  const status = useAppSelector((s) => s.meeting.status)
  const failure = useAppSelector((s) => s.meeting.failure)
  const down = status === 'reconnecting'
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {down && (
        <div className="banner banner-warning">
          <span className="spinner" aria-hidden="true" />
          Reconnecting…{failure ? ` ${describeReason(failure)}` : ' Your changes will be kept in step once the connection is back.'}
        </div>
      )}
    </div>
  )
}
