import { all, call } from 'redux-saga/effects'
import type { SagaDeps } from './deps'
import { landingSaga } from '../features/landing/landingSaga'
import { meetingSaga } from '../features/meeting/meetingSaga'
import { navigationSaga } from '../features/navigation/navigationSaga'
import { timelineSaga } from '../features/timeline/timelineSaga'
import { expirySaga } from '../features/toasts/expirySaga'
import { analyticsSaga } from '../features/analytics/analyticsSaga'
import { auditSaga } from '../features/audit/auditSaga'
import { featuresSaga } from '../features/features/featuresSaga'
import { summarySaga } from '../features/summary/summarySaga'
import { cardReactionsSaga } from '../features/reactions/cardReactionsSaga'

export function* rootSaga(deps: SagaDeps, options: { navigation?: boolean } = {}) {
  yield all([
    call(meetingSaga, deps),
    call(landingSaga, deps),
    call(timelineSaga, deps),
    call(expirySaga),
    call(analyticsSaga),
    call(auditSaga),
    call(featuresSaga),
    call(summarySaga),
    call(cardReactionsSaga),
    ...(options.navigation === false ? [] : [call(navigationSaga)]),
  ])
}
