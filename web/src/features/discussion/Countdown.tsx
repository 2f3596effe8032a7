import type { MeetingState } from '../../domain'
import { useAppSelector } from '../../app/hooks'
import { selectTravelling, selectViewState } from '../meeting/selectors'
import { useNow } from '../../ui/useNow'
import { formatClock } from '../../ui/format'

type Discussion = NonNullable<MeetingState['discussion']>

// Remaining time = timer.ends_ts − now (server clock). While time travelling, "now" is the moment the
// board shows, so the countdown is frozen at what it was then.
export function Countdown({ discussion }: { discussion: Discussion }) {
  const offset = useAppSelector((s) => s.meeting.clockOffsetMs)
  const travelling = useAppSelector(selectTravelling)
  const viewTs = useAppSelector((s) => selectViewState(s).last_ts)
  const liveNow = useNow(250, offset, !travelling)
  const now = travelling ? viewTs : liveNow
  const timer = discussion.timer
  if (!timer) return <p className="countdown idle">No timer</p>
  const remaining = timer.ends_ts - now
  const total = Math.max(1, timer.ends_ts - timer.started_ts)
  const fraction = Math.min(1, Math.max(0, remaining / total))
  const over = remaining <= 0
  return (
    <div className={`countdown${over ? ' over' : remaining < 30000 ? ' soon' : ''}`}>
      <p className="countdown-clock" role="timer" aria-label={over ? 'Time is up' : `Time left ${formatClock(remaining)}`}>
        {over ? 'Time’s up' : formatClock(remaining)}
      </p>
      <div className="progress" aria-hidden="true">
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  )
}
