// Copying text: the async Clipboard API where the page may use it (secure context, permission), else
// the old selection + execCommand('copy') on an off-screen textarea, which works without a permission
// inside the click that asked for it.
export type CopyFn = (text: string) => Promise<boolean>

export const copyText: CopyFn = async (text) => {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // refused (no permission, not focused): fall back below
  }
  return copyWithTextarea(text)
}

export function copyWithTextarea(text: string): boolean {
  if (typeof document === 'undefined') return false
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.setAttribute('aria-hidden', 'true')
  area.className = 'clipboard-fallback'
  area.style.position = 'fixed'
  area.style.top = '-1000px'
  document.body.appendChild(area)
  area.select()
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  area.remove()
  return ok
}
