import { describe, expect, it } from 'vitest'
import { EMOJI } from '../domain'
import { EMOJI_NAMES } from './emoji'

// The reaction set is the domain's (EMOJI, checked against conformance/catalogue.json); the spoken names
// are a second list, so adding an emoji there must add its name here.
describe('EMOJI_NAMES', () => {
  it('names exactly the emoji of the reaction set', () => {
    expect(Object.keys(EMOJI_NAMES).sort()).toEqual(Object.keys(EMOJI).sort())
  })
})
