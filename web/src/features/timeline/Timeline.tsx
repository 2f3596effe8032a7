import { useAppDispatch, useAppSelector } from '../../app/hooks'
import type { MeetingEvent } from '../../domain'
import { selectLastSeq } from '../meeting/selectors'
import { describeEvent, formatTime } from '../../ui/format'
import { PauseIcon, PlayIcon, StepBackIcon, StepForwardIcon } from '../../ui/icons'
import { backToLive, cursorMoved, playToggled, speedSet, travelEntered, type Speed } from './timelineSlice'

const SPEEDS: Speed[] = [1, 4, 16]

function describe(event: MeetingEvent | null | undefined): string | null {
  return event ? `${formatTime(event.ts)} · ${describeEvent(event.type, event.actor?.name ?? '', event.data ?? {})}` : null
}

// Time travel over the whole meeting, seq 0 (before anything happened) to the live head: a native slider
// (keyboard and screen-reader friendly for free). The past is loaded only when it is asked for.
export function Timeline() {
  const dispatch = useAppDispatch()
  const head = useAppSelector(selectLastSeq)
  const lastLive = useAppSelector((s) => s.meeting.tail.at(-1))
  const { travelling, cursorSeq, shownSeq, shownEvent, shown, playing, speed, loading } = useAppSelector((s) => s.timeline)
  const value = travelling ? Math.min(cursorSeq, head) : head

  const goTo = (seq: number) => {
    const target = Math.min(head, Math.max(0, seq))
    if (!travelling) dispatch(travelEntered({ cursorSeq: target }))
    else if (target !== cursorSeq) dispatch(cursorMoved({ cursorSeq: target }))
  }

  const atCursor = travelling && shown !== null && shownSeq === cursorSeq
  let label: string
  if (!travelling) label = head === 0 ? 'No events yet' : (describe(lastLive?.seq === head ? lastLive : null) ?? `Event ${head}`)
  else if (!atCursor) label = `Loading event ${cursorSeq}…`
  else if (cursorSeq === 0) label = 'Before the first event'
  else label = describe(shownEvent) ?? `Event ${cursorSeq}`
  const shownTime = shownEvent ? formatTime(shownEvent.ts) : shown && shown.last_ts > 0 ? formatTime(shown.last_ts) : 'the start'

  return (
    <section className={`timeline${travelling ? ' travelling' : ''}`} aria-label="Time travel" aria-busy={loading} data-shown-seq={atCursor ? shownSeq : undefined}>
      {travelling && (
        <p className="travel-banner" role="status">
          {shown ? `Viewing the meeting as it was at ${shownTime} — editing is paused.` : 'Viewing the meeting as it was — editing is paused.'}
          {loading ? ' Loading…' : ''}
        </p>
      )}
      <div className="timeline-row">
        <div className="timeline-buttons">
          <button type="button" className="icon-button" aria-label="Step back one event" disabled={value <= 0} onClick={() => goTo(value - 1)}>
            <StepBackIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={playing ? 'Pause' : 'Play'}
            disabled={head < 1}
            onClick={() => {
              if (!travelling) dispatch(travelEntered({ cursorSeq: head }))
              dispatch(playToggled())
            }}
          >
            {playing ? <PauseIcon /> : <PlayIcon />}
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Step forward one event"
            disabled={!travelling || value >= head}
            onClick={() => goTo(value + 1)}
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
          max={head}
          step={1}
          value={value}
          disabled={head === 0}
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
        <span className="timeline-position">{head > 0 ? `${value} / ${head}` : ''}</span> {label}
        {!travelling && head > 0 ? ' · live' : ''}
      </p>
    </section>
  )
}
