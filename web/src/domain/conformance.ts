// The runner of the shared conformance cases (conformance/README.md), kept apart from the test file
// so that its semantics read as one function, mirrored by server/src/domain/conformance_test.cpp.
import { CATALOGUE } from './catalogue'
import { apply, initialState } from './apply'
import { validate } from './validate'
import type { Actor, MeetingEvent, MeetingState } from './types'

export interface Step {
  event?: Partial<MeetingEvent> & { type: string; actor: { pid: string; name: string } }
  push?: { actor: Actor; type: string; data: unknown }
  expect?: 'ok' | { reject: string }
  ts?: number
  id?: string
  expect_state?: Record<string, unknown>
}

export interface Case {
  name: string
  steps: Step[]
  expect_state?: Record<string, unknown>
}

/** Deep structural equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const ak = Object.keys(ao)
  return ak.length === Object.keys(bo).length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]))
}

/** The failures of one expect_state: each given top-level key must deep-equal the state's. */
function checkState(state: MeetingState, expected: Record<string, unknown>, where: string): string[] {
  const actual = state as unknown as Record<string, unknown>
  return Object.keys(expected)
    .filter((k) => !Object.prototype.hasOwnProperty.call(actual, k) || !jsonEqual(actual[k], expected[k]))
    .map((k) => `${where}: state.${k} is ${JSON.stringify(actual[k])}, expected ${JSON.stringify(expected[k])}`)
}

/** Runs one case; returns its failures (empty when it passes) and the final state. */
export function runCase(c: Case): { failures: string[]; state: MeetingState } {
  const failures: string[] = []
  let state = initialState()
  let seq = 0
  let clock = 0
  c.steps.forEach((step, i) => {
    const where = `step ${i + 1}`
    if (step.event) {
      const ts = step.event.ts ?? clock + 1000
      seq = step.event.seq ?? seq + 1
      clock = ts
      state = apply(state, { data: {}, ...step.event, seq, ts, id: step.event.id ?? `e${seq}` } as MeetingEvent)
    } else if (step.push) {
      const ts = step.ts ?? clock + 1000
      clock = ts
      const { actor, type, data } = step.push
      const reason = validate(state, actor, type, data)
      const expect = step.expect ?? 'ok'
      const wanted = expect === 'ok' ? null : expect.reject
      if (reason !== wanted) failures.push(`${where} (${type}): got ${reason ?? 'ok'}, expected ${wanted ?? 'ok'}`)
      if (reason === null) {
        const transient = CATALOGUE[type]?.replay === 'transient'
        if (!transient) seq += 1
        const event: MeetingEvent = {
          ...(transient ? {} : { seq }),
          id: step.id ?? (transient ? `t${i + 1}` : `e${seq}`),
          type,
          actor: { pid: actor.pid, name: actor.name },
          ts,
          data: data as Record<string, unknown>,
        }
        state = apply(state, event)
      }
    } else {
      failures.push(`${where}: neither "event" nor "push"`)
    }
    if (step.expect_state) failures.push(...checkState(state, step.expect_state, where))
  })
  if (c.expect_state) failures.push(...checkState(state, c.expect_state, 'end'))
  return { failures, state }
}
