// While the Feature usage page is open: fetch for the chosen range, and again when it changes.
import { call, put, select, takeLatest } from 'redux-saga/effects'
import type { RootState } from '../../app/rootReducer'
import { browserFetch, getJson, reasonOf, whileOpen, type FetchFn } from '../analytics/viewFetching'
import {
  featuresClosed,
  featuresFailed,
  featuresLoaded,
  featuresOpened,
  featuresRangeChanged,
  featuresRequested,
  rangeProblem,
} from './featuresSlice'
import type { DateRange, FeatureUsage } from './types'

export function featuresUrl(range: DateRange): string {
  const query = new URLSearchParams()
  if (range.from) query.set('from', range.from)
  if (range.to) query.set('to', range.to)
  const qs = query.toString()
  return `/api/analytics/features${qs ? `?${qs}` : ''}`
}

function* load(fetchFn: FetchFn) {
  const range: DateRange = yield select((s: RootState) => s.features.range)
  if (rangeProblem(range)) {
    yield put(featuresFailed({ reason: 'invalid_range' }))
    return
  }
  try {
    const data: FeatureUsage = yield call(getJson<FeatureUsage>, fetchFn, featuresUrl(range))
    yield put(featuresLoaded(data))
  } catch (e) {
    yield put(featuresFailed({ reason: reasonOf(e) }))
  }
}

function* session(fetchFn: FetchFn) {
  yield takeLatest(featuresRequested.type, load, fetchFn)
  yield takeLatest(featuresRangeChanged.type, function* () {
    yield put(featuresRequested())
  })
  yield put(featuresRequested())
}

export function* featuresSaga(fetchFn: FetchFn = browserFetch) {
  yield call(whileOpen, featuresOpened.type, featuresClosed.type, () => session(fetchFn))
}
