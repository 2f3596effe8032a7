// Keeps navigation.path in step with the History API, and opens/closes the meeting session when the
// route changes (the meeting saga reacts to meetingOpened/meetingClosed).
import { eventChannel } from 'redux-saga'
import { call, put, select, take, takeEvery, fork } from 'redux-saga/effects'
import type { RootState } from '../../app/rootReducer'
import { takeHandoffFromLocation, type Handoff } from '../../lib/handoff'
import { meetingClosed, meetingOpened } from '../meeting/meetingSlice'
import { navigateTo, pathChanged, routeFor } from './navigationSlice'

function popstateChannel() {
  return eventChannel<string>((emit) => {
    const onPop = () => emit(window.location.pathname)
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  })
}

export function* routeChanged(path: string, handoff: Handoff | null = null) {
  const current: string | null = yield select((s: RootState) => s.meeting.meetingId)
  const route = routeFor(path)
  yield put(pathChanged({ path }))
  if (route.page === 'meeting') {
    if (route.meetingId !== current) yield put(meetingOpened({ meetingId: route.meetingId, handoff }))
  } else if (current !== null) {
    yield put(meetingClosed())
  }
}

function* watchPopstate() {
  const channel: ReturnType<typeof popstateChannel> = yield call(popstateChannel)
  for (;;) {
    const path: string = yield take(channel)
    yield call(routeChanged, path)
  }
}

export function* navigationSaga() {
  yield fork(watchPopstate)
  yield takeEvery(navigateTo.type, function* (action: ReturnType<typeof navigateTo>) {
    if (window.location.pathname !== action.payload.path) window.history.pushState(null, '', action.payload.path)
    yield call(routeChanged, action.payload.path)
  })
  // A "continue on another device" link is read (and wiped from the address bar) on the first load only.
  yield call(routeChanged, window.location.pathname, takeHandoffFromLocation())
}
