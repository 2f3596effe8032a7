// Runs every case of every conformance/*.json file; server/src/domain/conformance_test.cpp runs the
// same files, so a case only one side passes fails one of the two suites.
import { describe, expect, it } from 'vitest'
import { CATALOGUE, EMOJI } from './catalogue'
import { checkSnapshots, runCase, type Case } from './conformance'

// Raw text parsed with JSON.parse: a bundler's JSON import turns files into object literals, where a
// "__proto__" key would set the prototype instead of making a key (apply.json tests exactly that).
interface CaseFile {
  description: string
  cases: Case[]
  catalogue?: Record<string, { replay: string; server_only: boolean; who: string }>
  emoji?: Record<string, number>
}

const texts = import.meta.glob<string>('../../../conformance/*.json', { eager: true, query: '?raw', import: 'default' })
const files: Record<string, CaseFile> = Object.fromEntries(
  Object.entries(texts).map(([path, text]) => [path, JSON.parse(text)]),
)

describe('conformance', () => {
  it('finds the case files', () => {
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(6)
  })
  for (const [path, file] of Object.entries(files)) {
    const name = path.split('/').pop()!
    describe(name, () => {
      it('has cases', () => expect(file.cases.length).toBeGreaterThan(0))
      if (file.catalogue) {
        it('fixes the catalogue', () => {
          const ours = Object.fromEntries(
            Object.entries(CATALOGUE).map(([t, s]) => [t, { replay: s.replay, server_only: s.serverOnly, who: s.who }]),
          )
          expect(ours).toEqual(file.catalogue)
        })
      }
      if (file.emoji) {
        it('fixes the emoji set', () => expect(EMOJI).toEqual(file.emoji))
      }
      for (const c of file.cases) {
        it(c.name, () => {
          expect(runCase(c).failures).toEqual([])
        })
        // The join reply restores a snapshot and folds the tail: it must not matter where the cut falls.
        it(`${c.name} (snapshot + tail)`, () => {
          const { failures, cuts } = checkSnapshots(c)
          expect(failures).toEqual([])
          expect(cuts).toBeGreaterThan(0)
        })
      }
    })
  }
})
