import { configureStore } from '@reduxjs/toolkit'
import createSagaMiddleware from 'redux-saga'
import type { SagaDeps } from './deps'
import { rootReducer, type RootState } from './rootReducer'
import { rootSaga } from './rootSaga'

export function createAppStore(deps: SagaDeps, options: { navigation?: boolean; preloadedState?: Partial<RootState> } = {}) {
  const sagaMiddleware = createSagaMiddleware()
  const store = configureStore({
    reducer: rootReducer,
    preloadedState: options.preloadedState as RootState | undefined,
    middleware: (getDefault) =>
      // The log can hold thousands of events; the dev-only immutability walk over it is too slow.
      getDefault({ thunk: false, immutableCheck: false, serializableCheck: false }).concat(sagaMiddleware),
  })
  sagaMiddleware.run(rootSaga, deps, { navigation: options.navigation })
  return store
}

export type AppStore = ReturnType<typeof createAppStore>
export type AppDispatch = AppStore['dispatch']
