import { describe, expect, it } from 'vitest'
import { codePointCount, isBlank } from './text'

describe('codePointCount', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointCount('')).toBe(0)
    expect(codePointCount('abc')).toBe(3)
    expect(codePointCount('é')).toBe(1)
    expect(codePointCount('🎉!')).toBe(2)
    expect(codePointCount('❤️')).toBe(2)
    expect(codePointCount('\uD800x')).toBe(2) // a lone surrogate counts as one
  })
})

describe('isBlank', () => {
  it('treats only Unicode White_Space as blank', () => {
    expect(isBlank('')).toBe(true)
    expect(isBlank(' \t\r\n\v\f\u00a0\u3000\u2028')).toBe(true)
    expect(isBlank(' a ')).toBe(false)
    expect(isBlank('\ufeff')).toBe(false) // JavaScript's \s would say blank; the C++ side says not
    expect(isBlank('\u200b')).toBe(false)
  })
})
