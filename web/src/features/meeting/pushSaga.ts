// Sending one event: a fresh uuid, then the SAME id on every retry after a timeout, so the server's
// dedupe guarantees it is applied at most once. A refusal is shown to the person in words.
import { call, put } from 'redux-saga/effects'
import type { SagaDeps } from '../../app/deps'
import { describeReason } from '../../lib/reasons'
import { toastShown } from '../toasts/toastsSlice'
import type { MeetingConnection, PushOutcome } from './connection'

export function* pushEvent(
  deps: SagaDeps,
  connection: MeetingConnection,
  type: string,
  data: Record<string, unknown>,
  options: { quiet?: boolean } = {},
): Generator<unknown, PushOutcome, PushOutcome> {
  const id = deps.newEventId()
  let outcome: PushOutcome = { status: 'timeout' }
  for (let attempt = 0; attempt < deps.pushAttempts; attempt++) {
    outcome = yield call([connection, connection.push], { id, type, data }, deps.pushTimeoutMs)
    if (outcome.status !== 'timeout') break
  }
  if (outcome.status !== 'ok' && !options.quiet) {
    const reason = outcome.status === 'error' ? outcome.reason : 'timeout'
    yield put(toastShown({ id: `push-${id}`, text: describeReason(reason), tone: 'error' }))
  }
  return outcome
}
