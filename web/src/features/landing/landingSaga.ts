// Creating a meeting: POST, remember the facilitator token for that meeting, go to its page.
import { call, put, takeLatest } from 'redux-saga/effects'
import type { SagaDeps } from '../../app/deps'
import { ApiError, type CreatedMeeting } from '../../lib/api'
import { navigateTo } from '../navigation/navigationSlice'
import { createFailed, createRequested, createSucceeded } from './landingSlice'

export function* createMeetingFlow(deps: SagaDeps, action: ReturnType<typeof createRequested>) {
  try {
    const created: CreatedMeeting = yield call(deps.createMeeting, action.payload)
    deps.identity.saveToken(created.id, created.facilitator_token)
    yield put(createSucceeded())
    yield put(navigateTo({ path: `/m/${encodeURIComponent(created.id)}` }))
  } catch (error) {
    yield put(createFailed({ reason: error instanceof ApiError ? error.code : 'unavailable' }))
  }
}

export function* landingSaga(deps: SagaDeps) {
  yield takeLatest(createRequested.type, createMeetingFlow, deps)
}
