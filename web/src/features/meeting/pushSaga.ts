// Sending one event: a fresh uuid, then the SAME id on every retry, so the server's dedupe guarantees it
// is applied at most once (a retried id is answered `ok` with the original seq). A click made while the
// connection is down is kept: the push waits for the rejoin and is sent then, with the same id, and
// while it waits or is in flight it is listed as pending (buttons show it). A refusal is shown in words.
import { call, put, select, take } from 'redux-saga/effects'
import type { SagaDeps } from '../../app/deps'
import { describeReason } from '../../lib/reasons'
import { toastShown } from '../toasts/toastsSlice'
import type { MeetingConnection, PushOutcome } from './connection'
import {
  joined,
  joinFailed,
  meetingClosed,
  ownCardAdded,
  pushQueued,
  pushSettled,
  type ConnectionStatus,
} from './meetingSlice'
import { pendingKeyOf, selectLiveState, selectStatus } from './selectors'

export interface PushOptions {
  // A refusal is not worth a message (typing hints).
  quiet?: boolean
  // Not worth keeping for later: while disconnected, dropped at once (typing hints).
  dropWhenOffline?: boolean
}

// Waits until the session is joined; false when it never will be (the join was refused for good).
function* untilJoined(): Generator<unknown, boolean, unknown> {
  for (;;) {
    const status = (yield select(selectStatus)) as ConnectionStatus
    if (status === 'joined') return true
    if (status === 'failed' || status === 'idle') return false
    yield take([joined.type, joinFailed.type, meetingClosed.type])
  }
}

export function* pushEvent(
  deps: SagaDeps,
  connection: MeetingConnection,
  type: string,
  data: Record<string, unknown>,
  options: PushOptions = {},
): Generator<unknown, PushOutcome, unknown> {
  const id = deps.newEventId()
  if (options.dropWhenOffline && ((yield select(selectStatus)) as ConnectionStatus) !== 'joined') {
    return { status: 'error', reason: 'not_joined' }
  }
  // An anonymous card's author is "anonymous" for everyone, us included: remember it as ours.
  if (type === 'card_added' && typeof data.card_id === 'string') {
    const state = (yield select(selectLiveState)) as ReturnType<typeof selectLiveState>
    if (state.settings.anonymous_cards) yield put(ownCardAdded({ card_id: data.card_id }))
  }
  yield put(pushQueued({ id, type, key: pendingKeyOf(data) }))
  let outcome: PushOutcome = { status: 'timeout' }
  try {
    let unanswered = 0
    for (;;) {
      if (!((yield call(untilJoined)) as boolean)) {
        outcome = { status: 'error', reason: 'not_joined' }
        break
      }
      outcome = (yield call([connection, connection.push], { id, type, data }, deps.pushTimeoutMs)) as PushOutcome
      if (outcome.status !== 'timeout') break
      // The connection dropped while we waited: that attempt does not count, send it again once back.
      if (((yield select(selectStatus)) as ConnectionStatus) !== 'joined') continue
      if (++unanswered >= deps.pushAttempts) break
    }
  } finally {
    yield put(pushSettled({ id }))
  }
  if (outcome.status !== 'ok' && !options.quiet) {
    const reason = outcome.status === 'error' ? outcome.reason : 'timeout'
    yield put(toastShown({ id: `push-${id}`, text: describeReason(reason), tone: 'error' }))
  }
  return outcome
}
