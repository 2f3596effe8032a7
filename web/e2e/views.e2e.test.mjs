// End to end: the Analytics and Audit tabs and the /features page against the real server. The meeting
// is scripted over HTTP and the official phoenix client in Node (known cards, votes, reactions); the
// browser then opens the views as the facilitator and checks the numbers shown, the audit rows, the CSV
// and summary downloads, accessibility (axe) and a 390 px viewport.
// Run: CONFAB_BIN=../server/build/confab node --test e2e/views.e2e.test.mjs   (from web/; needs `npm run build`)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { browserSuite, scriptedPerson, axeViolations, screenshot, until } from './harness.mjs'

let server
let browser
const sockets = []

browserSuite({
  ready: (s, b) => {
    server = s
    browser = b
  },
  sockets,
})

// --- scripting a meeting in Node -------------------------------------------------------------------

const person = (meetingId, params) => scriptedPerson(server, sockets, meetingId, params)

async function getJson(path) {
  const res = await fetch(`${server.url}${path}`)
  assert.equal(res.status, 200, `GET ${path}`)
  return res.json()
}

// A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records).
function parseCsv(text) {
  const records = []
  let field = ''
  let record = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') record.push(field), (field = '')
    else if (c === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), i++
    else field += c
  }
  assert.equal(field + record.join(''), '', 'the CSV ends with CRLF')
  return records
}

const rows = (table) => table.locator('tbody tr')

async function cellsOf(row) {
  return row.locator('th, td').allInnerTexts()
}

// Elements reaching past the right edge when the page scrolls sideways (empty when it does not).
async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement
    if (root.scrollWidth <= root.clientWidth) return []
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
      .slice(0, 8)
  })
}

test('analytics, audit and feature usage show what happened in a scripted meeting', async () => {
  // The meeting: Ada (facilitator) and Bob; three cards, votes (one withdrawn), two discussions,
  // reactions on a card, during a discussion, and outside any.
  const created = await (
    await fetch(`${server.url}/api/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Views e2e', votes_per_person: 3, timebox_s: 300 }),
    })
  ).json()
  const id = created.id
  const ada = await person(id, { name: 'Ada', token: created.facilitator_token })
  const bob = await person(id, { name: 'Bob' })
  const cards = { k1: 'Why are builds slow?', k2: 'Flaky tests', k3: 'Lunch options' }
  await ada.send('card_added', { card_id: 'k1', title: cards.k1 })
  await bob.send('card_added', { card_id: 'k2', title: cards.k2 })
  await ada.send('card_added', { card_id: 'k3', title: cards.k3 })
  await ada.send('phase_changed', { phase: 'vote' })
  await ada.send('card_voted', { card_id: 'k1' })
  await ada.send('card_voted', { card_id: 'k1' })
  await bob.send('card_voted', { card_id: 'k2' })
  await bob.send('card_voted', { card_id: 'k1' })
  await bob.send('card_voted', { card_id: 'k3' })
  await bob.send('vote_withdrawn', { card_id: 'k3' })
  await ada.send('phase_changed', { phase: 'discuss' })
  await ada.send('discussion_started', { card_id: 'k1' })
  await ada.send('reaction', { emoji: '👍' }) // counts on k1: it is under discussion
  await bob.send('reaction', { emoji: '🎉', card_id: 'k1' })
  await bob.send('reaction', { emoji: '👎' })
  await bob.send('continue_voted', { vote: 'up' })
  await ada.send('note_added', { card_id: 'k1', note_id: 'n1', text: 'Cache dependencies', kind: 'takeaway' })
  await ada.send('discussion_finished', { card_id: 'k1', outcome: 'done' })
  await ada.send('discussion_started', { card_id: 'k2' })
  await ada.send('discussion_finished', { card_id: 'k2', outcome: 'parked' })
  await bob.send('reaction', { emoji: '🔥' }) // outside any discussion: meeting totals only

  // What we expect, from what we sent (not from the views under test).
  const sent = [...ada.pushed, ...bob.pushed]
  const votesOn = (card) =>
    sent.filter((e) => e.type === 'card_voted' && e.data.card_id === card).length -
    sent.filter((e) => e.type === 'vote_withdrawn' && e.data.card_id === card).length
  let durable = 1 + 2 + sent.length // meeting_created, two participant_joined, everything pushed
  const { head_seq: headSeq } = await getJson(`/api/meetings/${id}/events?after=0&limit=1`)
  assert.equal(headSeq, durable, 'the log holds every event sent')

  // --- Analytics, as Ada (her saved identity: opening the page adds no participant) ---------------
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
  await ctx.addInitScript(
    ([key, identity, tokenKey, token]) => {
      localStorage.setItem(key, identity)
      localStorage.setItem(tokenKey, token)
    },
    [`confab:identity:${id}`, JSON.stringify({ name: 'Ada', pid: ada.pid, secret: ada.secret }), `confab:token:${id}`, created.facilitator_token],
  )
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(`${server.url}/m/${id}`)
  await page.getByRole('heading', { name: 'Views e2e' }).waitFor()
  await page.getByRole('tab', { name: 'Analytics' }).click()
  const topics = page.getByRole('table', { name: 'Topics in the order they were added' })
  await topics.waitFor()
  const topicRows = await Promise.all((await rows(topics).all()).map(cellsOf))
  // Topic, votes, time, outcome, mood; the time is the server's, only its form is checked.
  assert.deepEqual(
    topicRows.map(([title, votes, , outcome, mood]) => [title, votes, outcome, mood]),
    [
      [cards.k1, String(votesOn('k1')), 'done', '+0.33 (mostly positive)'],
      [cards.k2, String(votesOn('k2')), 'parked', 'no reactions'],
      [cards.k3, String(votesOn('k3')), 'not discussed', 'no reactions'],
    ],
  )
  assert.deepEqual([votesOn('k1'), votesOn('k2'), votesOn('k3')], [3, 1, 0])
  assert.deepEqual(topicRows.map((r) => /^\d+:\d\d$/.test(r[2]) || r[2]), [true, true, '–'])
  // Ada's page holds the token of a meeting nobody was handed the role in: it records that she
  // facilitates (one more event, hers).
  await until('Ada recorded as the facilitator', async () => (await getJson(`/api/meetings/${id}/state?seq=${durable + 1}`)).state?.facilitator === ada.pid)
  durable += 1
  const stat = async (label) => (await page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('dd').innerText()).trim()
  assert.equal(await stat('Votes'), '4')
  assert.equal(await stat('Topics discussed'), '2 of 3')
  assert.equal(await stat('People'), '2')
  assert.equal(await stat('Reactions'), '4')
  assert.equal(await stat('Meeting mood'), '+0.50 (positive)')
  assert.equal(await stat('Events'), String(durable))
  // The participation chart's text alternative and data table.
  const people = page.getByRole('table', { name: 'What each person did' })
  assert.deepEqual(await Promise.all((await rows(people).all()).map((r) => r.locator('th, td').allTextContents())), [
    ['Ada', '2', '2', '1', '1'],
    ['Bob', '1', '2', '0', '3'],
  ])
  assert.equal(await page.getByRole('img', { name: /^Participation per person\. Ada: 2 cards, 2 votes, 1 note, 1 reaction; Bob: 1 card, 2 votes, 0 notes, 3 reactions\.$/ }).count(), 1)
  assert.equal(await page.locator('canvas').count(), 4, 'four charts drawn (with the mood over time)')
  assert.deepEqual(await axeViolations(page), [], 'axe: analytics')
  await screenshot(page, 'analytics')

  // A new event refreshes the open tab (debounced), without touching anything.
  await bob.send('reaction', { emoji: '😂', card_id: 'k2' })
  await until('analytics to show the new reaction', async () => (await stat('Reactions')) === '5')
  assert.equal(await rows(topics).nth(1).locator('td').nth(3).innerText(), '+1.00 (positive)')

  // --- Audit ---------------------------------------------------------------------------------------
  await page.getByRole('tab', { name: 'Audit' }).click()
  const all = durable + 1
  const audit = page.getByRole('table', { name: `Audit log: ${all} events` })
  await audit.waitFor()
  assert.equal(await rows(audit).count(), all)
  const summaries = await audit.locator('td.summary-cell').allInnerTexts()
  assert.ok(summaries.includes(`Ada voted for '${cards.k1}'`), 'a vote reads as a sentence')
  assert.ok(summaries.includes(`Bob withdrew a vote from '${cards.k3}'`))
  assert.ok(summaries.includes(`Ada started discussing '${cards.k1}'`))
  assert.deepEqual(await cellsOf(rows(audit).nth(0)).then((c) => [c[0], c[2], c[3]]), ['1', 'Confab', 'Meeting created'])
  assert.deepEqual(await cellsOf(rows(audit).nth(all - 1)).then((c) => [c[0], c[2], c[3]]), [String(all), 'Bob', 'Reaction'])
  assert.deepEqual(await axeViolations(page), [], 'axe: audit')
  await screenshot(page, 'audit')

  // Filters go to the server; the table and the CSV link follow them.
  await page.getByLabel('Person').selectOption({ label: 'Bob' })
  await page.getByLabel('Event type').selectOption('card_voted')
  const bobVotes = sent.filter((e) => e.type === 'card_voted' && bob.pushed.includes(e)).length
  const filtered = page.getByRole('table', { name: `Audit log: ${bobVotes} events by Bob, of type “Vote”` })
  await filtered.waitFor()
  assert.deepEqual(await filtered.locator('td.summary-cell').allInnerTexts(), [
    `Bob voted for '${cards.k2}'`,
    `Bob voted for '${cards.k1}'`,
    `Bob voted for '${cards.k3}'`,
  ])
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()])
  const csv = readFileSync(await csvDownload.path(), 'utf8')
  assert.ok(csv.startsWith('\uFEFF'), 'CSV starts with a BOM')
  const records = parseCsv(csv.slice(1))
  assert.deepEqual(records[0], ['seq', 'ts', 'actor_pid', 'actor', 'type', 'summary'])
  assert.equal(records.length - 1, bobVotes)
  assert.ok(records.slice(1).every((r) => r[2] === bob.pid && r[3] === 'Bob' && r[4] === 'card_voted'))
  assert.deepEqual(records.slice(1).map((r) => r[5]), [`Bob voted for '${cards.k2}'`, `Bob voted for '${cards.k1}'`, `Bob voted for '${cards.k3}'`])
  const [mdDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download summary' }).click()])
  const md = readFileSync(await mdDownload.path(), 'utf8')
  assert.match(md, /^# Views e2e\n/)
  assert.match(md, /Participants \(2\): Ada, Bob/)
  assert.match(md, new RegExp(`1\\. ${cards.k1.replace('?', '\\?')} — \\d+:\\d\\d, 3 votes, done`))
  assert.match(md, /- Takeaway: Cache dependencies — Ada/)

  // Phone width: no horizontal page scroll on either tab (wide tables scroll in their own box).
  await page.setViewportSize({ width: 390, height: 844 })
  assert.deepEqual(await horizontalOverflow(page), [], 'audit fits 390 px')
  await page.getByRole('tab', { name: 'Analytics' }).click()
  await topics.waitFor()
  assert.deepEqual(await horizontalOverflow(page), [], 'analytics fits 390 px')
  await screenshot(page, 'analytics-390')

  // --- Feature usage, from the landing page footer ------------------------------------------------
  await page.setViewportSize({ width: 1280, height: 1000 })
  await page.goto(`${server.url}/`)
  await page.getByRole('link', { name: 'Feature usage' }).click()
  await page.waitForURL(/\/features$/)
  const byType = page.getByRole('table', { name: 'Usage per event type' })
  await byType.waitFor()
  const countOf = async (type) => {
    const row = byType.locator(`tr[data-type="${type}"]`)
    return (await row.count()) ? Number(await row.locator('td').first().innerText()) : 0
  }
  const events = await getJson(`/api/meetings/${id}/events?after=0&limit=1000`)
  const expectCount = (type) => events.events.filter((e) => e.type === type).length
  await until('feature usage to count this meeting', async () => (await countOf('card_voted')) === expectCount('card_voted'))
  assert.equal(await countOf('card_added'), 3)
  assert.equal(await countOf('reaction'), expectCount('reaction'))
  const meetingsCreated = await countOf('meeting_created') // checked last (see the end)
  const today = new Date().toISOString().slice(0, 10)
  const byDay = page.getByRole('table', { name: 'Usage per day (UTC)' })
  const todayCount = Number(await byDay.locator(`tr[data-day="${today}"] td`).first().innerText())
  assert.deepEqual(await axeViolations(page), [], 'axe: feature usage')
  await screenshot(page, 'features')

  // A range that starts tomorrow holds nothing; clearing the dates brings the counts back.
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10)
  await page.getByLabel('From').fill(tomorrow)
  await until('an empty range', async () => (await page.getByText(/^0 events in 0 meetings$/).count()) === 1)
  assert.equal(await rows(byType).count(), 0)
  await page.getByRole('button', { name: 'All dates' }).click()
  await until('all dates again', async () => (await countOf('card_added')) === 3)
  // Laid out afresh at phone width (chart.js only follows a resize on its next animation frame).
  await page.setViewportSize({ width: 390, height: 844 })
  await page.reload()
  await byType.waitFor()
  await page.locator('canvas').nth(1).waitFor()
  assert.deepEqual(await horizontalOverflow(page), [], 'feature usage fits 390 px')
  await screenshot(page, 'features-390')
  await ctx.close()
  // meeting_created is written by POST /api/meetings straight to the store; the live feature view must
  // count it too (as a rebuild at start-up does).
  assert.equal(meetingsCreated, expectCount('meeting_created'), 'feature usage counts meeting_created')
  assert.equal(todayCount, all, 'feature usage per day counts every event of today')
})
