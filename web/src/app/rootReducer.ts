import { combineReducers } from '@reduxjs/toolkit'
import analytics from '../features/analytics/analyticsSlice'
import audit from '../features/audit/auditSlice'
import features from '../features/features/featuresSlice'
import summary from '../features/summary/summarySlice'
import landing from '../features/landing/landingSlice'
import meeting from '../features/meeting/meetingSlice'
import navigation from '../features/navigation/navigationSlice'
import presence from '../features/presence/presenceSlice'
import reactions from '../features/reactions/reactionsSlice'
import cardReactions from '../features/reactions/cardReactionsSlice'
import timeline from '../features/timeline/timelineSlice'
import toasts from '../features/toasts/toastsSlice'
import typing from '../features/typing/typingSlice'

export const rootReducer = combineReducers({
  navigation,
  landing,
  meeting,
  presence,
  reactions,
  cardReactions,
  typing,
  timeline,
  toasts,
  analytics,
  audit,
  features,
  summary,
})

export type RootState = ReturnType<typeof rootReducer>
