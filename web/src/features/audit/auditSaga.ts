// While the Audit tab is open: fetch with the current filters, again when they change, and again
// (debounced) when the meeting's log grows.
import { call, debounce, put, select, takeLatest } from 'redux-saga/effects'
import type { RootState } from '../../app/rootReducer'
import { eventsAppended, joined } from '../meeting/meetingSlice'
import { REFRESH_DEBOUNCE_MS, browserFetch, getJson, reasonOf, whileOpen, type FetchFn } from '../analytics/viewFetching'
import { auditClosed, auditFailed, auditFiltersChanged, auditLoaded, auditOpened, auditRequested } from './auditSlice'
import type { AuditFilters, AuditLog } from './types'

// The same filters serve the table (json) and the download (csv).
export function auditUrl(meetingId: string, format: 'json' | 'csv', filters: AuditFilters): string {
  const query = new URLSearchParams({ format })
  if (filters.actor) query.set('actor', filters.actor)
  if (filters.type) query.set('type', filters.type)
  return `/api/meetings/${encodeURIComponent(meetingId)}/audit?${query}`
}

export const summaryUrl = (meetingId: string) => `/api/meetings/${encodeURIComponent(meetingId)}/summary.md`

function* load(fetchFn: FetchFn, meetingId: string) {
  const filters: AuditFilters = yield select((s: RootState) => s.audit.filters)
  try {
    const log: AuditLog = yield call(getJson<AuditLog>, fetchFn, auditUrl(meetingId, 'json', filters))
    yield put(auditLoaded({ log, filters }))
  } catch (e) {
    yield put(auditFailed({ reason: reasonOf(e) }))
  }
}

function* session(fetchFn: FetchFn, debounceMs: number, action: ReturnType<typeof auditOpened>) {
  yield takeLatest(auditRequested.type, load, fetchFn, action.payload.meetingId)
  yield takeLatest(auditFiltersChanged.type, function* () {
    yield put(auditRequested())
  })
  yield debounce(debounceMs, [eventsAppended.type, joined.type], function* () {
    yield put(auditRequested())
  })
  yield put(auditRequested())
}

export function* auditSaga(fetchFn: FetchFn = browserFetch, debounceMs = REFRESH_DEBOUNCE_MS) {
  yield call(whileOpen<ReturnType<typeof auditOpened>>, auditOpened.type, auditClosed.type, (a) => session(fetchFn, debounceMs, a))
}
