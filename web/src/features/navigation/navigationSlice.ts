// The current path, mirrored from the History API by navigationSaga (no router library needed:
// the app has two pages, "/" and "/m/ID").
import { createAction, createSlice, type PayloadAction } from '@reduxjs/toolkit'

export const navigateTo = createAction<{ path: string }>('navigation/navigateTo')

const navigationSlice = createSlice({
  name: 'navigation',
  initialState: { path: '/' },
  reducers: {
    pathChanged(state, action: PayloadAction<{ path: string }>) {
      state.path = action.payload.path
    },
  },
})

export const { pathChanged } = navigationSlice.actions
export default navigationSlice.reducer

export type Route = { page: 'landing' } | { page: 'meeting'; meetingId: string } | { page: 'notFound' }

export function routeFor(path: string): Route {
  if (path === '/' || path === '') return { page: 'landing' }
  const match = /^\/m\/([A-Za-z0-9_-]{1,64})\/?$/.exec(path)
  if (match) return { page: 'meeting', meetingId: match[1] }
  return { page: 'notFound' }
}
