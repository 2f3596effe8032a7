// While the Done screen is open: fetch the summary (JSON to show, Markdown to download and copy), again
// (debounced) when the log grows — an owner or due date set on the Done screen shows in both — and copy
// the Markdown when asked.
import { all, call, debounce, put, select, takeEvery, takeLatest } from 'redux-saga/effects'
import type { RootState } from '../../app/rootReducer'
import { ApiError } from '../../lib/api'
import { eventsAppended, joined } from '../meeting/meetingSlice'
import { REFRESH_DEBOUNCE_MS, browserFetch, getJson, reasonOf, whileOpen, type FetchFn } from '../analytics/viewFetching'
import { copyText, type CopyFn } from './clipboard'
import {
  copyFinished,
  copyRequested,
  summaryClosed,
  summaryFailed,
  summaryLoaded,
  summaryOpened,
  summaryRequested,
} from './summarySlice'
import type { MeetingSummary } from './types'

const base = (meetingId: string) => `/api/meetings/${encodeURIComponent(meetingId)}`
export const summaryJsonUrl = (meetingId: string) => `${base(meetingId)}/summary`
export const summaryMarkdownUrl = (meetingId: string) => `${base(meetingId)}/summary.md`

export async function getText(fetchFn: FetchFn, url: string): Promise<string> {
  const response = await fetchFn(url)
  if (!response.ok) throw new ApiError(`http_${response.status}`, response.status)
  return response.text()
}

function* load(fetchFn: FetchFn, meetingId: string) {
  try {
    const [data, markdown]: [MeetingSummary, string] = yield all([
      call(getJson<MeetingSummary>, fetchFn, summaryJsonUrl(meetingId)),
      call(getText, fetchFn, summaryMarkdownUrl(meetingId)),
    ])
    yield put(summaryLoaded({ data, markdown }))
  } catch (e) {
    yield put(summaryFailed({ reason: reasonOf(e) }))
  }
}

function* session(fetchFn: FetchFn, debounceMs: number, action: ReturnType<typeof summaryOpened>) {
  yield takeLatest(summaryRequested.type, load, fetchFn, action.payload.meetingId)
  yield debounce(debounceMs, [eventsAppended.type, joined.type], function* () {
    yield put(summaryRequested())
  })
  yield put(summaryRequested())
}

function* copy(copyFn: CopyFn) {
  const markdown: string | null = yield select((s: RootState) => s.summary.markdown)
  const ok: boolean = markdown === null ? false : yield call(copyFn, markdown)
  yield put(copyFinished({ ok }))
}

export function* summarySaga(fetchFn: FetchFn = browserFetch, debounceMs = REFRESH_DEBOUNCE_MS, copyFn: CopyFn = copyText) {
  yield takeEvery(copyRequested.type, copy, copyFn)
  yield call(whileOpen<ReturnType<typeof summaryOpened>>, summaryOpened.type, summaryClosed.type, (a) =>
    session(fetchFn, debounceMs, a),
  )
}
