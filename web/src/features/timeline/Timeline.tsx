import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { selectTravelLog } from '../meeting/selectors'
import { describeEvent, formatTime } from '../../ui/format'
import { PauseIcon, PlayIcon, StepBackIcon, StepForwardIcon } from '../../ui/icons'
import { backToLive, cursorMoved, playToggled, speedSet, travelEntered, type Speed } from './timelineSlice'

const SPEEDS: Speed[] = [1, 4, 16]

// Time travel over the whole log: a native slider (keyboard and screen-reader friendly for free).
export function Timeline() {
  const dispatch = useAppDispatch()
  const log = useAppSelector(selectTravelLog)
  const { travelling, cursorSeq, playing, speed, loading } = useAppSelector((s) => s.timeline)
  const last = log.length - 1
  const index = travelling ? Math.max(0, indexAtOrBefore(log, cursorSeq)) : last
  const event = log[index]

  const goTo = (i: number) => {
    const target = log[Math.min(last, Math.max(0, i))]
    if (!target?.seq) return
    if (!travelling) dispatch(travelEntered({ cursorSeq: target.seq }))
    else dispatch(cursorMoved({ cursorSeq: target.seq }))
  }

  const label = event ? `${formatTime(event.ts)} · ${describeEvent(event.type, event.actor?.name ?? '', event.data ?? {})}` : 'No events yet'

  return (
    <section className={`timeline${travelling ? ' travelling' : ''}`} aria-label="Time travel">
      {travelling && (
        <p className="travel-banner" role="status">
          Viewing the meeting as it was at {event ? formatTime(event.ts) : '…'} — editing is paused.
          {loading ? ' Loading the full history…' : ''}
        </p>
      )}
      <div className="timeline-row">
        <div className="timeline-buttons">
          <button type="button" className="icon-button" aria-label="Step back one event" disabled={index <= 0} onClick={() => goTo(index - 1)}>
            <StepBackIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={playing ? 'Pause' : 'Play'}
            disabled={log.length < 2}
            onClick={() => {
              if (!travelling && event?.seq) dispatch(travelEntered({ cursorSeq: event.seq }))
              dispatch(playToggled())
            }}
          >
            {playing ? <PauseIcon /> : <PlayIcon />}
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Step forward one event"
            disabled={!travelling || index >= last}
            onClick={() => goTo(index + 1)}
          >
            <StepForwardIcon />
          </button>
        </div>
        <input
          type="range"
          className="timeline-slider"
          aria-label="Timeline"
          aria-valuetext={label}
          min={0}
          max={Math.max(0, last)}
          step={1}
          value={Math.max(0, index)}
          disabled={log.length === 0}
          onChange={(e) => goTo(Number(e.target.value))}
        />
        <div className="speed" role="group" aria-label="Playback speed">
          {SPEEDS.map((s) => (
            <button key={s} type="button" className="speed-button" aria-pressed={speed === s} onClick={() => dispatch(speedSet(s))}>
              {s}×
            </button>
          ))}
        </div>
        <button type="button" className={travelling ? 'primary small' : 'ghost small'} disabled={!travelling} onClick={() => dispatch(backToLive())}>
          Back to live
        </button>
      </div>
      <p className="timeline-label muted" aria-hidden="true">
        <span className="timeline-position">
          {event ? `${index + 1} / ${log.length}` : ''}
        </span>{' '}
        {label}
        {!travelling && log.length > 0 ? ' · live' : ''}
      </p>
    </section>
  )
}

function indexAtOrBefore(log: { seq?: number }[], seq: number): number {
  let found = -1
  for (let i = 0; i < log.length; i++) {
    if ((log[i].seq ?? 0) <= seq) found = i
    else break
  }
  return found
}
