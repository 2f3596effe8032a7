import { describe, expect, it } from 'vitest'
import { tabTarget } from './MeetingTabs'

describe('tab keys (ARIA tabs pattern)', () => {
  it('arrows wrap around; Home and End go to the ends; other keys are left alone', () => {
    expect(tabTarget('ArrowRight', 0, 3)).toBe(1)
    expect(tabTarget('ArrowRight', 2, 3)).toBe(0)
    expect(tabTarget('ArrowLeft', 0, 3)).toBe(2)
    expect(tabTarget('Home', 2, 3)).toBe(0)
    expect(tabTarget('End', 0, 3)).toBe(2)
    expect(tabTarget('Enter', 1, 3)).toBeNull()
    expect(tabTarget('Tab', 1, 3)).toBeNull()
  })
})
