// The Audit tab: the filters the person chose and the server's last answer for them.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { FetchStatus } from '../analytics/analyticsSlice'
import type { AuditFilters, AuditLog } from './types'

export interface AuditState {
  meetingId: string | null
  filters: AuditFilters
  status: FetchStatus
  data: AuditLog | null
  // The filters `data` answers (the table says what it shows, even while a new answer is loading).
  dataFilters: AuditFilters | null
  error: string | null
}

const noFilters: AuditFilters = { actor: '', type: '' }
const initialState: AuditState = { meetingId: null, filters: noFilters, status: 'idle', data: null, dataFilters: null, error: null }

const auditSlice = createSlice({
  name: 'audit',
  initialState,
  reducers: {
    auditOpened(state, action: PayloadAction<{ meetingId: string }>) {
      if (state.meetingId !== action.payload.meetingId) return { ...initialState, meetingId: action.payload.meetingId }
      return state
    },
    auditClosed() {},
    auditFiltersChanged(state, action: PayloadAction<Partial<AuditFilters>>) {
      state.filters = { ...state.filters, ...action.payload }
    },
    auditRequested(state) {
      state.status = 'loading'
    },
    auditLoaded(state, action: PayloadAction<{ log: AuditLog; filters: AuditFilters }>) {
      state.status = 'ready'
      state.data = action.payload.log
      state.dataFilters = action.payload.filters
      state.error = null
    },
    auditFailed(state, action: PayloadAction<{ reason: string }>) {
      state.status = 'failed'
      state.error = action.payload.reason
    },
  },
})

export const { auditOpened, auditClosed, auditFiltersChanged, auditRequested, auditLoaded, auditFailed } = auditSlice.actions
export default auditSlice.reducer
