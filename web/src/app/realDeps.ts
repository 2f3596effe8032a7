import { createMeeting, fetchEventsPage, fetchMeetingInfo, fetchStateAt } from '../lib/api'
import {
  forgetCredentials,
  loadFacilitatorToken,
  loadIdentity,
  saveFacilitatorToken,
  saveIdentity,
} from '../lib/identity'
import { newEventId } from '../lib/uuid'
import { connectMeeting } from '../features/meeting/phoenixConnection'
import type { SagaDeps } from './deps'

export const realDeps: SagaDeps = {
  connect: connectMeeting,
  createMeeting,
  fetchEventsPage,
  fetchStateAt,
  fetchMeetingInfo,
  identity: {
    load: loadIdentity,
    save: saveIdentity,
    forgetCredentials,
    loadToken: loadFacilitatorToken,
    saveToken: saveFacilitatorToken,
  },
  newEventId,
  copyText: (text) => navigator.clipboard.writeText(text),
  now: () => Date.now(),
  random: () => Math.random(),
  pushTimeoutMs: 5000,
  pushAttempts: 4,
}
