// The lazy timeline on a long meeting, in Chromium against the real server. A meeting of 24,000 events is
// generated as NDJSON and loaded with `confab import` into the temp store before the server starts. The
// browser must join it from the state in the join reply (no history fetched), and load the past only when
// the timeline is used: jumps via server snapshots, steps and playback folded forward from what is held.
// Every board shown is compared with the server's own `GET /state?seq=K`. Timings are printed, not asserted.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { browserSuite, screenshot, until } from './harness.mjs'
import { generateMeeting } from './longMeeting.mjs'

// CONFAB_E2E_EVENTS=100000 npm run e2e -- e2e/timeline.e2e.test.mjs: the same test on a longer meeting.
const EVENTS = Number(process.env.CONFAB_E2E_EVENTS ?? 24_000)
const at = (fraction) => Math.round(EVENTS * fraction)

let server
let browser
let meetingId
let logBytes

browserSuite({
  ready: (s, b) => {
    server = s
    browser = b
  },
  prepare: (server) => {
    const ndjson = generateMeeting(EVENTS)
    logBytes = Buffer.byteLength(ndjson)
    const file = join(server.dir, 'long-meeting.ndjson')
    writeFileSync(file, ndjson)
    const out = JSON.parse(execFileSync(server.bin, ['import', file, '--store', server.store], { encoding: 'utf8' }))
    assert.equal(out.events, EVENTS)
    meetingId = out.id
  },
})

async function stateAt(seq) {
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/state?seq=${seq}`)
  assert.equal(res.status, 200)
  return res.json()
}

// The board as the server says it was at seq: every card with its title and vote total, sorted.
function expectedBoard(state) {
  return state.cards.map((c) => `${c.title} | ${Object.values(c.votes).reduce((a, b) => a + b, 0)}`).sort()
}

async function shownBoard(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('li.card')]
      .map((li) => `${li.querySelector('.card-title')?.textContent?.trim()} | ${li.querySelector('.vote-count strong')?.textContent ?? '0'}`)
      .sort(),
  )
}

const shownSeq = (page) => page.locator('section.timeline').getAttribute('data-shown-seq')

// Moves the slider to `seq` the way a person's drag ends (an input event on the range), and measures in
// the page the time until the board for that seq is on screen (the commit that sets data-shown-seq), and
// until the last history response it needed had arrived (`fetchedMs`, null when none was needed).
async function moveSliderTo(page, seq) {
  return page.evaluate(
    (target) =>
      new Promise((resolve, reject) => {
        const slider = document.querySelector('input[type=range][aria-label="Timeline"]')
        const section = document.querySelector('section.timeline')
        const t0 = performance.now()
        const done = () => {
          if (section.getAttribute('data-shown-seq') !== String(target)) return
          const t1 = performance.now()
          observer.disconnect()
          const fetched = performance
            .getEntriesByType('resource')
            .filter((e) => e.startTime >= t0 && /\/(state|events)\?/.test(e.name) && e.responseEnd > 0 && e.responseEnd <= t1)
          resolve({ ms: t1 - t0, fetchedMs: fetched.length ? Math.max(...fetched.map((e) => e.responseEnd)) - t0 : null })
        }
        const observer = new MutationObserver(done)
        observer.observe(section, { attributes: true, attributeFilter: ['data-shown-seq'] })
        setTimeout(() => {
          observer.disconnect()
          reject(new Error(`seq ${target} was not shown within 15 s`))
        }, 15000)
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set
        setValue.call(slider, String(target))
        slider.dispatchEvent(new Event('input', { bubbles: true }))
        done()
      }),
    seq,
  )
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = ({ ms, fetchedMs }) => `${ms.toFixed(0)}${fetchedMs === null ? ' (local)' : ` (fetched by ${fetchedMs.toFixed(0)})`}`

test(`the timeline of a ${EVENTS}-event meeting loads lazily, jumps via snapshots and plays forward`, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  const requests = []
  page.on('request', (r) => requests.push(r.url()))
  const eventsReceived = [] // events per /events answer
  page.on('response', async (r) => {
    if (r.url().includes('/events?')) eventsReceived.push((await r.json()).events.length)
  })
  const joinReplies = []
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8')
      if (text.includes('"phx_reply"') && text.includes('"head_seq"')) joinReplies.push(text)
    })
  })

  await page.goto(`${server.url}/m/${meetingId}`)
  await page.getByLabel('Your name').fill('Tess')
  await page.getByRole('button', { name: 'Join' }).click()
  await page.getByRole('heading', { name: 'A very long retro' }).waitFor()
  await until('the join reply frame', () => joinReplies.length > 0)

  // Joined from the state: the reply is a fraction of the log, and no history was fetched.
  const reply = JSON.parse(joinReplies[0])[4].response
  assert.equal(reply.resumed, false)
  assert.ok(reply.state && !reply.events, 'a fresh join carries the state, not events')
  const head = reply.head_seq
  assert.equal(head, EVENTS + 1, 'the log plus Tess joining')
  console.log(`# join reply frame: ${joinReplies[0].length} bytes; the log: ${logBytes} bytes (${EVENTS} events)`)
  assert.ok(joinReplies[0].length * 20 < logBytes, 'the join reply is far smaller than the log')
  const slider = page.getByRole('slider', { name: 'Timeline' })
  assert.equal(await slider.getAttribute('max'), String(head))
  assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(head)).state), 'the live board is the server state')
  assert.deepEqual(requests.filter((u) => u.includes('/events') || u.includes('/state')), [], 'no history before the timeline is used')

  // Jumps: each board equals the server's state at that seq. A jump near the last one (150 events after
  // it) is folded from the events already held: no snapshot request.
  const timings = []
  const stateRequests = () => requests.filter((u) => u.includes('/state?')).length
  const nearSeq = at(0.9) + 150
  for (const seq of [at(0.5), at(0.125), at(0.9), nearSeq, 17, EVENTS - 10]) {
    const before = stateRequests()
    const timing = await moveSliderTo(page, seq)
    timings.push(`seq ${seq}: ${fmt(timing)}`)
    if (seq === nearSeq) assert.ok(stateRequests() === before, 'a short move forward is folded from held events')
    assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(seq)).state), `board at seq ${seq}`)
    assert.match(await page.locator('.travel-banner').innerText(), /Viewing the meeting as it was at/)
  }
  console.log(`# slider input → board shown, ms: ${timings.join(', ')}`)
  // Timing only (no assertion on it): far jumps across the meeting, then short moves within held events.
  const far = []
  for (let i = 1; i <= 12; i++) far.push(await moveSliderTo(page, at(((i * 7) % 13) / 13) + i))
  const short = []
  for (let i = 1; i <= 12; i++) short.push(await moveSliderTo(page, at(0.05) + i * 10))
  const summary = (xs) => `median ${median(xs.map((x) => x.ms)).toFixed(0)}, min ${Math.min(...xs.map((x) => x.ms)).toFixed(0)}, max ${Math.max(...xs.map((x) => x.ms)).toFixed(0)}`
  const answered = far.filter((x) => x.fetchedMs !== null).map((x) => x.fetchedMs)
  console.log(`# far jumps (server snapshot): ${summary(far)} ms; responses in by: median ${answered.length ? median(answered).toFixed(0) : '-'} ms`)
  console.log(`# short moves (folded locally after the first): ${summary(short)} ms`)
  assert.equal(await page.getByLabel('New card').count(), 0, 'no editing while travelling')
  await screenshot(page, '10-long-meeting-travel')

  // Step forward and back with the buttons (from EVENTS - 10).
  const last = EVENTS - 10
  await moveSliderTo(page, last)
  await page.getByRole('button', { name: 'Step forward one event' }).click()
  await until(`seq ${last + 1} shown`, async () => (await shownSeq(page)) === String(last + 1))
  assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(last + 1)).state), 'board after a step forward')
  await page.getByRole('button', { name: 'Step back one event' }).click()
  await page.getByRole('button', { name: 'Step back one event' }).click()
  await until(`seq ${last - 1} shown`, async () => (await shownSeq(page)) === String(last - 1))
  assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(last - 1)).state), 'board after two steps back')

  // Play a few steps at 16× from a little before the end: the board advances; pause and compare.
  const from = EVENTS - 1000
  await moveSliderTo(page, from)
  await page.getByRole('button', { name: '16×' }).click()
  await page.getByRole('button', { name: 'Play' }).click()
  await until('playback to advance 5 events', async () => Number(await shownSeq(page)) >= from + 5)
  await page.getByRole('button', { name: 'Pause' }).click()
  await until('the player to stop', async () => (await page.getByRole('button', { name: 'Play' }).count()) === 1)
  const paused = Number(await shownSeq(page))
  assert.ok(paused >= from + 5 && paused < from + 200, `paused at ${paused}`)
  assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(paused)).state), `board after playing to ${paused}`)

  // What was fetched: pages and snapshots near the cursor, never the whole log.
  const history = requests.filter((u) => u.includes('/events') || u.includes('/state'))
  const pages = history.filter((u) => u.includes('/events')).map((u) => new URL(u).searchParams)
  await until('every page answered', () => eventsReceived.length === pages.length)
  const fetched = eventsReceived.reduce((a, b) => a + b, 0)
  console.log(`# history requests: ${history.length} (${pages.length} event pages, ${fetched} events in all)`)
  assert.ok(pages.every((p) => Number(p.get('limit')) <= 1000), 'pages, not the log')
  assert.ok(fetched < EVENTS / 3, 'far less than the log was fetched')

  // Back to live.
  await page.getByRole('button', { name: 'Back to live' }).click()
  await page.getByLabel('New card').waitFor()
  assert.equal(await slider.inputValue(), String(head))
  assert.deepEqual(await shownBoard(page), expectedBoard((await stateAt(head)).state), 'the live board again')
  await ctx.close()
})
