import { configureStore, type Middleware } from '@reduxjs/toolkit'
import createSagaMiddleware from 'redux-saga'
import type { SagaDeps } from './deps'
import { rootReducer, type RootState } from './rootReducer'
import { rootSaga } from './rootSaga'

export interface StoreOptions {
  navigation?: boolean
  preloadedState?: Partial<RootState>
  // Sees every action that reaches the reducers, sagas' puts included (tests count actions with it).
  onAction?: (action: unknown) => void
}

export function createAppStore(deps: SagaDeps, options: StoreOptions = {}) {
  const sagaMiddleware = createSagaMiddleware()
  const onAction = options.onAction
  const spy: Middleware[] = onAction ? [() => (next) => (action) => (onAction(action), next(action))] : []
  const store = configureStore({
    reducer: rootReducer,
    preloadedState: options.preloadedState as RootState | undefined,
    middleware: (getDefault) =>
      // Meeting states and the live tail can be large; the dev-only immutability walk over them is too slow.
      getDefault({ thunk: false, immutableCheck: false, serializableCheck: false }).concat(...spy, sagaMiddleware),
  })
  sagaMiddleware.run(rootSaga, deps, { navigation: options.navigation })
  return store
}

export type AppStore = ReturnType<typeof createAppStore>
export type AppDispatch = AppStore['dispatch']
