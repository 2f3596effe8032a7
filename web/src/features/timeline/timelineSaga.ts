// Time travel side effects: fetch the whole stored log once when travel starts (it includes reactions,
// which joins never replay), and play the log back at 1×/4×/16×.
import { call, delay, put, select, takeLatest } from 'redux-saga/effects'
import type { SagaDeps } from '../../app/deps'
import type { RootState } from '../../app/rootReducer'
import type { MeetingEvent } from '../../domain'
import { selectTravelLog } from '../meeting/selectors'
import { reactionShown } from '../reactions/reactionsSlice'
import { toastShown } from '../toasts/toastsSlice'
import {
  archiveFailed,
  archiveLoaded,
  backToLive,
  cursorMoved,
  playbackAdvanced,
  playbackEnded,
  playToggled,
  speedSet,
  travelEntered,
} from './timelineSlice'

// Real gaps between events, capped so that a coffee break does not stall playback.
export const MAX_GAP_MS = 1500
export const MIN_GAP_MS = 120

export function playbackDelay(from: MeetingEvent, to: MeetingEvent, speed: number): number {
  const gap = Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, to.ts - from.ts))
  return Math.round(gap / speed)
}

function* loadArchive(deps: SagaDeps) {
  const meetingId: string | null = yield select((s: RootState) => s.meeting.meetingId)
  const have: number = yield select((s: RootState) => s.timeline.archive.length)
  if (!meetingId || have > 0) return
  try {
    const events: MeetingEvent[] = yield call(deps.fetchWholeLog, meetingId)
    yield put(archiveLoaded(events))
  } catch {
    yield put(archiveFailed())
    yield put(toastShown({ id: `archive-${deps.now()}`, text: 'Could not load the full history.', tone: 'error' }))
  }
}

export function* playback(deps: SagaDeps) {
  for (;;) {
    const { playing, speed, cursorSeq } = (yield select((s: RootState) => s.timeline)) as RootState['timeline']
    if (!playing) return
    const log: MeetingEvent[] = yield select(selectTravelLog)
    const index = log.findIndex((e) => (e.seq ?? 0) > cursorSeq)
    if (index < 0) {
      yield put(playbackEnded())
      return
    }
    const current = log[index - 1] ?? log[index]
    yield delay(playbackDelay(current, log[index], speed))
    const next = log[index]
    yield put(playbackAdvanced({ cursorSeq: next.seq ?? cursorSeq }))
    if (next.type === 'reaction' && typeof next.data?.emoji === 'string') {
      yield put(
        reactionShown({
          key: `replay-${next.id}-${deps.now()}`,
          emoji: next.data.emoji,
          name: next.actor?.name ?? '',
          left: Math.round(8 + deps.random() * 84),
        }),
      )
    }
  }
}

export function* timelineSaga(deps: SagaDeps) {
  yield takeLatest(travelEntered.type, loadArchive, deps)
  // Any change of the player's controls restarts (or stops) the loop with the new settings.
  yield takeLatest([playToggled.type, speedSet.type, cursorMoved.type, backToLive.type], function* (action: { type: string }) {
    if (playToggled.match(action)) {
      // Starting to play at the live end replays from the beginning.
      const { playing, cursorSeq } = (yield select((s: RootState) => s.timeline)) as RootState['timeline']
      const log: MeetingEvent[] = yield select(selectTravelLog)
      if (playing && (log.at(-1)?.seq ?? 0) <= cursorSeq) yield put(playbackAdvanced({ cursorSeq: log[0]?.seq ?? 0 }))
      yield call(loadArchive, deps)
    }
    yield call(playback, deps)
  })
}
