// One meeting session: identity, the socket, and forwarding of everything the server says into the
// store. Opening another meeting (or leaving) cancels the session, which closes the socket.
import { eventChannel, buffers, type EventChannel } from 'redux-saga'
import { call, fork, put, select, take, takeEvery, takeLatest, throttle } from 'redux-saga/effects'
import type { Action } from '@reduxjs/toolkit'
import type { SagaDeps } from '../../app/deps'
import type { MeetingEvent } from '../../domain'
import type { SavedIdentity } from '../../lib/identity'
import { describeReason } from '../../lib/reasons'
import { presenceSynced } from '../presence/presenceSlice'
import { reactionShown } from '../reactions/reactionsSlice'
import { toastShown } from '../toasts/toastsSlice'
import { typingSeen } from '../typing/typingSlice'
import { copyLinkRequested, eventRequested, nextTopicRequested, resyncNeeded, typingStarted } from './commands'
import type { ConnectionMessage, MeetingConnection } from './connection'
import {
  clockSynced,
  connecting,
  eventAppended,
  joinFailed,
  joined,
  joinRequested,
  meetingClosed,
  meetingOpened,
  nameNeeded,
  socketDown,
  type Me,
} from './meetingSlice'
import { pushEvent } from './pushSaga'
import { classifyArrival, joinParamsFor } from './resume'
import { nextTopicCard, selectLastSeq, selectLiveState, selectMe } from './selectors'

// Mutable per-session facts read synchronously by the join-params function that phoenix calls.
interface Session {
  meetingId: string
  identity: SavedIdentity
  token: string | null
  lastSeq: number
  resyncing: boolean
}

export function connectionChannel(connection: MeetingConnection): EventChannel<ConnectionMessage> {
  return eventChannel((emit) => connection.subscribe((message) => emit(message)), buffers.expanding(64))
}

export function* meetingSaga(deps: SagaDeps) {
  yield takeLatest([meetingOpened.type, meetingClosed.type], function* (action: Action) {
    if (meetingOpened.match(action)) yield call(openMeeting, deps, action.payload.meetingId)
  })
  yield takeEvery(copyLinkRequested.type, function* (action: ReturnType<typeof copyLinkRequested>) {
    try {
      yield call(deps.copyText, action.payload.url)
      yield put(toastShown({ id: `copy-${deps.now()}`, text: 'Link copied to the clipboard.', tone: 'info' }))
    } catch {
      yield put(toastShown({ id: `copy-${deps.now()}`, text: `Copy this link: ${action.payload.url}`, tone: 'info' }))
    }
  })
}

export function* openMeeting(deps: SagaDeps, meetingId: string) {
  let identity = deps.identity.load(meetingId)
  if (!identity) {
    yield put(nameNeeded())
    const action: ReturnType<typeof joinRequested> = yield take(joinRequested.type)
    identity = { name: action.payload.name.trim() }
    deps.identity.save(meetingId, identity)
  } else {
    yield put(connecting())
  }
  yield call(runSession, deps, meetingId, identity)
}

export function* runSession(deps: SagaDeps, meetingId: string, identity: SavedIdentity) {
  const session: Session = {
    meetingId,
    identity: { ...identity },
    token: deps.identity.loadToken(meetingId),
    lastSeq: 0,
    resyncing: false,
  }
  const connection = deps.connect(meetingId, () => joinParamsFor(session.identity, session.token, session.lastSeq))
  const messages: EventChannel<ConnectionMessage> = yield call(connectionChannel, connection)
  yield fork(commandWatchers, deps, connection)
  try {
    for (;;) {
      const message: ConnectionMessage = yield take(messages)
      yield call(handleMessage, deps, connection, session, message)
      session.lastSeq = yield select(selectLastSeq)
    }
  } finally {
    messages.close() // unsubscribes: leaves the channel and disconnects the socket
  }
}

function* handleMessage(deps: SagaDeps, connection: MeetingConnection, session: Session, message: ConnectionMessage) {
  switch (message.kind) {
    case 'joined': {
      const { reply } = message
      // The secret comes only with a pid's first join; keep the one we have otherwise.
      const secret = reply.secret ?? (reply.pid === session.identity.pid ? session.identity.secret : undefined)
      session.identity = { name: session.identity.name, pid: reply.pid, secret }
      deps.identity.save(session.meetingId, session.identity)
      session.resyncing = false
      yield put(joined({ reply, name: session.identity.name }))
      return
    }
    case 'join_failed':
      if (message.reason === 'bad_credentials' && session.identity.pid) {
        // Our saved pid is not accepted (e.g. the meeting was re-imported): join as a new participant.
        deps.identity.forgetCredentials(session.meetingId)
        session.identity = { name: session.identity.name }
        yield put(toastShown({ id: `cred-${deps.now()}`, text: describeReason('bad_credentials'), tone: 'error' }))
        connection.resync()
        return
      }
      yield put(joinFailed({ reason: message.reason }))
      return
    case 'event':
      yield call(handleEvent, deps, connection, session, message.event)
      return
    case 'presence':
      yield put(presenceSynced(message.people))
      return
    case 'socket_down':
      yield put(socketDown())
      return
    case 'socket_up':
      return
  }
}

export function* handleEvent(deps: SagaDeps, connection: MeetingConnection, session: Session, event: MeetingEvent) {
  const lastSeq: number = yield select(selectLastSeq)
  switch (classifyArrival(event.seq, lastSeq)) {
    case 'transient': {
      const me: Me | null = yield select(selectMe)
      if (event.type === 'typing' && event.actor?.pid !== me?.pid) {
        const cardId = typeof event.data?.card_id === 'string' ? event.data.card_id : ''
        yield put(typingSeen({ card_id: cardId, pid: event.actor.pid, name: event.actor.name, key: event.id }))
      }
      return
    }
    case 'duplicate':
      return
    case 'gap':
      // Seq is contiguous per meeting, so a gap means we missed something: rejoin with since = lastSeq.
      if (!session.resyncing) {
        session.resyncing = true
        connection.resync()
      }
      return
    case 'next':
      yield put(eventAppended(event))
      yield put(clockSynced({ offsetMs: event.ts - deps.now() }))
      if (event.type === 'reaction' && typeof event.data?.emoji === 'string') {
        yield put(
          reactionShown({
            key: event.id,
            emoji: event.data.emoji,
            name: event.actor?.name ?? '',
            left: Math.round(8 + deps.random() * 84),
          }),
        )
      }
  }
}

function* commandWatchers(deps: SagaDeps, connection: MeetingConnection) {
  yield takeEvery(eventRequested.type, function* (action: ReturnType<typeof eventRequested>) {
    yield call(pushEvent, deps, connection, action.payload.type, action.payload.data)
  })
  yield takeEvery(nextTopicRequested.type, nextTopic, deps, connection)
  // Typing is a hint: at most one push per 1.5 s, and a refusal is not worth a message.
  yield throttle(1500, typingStarted.type, function* (action: ReturnType<typeof typingStarted>) {
    const data = action.payload.card_id ? { card_id: action.payload.card_id } : {}
    yield call(pushEvent, deps, connection, 'typing', data, { quiet: true })
  })
  yield takeEvery(resyncNeeded.type, () => connection.resync())
}

// "Next topic": finish the current item as done, then start the top-voted card still to discuss. The
// second push waits for the first to be acknowledged so the server sees them in that order.
export function* nextTopic(deps: SagaDeps, connection: MeetingConnection) {
  const before: ReturnType<typeof selectLiveState> = yield select(selectLiveState)
  if (before.discussion) {
    const finished: { status: string } = yield call(pushEvent, deps, connection, 'discussion_finished', {
      card_id: before.discussion.card_id,
      outcome: 'done',
    })
    if (finished.status !== 'ok') return
  }
  const after: ReturnType<typeof selectLiveState> = yield select(selectLiveState)
  const next = nextTopicCard(before.discussion ? withoutCard(after, before.discussion.card_id) : after)
  if (!next) {
    yield put(toastShown({ id: `next-${deps.now()}`, text: 'No topics left to discuss.', tone: 'info' }))
    return
  }
  yield call(pushEvent, deps, connection, 'discussion_started', { card_id: next.card_id })
}

// The ack can arrive before the broadcast that marks the card done; never restart the card just finished.
function withoutCard(state: ReturnType<typeof selectLiveState>, cardId: string) {
  return { ...state, cards: state.cards.filter((c) => c.card_id !== cardId) }
}
