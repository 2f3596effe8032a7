// Intent actions: the UI asks, sagas act (push to the server). They change no state by themselves;
// the state changes when the server's broadcast of the stored event comes back.
import { createAction } from '@reduxjs/toolkit'

export const eventRequested = createAction<{ type: string; data: Record<string, unknown> }>('commands/eventRequested')
// Finish the current topic as done, then start the top-voted card still to discuss.
export const nextTopicRequested = createAction('commands/nextTopicRequested')
// Sent repeatedly while someone edits; the saga throttles what reaches the socket.
export const typingStarted = createAction<{ card_id?: string }>('commands/typingStarted')
// `what` names the link in the confirmation ("Personal link copied…"); a personal link is never echoed.
export const copyLinkRequested = createAction<{ url: string; what?: string }>('commands/copyLinkRequested')
export const resyncNeeded = createAction('commands/resyncNeeded')
