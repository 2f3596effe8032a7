// @vitest-environment jsdom
// The views inside the app: the meeting's tabs and the /features page, with the real root saga and a
// fake global fetch.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { Provider } from 'react-redux'
import { createAppStore } from '../../app/store'
import { App } from '../../app/App'
import { fakeDeps, memoryIdentity, sampleLog, stateReply } from '../../test/fakes'
import { pathChanged } from '../navigation/navigationSlice'
import { meetingOpened } from '../meeting/meetingSlice'
import { auditFixture } from '../audit/fixtures'
import { featuresFixture } from '../features/fixtures'
import { analyticsFixture, fakeFetch } from './fixtures'

vi.mock('react-chartjs-2', () => import('./chartStub'))

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderApp() {
  const fetch = fakeFetch((url) =>
    url.startsWith('/api/meetings/') && url.endsWith('/analytics')
      ? analyticsFixture()
      : url.includes('/audit')
        ? auditFixture()
        : featuresFixture(),
  )
  vi.stubGlobal('fetch', fetch)
  const { deps, connections } = fakeDeps({ identity: memoryIdentity({ m1: { name: 'Ada' } }) })
  const store = createAppStore(deps, { navigation: false })
  render(
    <Provider store={store}>
      <App />
    </Provider>,
  )
  return { store, connections, fetch }
}

describe('views in the app', () => {
  it('the meeting has Board, Actions, Analytics and Audit tabs; each view loads when opened', async () => {
    const { store, connections, fetch } = renderApp()
    store.dispatch(pathChanged({ path: '/m/m1' }))
    store.dispatch(meetingOpened({ meetingId: 'm1' }))
    connections[0].emit({ kind: 'joined', reply: stateReply(sampleLog(), { pid: 'p1', role: 'facilitator', secret: undefined }) })
    await screen.findByRole('heading', { name: 'Retro' })
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['Board', 'Actions', 'Analytics', 'Audit'])
    // Only the board's reaction-chip seed (the analytics' reactions_by_card) is fetched before a view opens.
    expect(fetch.urls.filter((u) => !u.endsWith('/analytics'))).toEqual([])
    const before = fetch.urls.length

    fireEvent.click(screen.getByRole('tab', { name: 'Analytics' }))
    expect(screen.getByRole('tab', { name: 'Analytics' }).getAttribute('aria-selected')).toBe('true')
    expect(await screen.findByRole('table', { name: 'Topics in the order they were added' }, { timeout: 8000 })).toBeTruthy()
    expect(screen.getByRole('tabpanel', { name: 'Analytics' })).toBeTruthy()
    expect(fetch.urls.slice(before)).toEqual(['/api/meetings/m1/analytics'])

    // Arrow keys move between tabs, as before.
    fireEvent.keyDown(screen.getByRole('tablist'), { key: 'ArrowRight' })
    expect(await screen.findByRole('table', { name: 'Audit log: 4 events' }, { timeout: 8000 })).toBeTruthy()
    expect(fetch.urls.at(-1)).toBe('/api/meetings/m1/audit?format=json')
  }, 20000) // the views are lazily imported: the first import is transformed on demand

  it('the landing page links to /features, which shows feature usage', async () => {
    const { store, fetch } = renderApp()
    const link = screen.getByRole('link', { name: 'Feature usage' })
    expect(link.getAttribute('href')).toBe('/features')
    store.dispatch(pathChanged({ path: '/features' }))
    expect(await screen.findByRole('table', { name: 'Usage per event type' }, { timeout: 8000 })).toBeTruthy()
    expect(fetch.urls).toEqual(['/api/analytics/features'])
  }, 20000)
})
