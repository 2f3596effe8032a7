// Time travel side effects, on demand only: nothing of the past is fetched until the timeline is used.
// A jump (slider, step, "play" from live) shows the state at the cursor: folded locally from the history
// cache when it can be (history.ts), otherwise from the server's snapshot (GET /state?seq=K) together
// with the page of events that follows (GET /events?after=K-1). Playback then folds forward one event per
// step from the state on screen, reading pages ahead of the cursor — it never folds from event 0 again.
import { all, call, delay, put, select, takeLatest } from 'redux-saga/effects'
import type { Action } from '@reduxjs/toolkit'
import type { SagaDeps } from '../../app/deps'
import type { RootState } from '../../app/rootReducer'
import { restoreState, type MeetingEvent, type MeetingState } from '../../domain'
import type { StateAt } from '../../lib/api'
import { meetingClosed, meetingOpened, type MeetingSliceState } from '../meeting/meetingSlice'
import { selectViewState } from '../meeting/selectors'
import { reactionShown } from '../reactions/reactionsSlice'
import { toastShown } from '../toasts/toastsSlice'
import { History, JUMP_PAGE_SIZE, PAGE_SIZE, shareUnchanged } from './history'
import {
  backToLive,
  cursorMoved,
  cursorRewound,
  playbackAdvanced,
  playbackEnded,
  playToggled,
  speedSet,
  travelEntered,
  travelFailed,
  travelLoading,
  travelShown,
  type TimelineState,
} from './timelineSlice'

// Real gaps between events, capped so that a coffee break does not stall playback.
export const MAX_GAP_MS = 1500
export const MIN_GAP_MS = 120

export function playbackDelay(from: MeetingEvent, to: MeetingEvent, speed: number): number {
  const gap = Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, to.ts - from.ts))
  return Math.round(gap / speed)
}

const selectTimeline = (s: RootState) => s.timeline
const selectMeeting = (s: RootState) => s.meeting

export const TRAVEL_FAILED_TEXT = 'Could not load the meeting as it was then.'

function* failed(deps: SagaDeps, seq: number) {
  yield put(travelFailed({ seq }))
  yield put(toastShown({ id: `travel-${seq}-${deps.now()}`, text: TRAVEL_FAILED_TEXT, tone: 'error' }))
}

// Makes the board show the cursor's seq. Returns whether it does.
export function* showCursor(deps: SagaDeps, meetingId: string, history: History): Generator<unknown, boolean, never> {
  const t: TimelineState = yield select(selectTimeline)
  if (!t.travelling) return false
  const target = t.cursorSeq
  if (t.shown && t.shownSeq === target) return true
  const meeting: MeetingSliceState = yield select(selectMeeting)
  history.addLive(meeting.base, meeting.baseSeq, meeting.tail)
  const from = t.shown ? { seq: t.shownSeq, state: t.shown } : undefined
  let state = history.localStateAt(target, from)
  const coming = state ? null : history.loading(target, from)
  if (coming) {
    // A step that overtook the read-ahead: wait for that page rather than ask for a snapshot.
    yield put(travelLoading())
    try {
      yield coming
    } catch {
      // asked again below
    }
    state = history.localStateAt(target, from)
  }
  if (!state || (target > 0 && !history.event(target))) {
    if (!coming) yield put(travelLoading())
    try {
      const page = call([history, history.load], Math.max(0, target - 1), JUMP_PAGE_SIZE)
      if (state) {
        yield page // only the label (the event at the cursor) is missing
      } else {
        const [answer]: [StateAt] = yield all([call(deps.fetchStateAt, meetingId, target), page])
        const restored = restoreState(answer.state)
        if (!restored) throw new Error('the server sent a state this app could not read')
        const onScreen: MeetingState = yield select(selectViewState)
        state = shareUnchanged(onScreen, restored)
        if (answer.seq === target) history.addSnapshot(target, state)
      }
    } catch {
      yield call(failed, deps, target)
      return false
    }
  }
  yield put(travelShown({ seq: target, state: state!, event: history.event(target) ?? null }))
  history.readAhead(target, meeting.lastSeq, t.playing)
  history.trim(target)
  return true
}

// Plays forward from the state on screen: one event per step, at the pace of the real gaps.
export function* playback(deps: SagaDeps, history: History) {
  for (;;) {
    const t: TimelineState = yield select(selectTimeline)
    if (!t.playing || !t.shown) return
    const head: number = yield select((s: RootState) => s.meeting.lastSeq)
    const seq = t.shownSeq
    if (seq >= head) {
      yield put(playbackEnded())
      return
    }
    if (!history.event(seq + 1)) {
      const meeting: MeetingSliceState = yield select(selectMeeting)
      history.addLive(meeting.base, meeting.baseSeq, meeting.tail)
    }
    if (!history.event(seq + 1)) {
      yield put(travelLoading())
      try {
        yield call([history, history.load], seq, PAGE_SIZE)
      } catch {
        yield call(failed, deps, seq)
        return
      }
    }
    const next = history.event(seq + 1)
    if (!next) {
      yield put(playbackEnded())
      return
    }
    history.readAhead(seq + 1, head, true)
    yield delay(playbackDelay(history.event(seq) ?? next, next, t.speed))
    const state: MeetingState = history.advance(t.shown, next)
    yield put(playbackAdvanced({ seq: seq + 1, state, event: next }))
    history.trim(seq + 1)
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

function* control(deps: SagaDeps, meetingId: string, history: History, action: Action) {
  if (backToLive.match(action)) return // takeLatest has cancelled any jump or playback
  if (playToggled.match(action)) {
    const t: TimelineState = yield select(selectTimeline)
    const head: number = yield select((s: RootState) => s.meeting.lastSeq)
    if (t.playing && t.cursorSeq >= head) yield put(cursorRewound())
  }
  const shown: boolean = yield call(showCursor, deps, meetingId, history)
  if (shown) yield call(playback, deps, history)
}

export function* timelineSaga(deps: SagaDeps) {
  // One history cache per open meeting; leaving the meeting drops it (and cancels what it was doing).
  yield takeLatest([meetingOpened.type, meetingClosed.type], function* (action: Action) {
    if (!meetingOpened.match(action)) return
    const { meetingId } = action.payload
    const history = new History((after, limit) => deps.fetchEventsPage(meetingId, after, limit))
    // Any change of cursor or player restarts (or stops) the work with the new settings; a jump still in
    // flight for an old cursor is cancelled (and its answer would be ignored by travelShown anyway).
    yield takeLatest(
      [travelEntered.type, cursorMoved.type, playToggled.type, speedSet.type, backToLive.type],
      control,
      deps,
      meetingId,
      history,
    )
  })
}
