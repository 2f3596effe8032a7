// The runner of the shared conformance cases (conformance/README.md), kept apart from the test file
// so that its semantics read as one function, mirrored by server/src/domain/conformance_test.cpp.
import { CATALOGUE } from './catalogue'
import { apply, initialState } from './apply'
import { restoreState } from './restore'
import { toStore } from './store'
import { validate } from './validate'
import type { Actor, MeetingEvent, MeetingState } from './types'

export interface Step {
  event?: Partial<MeetingEvent> & { type: string; actor: { pid: string; name: string } }
  push?: { actor: Actor; type: string; data: unknown }
  /** a canonical state JSON the runner restores (conformance/README.md) */
  restore?: unknown
  expect?: 'ok' | { reject: string }
  ts?: number
  id?: string
  expect_state?: Record<string, unknown>
  /** top-level keys of the event an accepted push wrote (actor, data …), each deep-equal */
  expect_stored?: Record<string, unknown>
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
function checkState(state: MeetingState | MeetingEvent, expected: Record<string, unknown>, where: string, what = 'state'): string[] {
  const actual = state as unknown as Record<string, unknown>
  return Object.keys(expected)
    .filter((k) => !Object.prototype.hasOwnProperty.call(actual, k) || !jsonEqual(actual[k], expected[k]))
    .map((k) => `${where}: ${what}.${k} is ${JSON.stringify(actual[k])}, expected ${JSON.stringify(expected[k])}`)
}

// The runner's position: the state and the counters conformance/README.md defines.
interface Runner {
  state: MeetingState
  seq: number
  clock: number
}

const freshRunner = (): Runner => ({ state: initialState(), seq: 0, clock: 0 })

// The runner a restore starts from: counters come from the state, which is all a snapshot carries.
const restoredRunner = (state: MeetingState): Runner => ({ state, seq: state.last_seq, clock: state.last_ts })

/** What one step did: its outcome ("ok", a reject reason, "not_canonical"), and whether the state is
 *  now that of a stored position (an event, a stored push or a restore), where a snapshot may be cut. */
interface StepResult {
  outcome: string
  stored: boolean
  /** what an accepted push wrote (its stored or transient event) */
  event?: MeetingEvent
}

function runEvent(r: Runner, event: NonNullable<Step['event']>): StepResult {
  const ts = event.ts ?? r.clock + 1000
  r.seq = event.seq ?? r.seq + 1
  r.clock = ts
  r.state = apply(r.state, { data: {}, ...event, seq: r.seq, ts, id: event.id ?? `e${r.seq}` } as MeetingEvent)
  return { outcome: 'ok', stored: true }
}

function runPush(r: Runner, step: Step, i: number): StepResult {
  const ts = step.ts ?? r.clock + 1000
  r.clock = ts
  const { actor, type, data } = step.push!
  const reason = validate(r.state, actor, type, data)
  if (reason !== null) return { outcome: reason, stored: false }
  const transient = CATALOGUE[type]?.replay === 'transient'
  if (!transient) r.seq += 1
  // What the server writes: the cases prove toStore (an anonymous card's events name nobody).
  const stored = toStore(r.state, actor, type, data)
  const event: MeetingEvent = {
    ...(transient ? {} : { seq: r.seq }),
    id: step.id ?? (transient ? `t${i + 1}` : `e${r.seq}`),
    type,
    actor: stored.actor,
    ts,
    data: stored.data,
  }
  r.state = apply(r.state, event)
  return { outcome: 'ok', stored: !transient, event }
}

// A refused restore leaves the runner as it was, counters included.
function runRestore(r: Runner, json: unknown): StepResult {
  const state = restoreState(json)
  if (state === null) return { outcome: 'not_canonical', stored: false }
  Object.assign(r, restoredRunner(state))
  return { outcome: 'ok', stored: true }
}

function runStep(r: Runner, step: Step, i: number): StepResult | null {
  if (step.event) return runEvent(r, step.event)
  if (step.push) return runPush(r, step, i)
  if (step.restore !== undefined) return runRestore(r, step.restore)
  return null
}

// A push or restore must end as its "expect" says (default "ok"); an event step has no outcome to check.
function checkOutcome(step: Step, outcome: string, where: string): string[] {
  if (step.event) return []
  const wanted = step.expect === undefined || step.expect === 'ok' ? 'ok' : step.expect.reject
  if (outcome === wanted) return []
  const label = step.push ? ` (${step.push.type})` : ' (restore)'
  return [`${where}${label}: got ${outcome}, expected ${wanted}`]
}

interface Run {
  failures: string[]
  /** per step index (from the first step run on) */
  outcomes: string[]
  /** indices of the steps after which the state is a stored position */
  stored: number[]
  /** the canonical JSON text of the state after each step index in `snapshotAt` */
  snapshots: Map<number, string>
  state: MeetingState
}

/** Whether a run checks the steps' expect / expect_state: a run after a snapshot cut compares its outcomes
 *  and final state with the plain run's instead, which checked them (and re-checking costs quadratic time). */
type Expectations = 'check' | 'skip'

// Runs c.steps[from..] on `r`, checking (or not) the expectations of those steps and of the case.
function run(c: Case, r: Runner, from: number, expectations: Expectations = 'check', snapshotAt: ReadonlySet<number> = new Set()): Run {
  const out: Run = { failures: [], outcomes: [], stored: [], snapshots: new Map(), state: r.state }
  const check = expectations === 'check'
  for (let i = from; i < c.steps.length; i += 1) {
    const step = c.steps[i]
    const where = `step ${i + 1}`
    const result = runStep(r, step, i)
    if (result === null) {
      out.failures.push(`${where}: none of "event", "push", "restore"`)
      out.outcomes[i] = 'malformed'
    } else {
      if (check) out.failures.push(...checkOutcome(step, result.outcome, where))
      out.outcomes[i] = result.outcome
      if (result.stored) out.stored.push(i)
    }
    if (check && step.expect_stored) {
      if (!result?.event) out.failures.push(`${where}: expect_stored, but nothing was written`)
      else out.failures.push(...checkState(result.event, step.expect_stored, where, 'stored event'))
    }
    if (snapshotAt.has(i)) out.snapshots.set(i, JSON.stringify(r.state))
    if (check && step.expect_state) out.failures.push(...checkState(r.state, step.expect_state, where))
  }
  if (check && c.expect_state) out.failures.push(...checkState(r.state, c.expect_state, 'end'))
  out.state = r.state
  return out
}

/** Runs one case; returns its failures (empty when it passes) and the final state. */
export function runCase(c: Case): { failures: string[]; state: MeetingState } {
  const { failures, state } = run(c, freshRunner(), 0)
  return { failures, state }
}

/** Where a case is cut for the snapshot property: after every stored position of a short case, else
 *  at SNAPSHOT_CUTS positions spread evenly plus the last (a long case would cost quadratic time). */
const SHORT_CASE_STEPS = 200
const SNAPSHOT_CUTS = 50

function snapshotCuts(stepCount: number, stored: number[]): number[] {
  if (stepCount <= SHORT_CASE_STEPS || stored.length <= SNAPSHOT_CUTS) return stored
  const cuts = new Set<number>()
  for (let j = 0; j < SNAPSHOT_CUTS; j += 1) cuts.add(stored[Math.floor((j * stored.length) / SNAPSHOT_CUTS)])
  cuts.add(stored[stored.length - 1])
  return [...cuts]
}

/** The snapshot property (conformance/README.md): cut the plain run after a stored position, restore
 *  the state from its canonical JSON text, run the remaining steps — every outcome after the cut and the
 *  final state must be the plain run's. Returns the failures and the number of cuts tried. */
export function checkSnapshots(c: Case): { failures: string[]; cuts: number } {
  const plain = run(c, freshRunner(), 0, 'skip')
  const cuts = snapshotCuts(c.steps.length, plain.stored)
  const { snapshots } = run(c, freshRunner(), 0, 'skip', new Set(cuts))
  const failures: string[] = []
  for (const k of cuts) {
    const restored = restoreState(JSON.parse(snapshots.get(k)!))
    if (restored === null) {
      failures.push(`cut after step ${k + 1}: the state's JSON does not restore`)
      continue
    }
    const tail = run(c, restoredRunner(restored), k + 1, 'skip')
    const differs = plain.outcomes.findIndex((o, i) => i > k && tail.outcomes[i] !== o)
    if (differs >= 0) {
      failures.push(`cut after step ${k + 1}: step ${differs + 1} got ${tail.outcomes[differs]}, the plain run ${plain.outcomes[differs]}`)
    } else if (!jsonEqual(tail.state, plain.state)) {
      failures.push(`cut after step ${k + 1}: final state ${JSON.stringify(tail.state)}, the plain run ${JSON.stringify(plain.state)}`)
    }
  }
  return { failures, cuts: cuts.length }
}
