// While the Analytics tab is open: fetch once, then again whenever the meeting's log grows (debounced).
import { call, debounce, put, takeLatest } from 'redux-saga/effects'
import { eventsAppended, joined } from '../meeting/meetingSlice'
import { analyticsClosed, analyticsFailed, analyticsLoaded, analyticsOpened, analyticsRequested } from './analyticsSlice'
import type { MeetingAnalytics } from './types'
import { REFRESH_DEBOUNCE_MS, browserFetch, getJson, reasonOf, whileOpen, type FetchFn } from './viewFetching'

export const analyticsUrl = (meetingId: string) => `/api/meetings/${encodeURIComponent(meetingId)}/analytics`

function* load(fetchFn: FetchFn, meetingId: string) {
  try {
    const data: MeetingAnalytics = yield call(getJson<MeetingAnalytics>, fetchFn, analyticsUrl(meetingId))
    yield put(analyticsLoaded(data))
  } catch (e) {
    yield put(analyticsFailed({ reason: reasonOf(e) }))
  }
}

function* session(fetchFn: FetchFn, debounceMs: number, action: ReturnType<typeof analyticsOpened>) {
  // takeLatest: a newer request cancels an older one still in flight, so answers never arrive out of order.
  yield takeLatest(analyticsRequested.type, load, fetchFn, action.payload.meetingId)
  yield debounce(debounceMs, [eventsAppended.type, joined.type], function* () {
    yield put(analyticsRequested())
  })
  yield put(analyticsRequested())
}

export function* analyticsSaga(fetchFn: FetchFn = browserFetch, debounceMs = REFRESH_DEBOUNCE_MS) {
  yield call(whileOpen<ReturnType<typeof analyticsOpened>>, analyticsOpened.type, analyticsClosed.type, (a) =>
    session(fetchFn, debounceMs, a),
  )
}
