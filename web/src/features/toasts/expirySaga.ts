// Transient UI things disappear on their own: toasts, floating reactions, typing hints.
import { delay, put, takeEvery } from 'redux-saga/effects'
import { reactionExpired, reactionShown } from '../reactions/reactionsSlice'
import { typingExpired, typingSeen } from '../typing/typingSlice'
import { toastDismissed, toastShown } from './toastsSlice'

export const TOAST_MS = 6000
export const REACTION_MS = 3200 // a little longer than the CSS float animation
export const TYPING_MS = 3000

export function* expirySaga() {
  yield takeEvery(toastShown.type, function* (action: ReturnType<typeof toastShown>) {
    yield delay(TOAST_MS)
    yield put(toastDismissed({ id: action.payload.id }))
  })
  yield takeEvery(reactionShown.type, function* (action: ReturnType<typeof reactionShown>) {
    yield delay(REACTION_MS)
    yield put(reactionExpired({ key: action.payload.key }))
  })
  yield takeEvery(typingSeen.type, function* (action: ReturnType<typeof typingSeen>) {
    yield delay(TYPING_MS)
    yield put(typingExpired(action.payload))
  })
}
