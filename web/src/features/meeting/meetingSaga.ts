// One meeting session: identity, the socket, and forwarding of everything the server says into the
// store. Opening another meeting (or leaving) cancels the session, which closes the socket.
import { eventChannel, buffers, type EventChannel } from 'redux-saga'
import { call, fork, put, select, take, takeEvery, takeLatest, throttle } from 'redux-saga/effects'
import type { Action } from '@reduxjs/toolkit'
import type { SagaDeps } from '../../app/deps'
import { restoreState, type MeetingEvent, type MeetingState } from '../../domain'
import { ApiError, type MeetingInfo } from '../../lib/api'
import type { Handoff } from '../../lib/handoff'
import type { SavedIdentity } from '../../lib/identity'
import { describeReason } from '../../lib/reasons'
import { presenceSynced } from '../presence/presenceSlice'
import { reactionShown } from '../reactions/reactionsSlice'
import { toastShown } from '../toasts/toastsSlice'
import { typingSeen } from '../typing/typingSlice'
import { copyLinkRequested, eventRequested, nextTopicRequested, resyncNeeded, typingStarted } from './commands'
import type { ConnectionMessage, JoinReply, MeetingConnection } from './connection'
import {
  clockSynced,
  connecting,
  eventsAppended,
  joinFailed,
  joined,
  joinReplyRejected,
  joinRequested,
  meetingClosed,
  meetingOpened,
  nameNeeded,
  meetingInfoLoaded,
  joinRetried,
  joinTimedOut,
  socketDown,
  socketUp,
  type JoinedPayload,
  type Me,
} from './meetingSlice'
import { pushEvent } from './pushSaga'
import { classifyArrival, joinParamsFor } from './resume'
import { nextTopicCard, selectBase, selectLastSeq, selectLiveState, selectMe } from './selectors'

// Mutable per-session facts read synchronously by the join-params function that phoenix calls.
interface Session {
  meetingId: string
  identity: SavedIdentity
  token: string | null
  lastSeq: number
  resyncing: boolean
  // Join replies in a row that could not be used (protocol errors); the second one ends the session.
  badReplies: number
}

// A join reply the client cannot use: its state does not restore, or it resumes a log we do not hold.
export const INVALID_REPLY = 'invalid_reply'

export function connectionChannel(connection: MeetingConnection): EventChannel<ConnectionMessage> {
  return eventChannel((emit) => connection.subscribe((message) => emit(message)), buffers.expanding(64))
}

export function* meetingSaga(deps: SagaDeps) {
  yield takeLatest([meetingOpened.type, meetingClosed.type], function* (action: Action) {
    if (meetingOpened.match(action)) yield call(openMeeting, deps, action.payload.meetingId, action.payload.handoff ?? null)
  })
  yield takeEvery(copyLinkRequested.type, function* (action: ReturnType<typeof copyLinkRequested>) {
    const what = action.payload.what ?? 'Link'
    try {
      yield call(deps.copyText, action.payload.url)
      yield put(toastShown({ id: `copy-${deps.now()}`, text: `${what} copied to the clipboard.`, tone: 'info' }))
    } catch {
      const text = action.payload.what ? `Could not copy. Select the link and copy it yourself.` : `Copy this link: ${action.payload.url}`
      yield put(toastShown({ id: `copy-${deps.now()}`, text, tone: 'info' }))
    }
  })
}

export function* openMeeting(deps: SagaDeps, meetingId: string, handoff: Handoff | null = null) {
  // A "continue on another device" link: from now on this browser is that participant.
  if (handoff) {
    deps.identity.save(meetingId, { name: handoff.name, pid: handoff.pid, secret: handoff.secret })
    if (handoff.token) deps.identity.saveToken(meetingId, handoff.token)
  }
  let identity = deps.identity.load(meetingId)
  if (!identity) {
    yield put(nameNeeded())
    yield fork(loadMeetingInfo, deps, meetingId)
    const action: ReturnType<typeof joinRequested> = yield take(joinRequested.type)
    identity = { name: action.payload.name.trim() }
    deps.identity.save(meetingId, identity)
  } else {
    yield put(connecting())
  }
  yield call(runSession, deps, meetingId, identity)
}

// The join page names the meeting. An unknown meeting is said at once; an unreachable server too (the
// socket will say so as well); anything else just leaves the generic heading.
export function* loadMeetingInfo(deps: SagaDeps, meetingId: string) {
  try {
    const info: MeetingInfo = yield call(deps.fetchMeetingInfo, meetingId)
    if (typeof info?.title === 'string') yield put(meetingInfoLoaded({ title: info.title }))
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') yield put(joinFailed({ reason: 'not_found' }))
    else if (!(error instanceof ApiError)) yield put(socketDown())
  }
}

export function* runSession(deps: SagaDeps, meetingId: string, identity: SavedIdentity) {
  const session: Session = {
    meetingId,
    identity: { ...identity },
    token: deps.identity.loadToken(meetingId),
    lastSeq: 0,
    resyncing: false,
    badReplies: 0,
  }
  const connection = deps.connect(meetingId, () => joinParamsFor(session.identity, session.token, session.lastSeq))
  const messages: EventChannel<ConnectionMessage> = yield call(connectionChannel, connection)
  yield fork(commandWatchers, deps, connection)
  try {
    for (;;) {
      const message: ConnectionMessage = yield take(messages)
      const outcome: 'stop' | undefined = yield call(handleMessage, deps, connection, session, message)
      session.lastSeq = yield select(selectLastSeq)
      if (outcome === 'stop') return
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
      const me: Me = { pid: reply.pid, name: session.identity.name, role: reply.role }
      const base: MeetingState | null = yield select(selectBase)
      const accepted = acceptJoinReply(reply, me, base !== null)
      if (accepted) {
        session.badReplies = 0
        yield put(joined(accepted))
        // The token holder of a meeting nobody holds the role in yet records that it facilitates, so
        // presence and the audit can tell everyone who does, from the start.
        const live: MeetingState = yield select(selectLiveState)
        if (reply.role === 'facilitator' && live.facilitator === null) {
          yield put(eventRequested({ type: 'facilitator_changed', data: { pid: reply.pid } }))
        }
        return
      }
      // A protocol error. Forget what we hold and join again without `since` (a fresh state); if that
      // reply is no better, give up and say so rather than rejoin forever.
      yield put(joinReplyRejected())
      session.lastSeq = 0 // phoenix reads the params as soon as resync() sends the join
      if (++session.badReplies > 1) {
        yield put(joinFailed({ reason: INVALID_REPLY }))
        return 'stop'
      }
      session.resyncing = true // live events before the new reply are gaps now: no second rejoin for them
      connection.resync()
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
      yield call(handleEvents, deps, connection, session, [message.event])
      return
    case 'events':
      yield call(handleEvents, deps, connection, session, message.events)
      return
    case 'presence':
      yield put(presenceSynced(message.people))
      return
    case 'socket_down':
      yield put(socketDown())
      return
    case 'socket_up':
      yield put(socketUp())
      return
    case 'join_timeout':
      yield put(joinTimedOut())
      return
  }
}

// The reply as the slice takes it, or null when it cannot be used: a fresh join must carry a state that
// the domain restores; a resumed one must carry events and continue a log we hold.
export function acceptJoinReply(reply: JoinReply, me: Me, holdingState: boolean): JoinedPayload | null {
  if (typeof reply.head_seq !== 'number' || !Number.isInteger(reply.head_seq) || reply.head_seq < 0) return null
  const ownCards = Array.isArray(reply.own_cards) ? reply.own_cards.filter((id) => typeof id === 'string') : []
  const extra = ownCards.length > 0 ? { ownCards } : {}
  if (reply.resumed) {
    if (!holdingState || !Array.isArray(reply.events)) return null
    return { me, headSeq: reply.head_seq, resumed: true, events: reply.events, ...extra }
  }
  const state = reply.state === undefined ? null : restoreState(reply.state)
  return state ? { me, headSeq: reply.head_seq, resumed: false, state, ...extra } : null
}

// One live broadcast or one batch, exactly as if each event came alone, in order: transient ones are
// shown (typing), duplicates dropped, the run that continues the log appended in ONE action, and a gap
// (which should not happen: seq is contiguous per meeting) rejoins once with since = lastSeq.
export function* handleEvents(deps: SagaDeps, connection: MeetingConnection, session: Session, events: MeetingEvent[]) {
  let lastSeq: number = yield select(selectLastSeq)
  const me: Me | null = yield select(selectMe)
  const fresh: MeetingEvent[] = []
  let gap = false
  for (const event of events) {
    const arrival = classifyArrival(event.seq, lastSeq)
    if (arrival === 'transient') {
      if (event.type === 'typing' && event.actor?.pid !== me?.pid) {
        const cardId = typeof event.data?.card_id === 'string' ? event.data.card_id : ''
        yield put(typingSeen({ card_id: cardId, pid: event.actor.pid, name: event.actor.name, key: event.id }))
      }
    } else if (arrival === 'next') {
      fresh.push(event)
      lastSeq = event.seq!
    } else if (arrival === 'gap') {
      gap = true
      break
    }
  }
  if (fresh.length > 0) {
    yield put(eventsAppended(fresh))
    // Renamed (here or on another of our devices): the next join must carry the new name.
    const after: Me | null = yield select(selectMe)
    if (after && after.name !== session.identity.name) {
      session.identity = { ...session.identity, name: after.name }
      deps.identity.save(session.meetingId, session.identity)
    }
    yield put(clockSynced({ offsetMs: fresh[fresh.length - 1].ts - deps.now() }))
    for (const event of fresh) {
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
  if (gap && !session.resyncing) {
    session.resyncing = true
    connection.resync()
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
    yield call(pushEvent, deps, connection, 'typing', data, { quiet: true, dropWhenOffline: true })
  })
  yield takeEvery([resyncNeeded.type, joinRetried.type], () => connection.resync())
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
