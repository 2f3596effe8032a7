// A UI clock for countdowns. The reducers stay pure: time only enters the app here, in rendering.
import { useEffect, useState } from 'react'

export function useNow(intervalMs: number, offsetMs = 0, enabled = true): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!enabled) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, enabled])
  return now + offsetMs
}
