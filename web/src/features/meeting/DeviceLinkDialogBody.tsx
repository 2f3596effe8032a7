// "Continue on another device": this participant's personal link (identity in the URL fragment, see
// lib/handoff.ts), shown only when asked for, with a copy button and a warning that it is personal.
import { useMemo } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks'
import { handoffUrl } from '../../lib/handoff'
import { loadFacilitatorToken, loadIdentity } from '../../lib/identity'
import { copyLinkRequested } from './commands'

export function DeviceLinkDialogBody({ meetingId }: { meetingId: string }) {
  const dispatch = useAppDispatch()
  const me = useAppSelector((s) => s.meeting.me)
  const link = useMemo(() => {
    const saved = loadIdentity(meetingId)
    if (!me || !saved?.pid || !saved.secret || saved.pid !== me.pid) return null
    const token = loadFacilitatorToken(meetingId) ?? undefined
    return handoffUrl(window.location.origin, meetingId, { name: me.name, pid: me.pid, secret: saved.secret, token })
  }, [meetingId, me])
  if (!link) {
    return <p>This browser does not hold your identity yet (it arrives with your first join). Try again in a moment.</p>
  }
  const facilitator = loadFacilitatorToken(meetingId) !== null
  return (
    <div className="device-link">
      <p className="warning-box" role="note">
        <strong>This link is personal.</strong> Whoever opens it joins as you{facilitator ? ', with the facilitator’s rights' : ''}.
        Open it only on your own device and do not share it.
      </p>
      <label className="field">
        <span>Your personal link</span>
        <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button type="button" className="primary" onClick={() => dispatch(copyLinkRequested({ url: link, what: 'Personal link' }))}>
        Copy personal link
      </button>
    </div>
  )
}
