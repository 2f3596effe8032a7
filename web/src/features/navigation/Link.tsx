import type { MouseEvent, ReactNode } from 'react'
import { useAppDispatch } from '../../app/hooks'
import { navigateTo } from './navigationSlice'

// An ordinary link that navigates in-app (plain clicks only; modified clicks open tabs as usual).
export function Link({
  to,
  children,
  className,
  'aria-label': label,
}: {
  to: string
  children: ReactNode
  className?: string
  'aria-label'?: string
}) {
  const dispatch = useAppDispatch()
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    dispatch(navigateTo({ path: to }))
  }
  return (
    <a href={to} onClick={onClick} className={className} aria-label={label}>
      {children}
    </a>
  )
}
