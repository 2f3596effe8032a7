// Small inline icons for the player controls (no dependence on an emoji font being installed).
const common = { width: 18, height: 18, viewBox: '0 0 24 24', 'aria-hidden': true, focusable: false } as const

export const StepBackIcon = () => (
  <svg {...common}>
    <path fill="currentColor" d="M6 5h2v14H6zM20 5v14L9 12z" />
  </svg>
)
export const StepForwardIcon = () => (
  <svg {...common}>
    <path fill="currentColor" d="M16 5h2v14h-2zM4 5v14l11-7z" />
  </svg>
)
export const PlayIcon = () => (
  <svg {...common}>
    <path fill="currentColor" d="M7 4v16l13-8z" />
  </svg>
)
export const PauseIcon = () => (
  <svg {...common}>
    <path fill="currentColor" d="M6 4h4v16H6zM14 4h4v16h-4z" />
  </svg>
)
