// Text measures shared by the rules, defined exactly as server/src/domain/text.cpp defines them.

/** Number of Unicode code points (a lone surrogate counts as one). */
export function codePointCount(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

// Unicode White_Space. Not JavaScript's \s, which also matches U+FEFF.
function isWhiteSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  )
}

/** True when `s` is empty or only white space. */
export function isBlank(s: string): boolean {
  for (const ch of s) {
    if (!isWhiteSpace(ch.codePointAt(0)!)) return false
  }
  return true
}
