import { lazy, Suspense } from 'react'
import { useAppSelector } from './hooks'
import { routeFor } from '../features/navigation/navigationSlice'
import { LandingPage } from '../features/landing/LandingPage'
import { MeetingPage } from '../features/meeting/MeetingPage'
import { Toasts } from '../features/toasts/Toasts'
import { Link } from '../features/navigation/Link'

const FeaturesPage = lazy(() => import('../features/features/FeaturesPage').then((m) => ({ default: m.FeaturesPage })))

export function App() {
  const path = useAppSelector((s) => s.navigation.path)
  const route = /^\/features\/?$/.test(path) ? { page: 'features' as const } : routeFor(path)
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {route.page === 'landing' && <LandingPage />}
      {route.page === 'features' && (
        <Suspense fallback={null}>
          <FeaturesPage />
        </Suspense>
      )}
      {route.page === 'meeting' && <MeetingPage key={route.meetingId} meetingId={route.meetingId} />}
      {route.page === 'notFound' && (
        <main id="main" className="page narrow">
          <h1>Page not found</h1>
          <p>
            <Link to="/">Start a new meeting</Link>
          </p>
        </main>
      )}
      <Toasts />
    </>
  )
}
