// End to end: closing a meeting (issue 11, items 5, 6b and 10). A meeting is scripted over the phoenix
// client in Node (three people, a deleted card, reactions, a parked topic) while the facilitator, in
// Chromium, writes an action item with an owner and a due date in the discussion notes. Then: the Done
// screen (shown once the phase is done) holds exactly the server's summary.md, downloads it and copies
// it; the Actions tab edits an owner; Analytics counts topics without the deleted card and draws the mood
// over time — and a meeting without reactions says it has no mood data.
// Run (from web/): CONFAB_WEB_DIST=dist-x CONFAB_BIN=../server/build-x/confab node --test e2e/closing.e2e.test.mjs
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { browserSuite, scriptedPerson, SHOTS, WEB, screenshot, until } from './harness.mjs'

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

const person = (meetingId, params) => scriptedPerson(server, sockets, meetingId, params)

async function createMeeting(title) {
  const res = await fetch(`${server.url}/api/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, votes_per_person: 3, timebox_s: 300 }),
  })
  assert.ok(res.ok, `meeting created (${res.status})`)
  return res.json()
}

async function get(path) {
  const res = await fetch(`${server.url}${path}`)
  assert.equal(res.status, 200, `GET ${path}`)
  return res
}
const getJson = async (path) => (await get(path)).json()
const getText = async (path) => (await get(path)).text()

// axe on the views this test is about (the meeting's main area), serious and critical only; the header
// (presence, links) belongs to other tests.
async function axeInMain(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: join(WEB, 'node_modules/axe-core/axe.min.js') })
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run({ include: [['#main']] }, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
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

// A browser context that is `who` (saved identity, and the facilitator token when given).
async function pageAs(meetingId, who, token) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  await ctx.addInitScript(
    ([key, identity, tokenKey, tokenValue]) => {
      localStorage.setItem(key, identity)
      if (tokenValue) localStorage.setItem(tokenKey, tokenValue)
    },
    [`confab:identity:${meetingId}`, JSON.stringify({ name: who.name, pid: who.pid, secret: who.secret }), `confab:token:${meetingId}`, token ?? ''],
  )
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  return { ctx, page }
}

test('a meeting closes with action items, a parked topic and its mood; the Done screen is summary.md', async () => {
  const created = await createMeeting('Closing e2e')
  const id = created.id
  const ada = await person(id, { name: 'Ada', token: created.facilitator_token })
  const bob = await person(id, { name: 'Bob' })
  const cy = await person(id, { name: 'Cy' })
  const cards = { k1: 'Release train', k2: 'Flaky tests', k3: 'Team lunch', k4: 'Oops, a duplicate' }
  await ada.send('card_added', { card_id: 'k1', title: cards.k1 })
  await bob.send('card_added', { card_id: 'k2', title: cards.k2 })
  await cy.send('card_added', { card_id: 'k3', title: cards.k3 })
  await bob.send('card_added', { card_id: 'k4', title: cards.k4 })
  await bob.send('card_deleted', { card_id: 'k4' }) // no topic: "Topics discussed" must not count it
  await ada.send('phase_changed', { phase: 'vote' })
  await ada.send('card_voted', { card_id: 'k1' })
  await bob.send('card_voted', { card_id: 'k1' })
  await cy.send('card_voted', { card_id: 'k2' })
  await ada.send('phase_changed', { phase: 'discuss' })
  await ada.send('discussion_started', { card_id: 'k1' })
  await bob.send('reaction', { emoji: '👍', card_id: 'k1' })
  await cy.send('reaction', { emoji: '🎉' })
  await bob.send('reaction', { emoji: '👎', card_id: 'k2' })

  // --- Ada writes an action item with an owner and a due date in the discussion notes ----------------
  const { ctx, page } = await pageAs(id, { name: 'Ada', pid: ada.pid, secret: ada.secret }, created.facilitator_token)
  await page.goto(`${server.url}/m/${id}`)
  await page.getByRole('heading', { name: 'Closing e2e' }).waitFor()
  await page.getByRole('heading', { name: 'Notes and action items' }).waitFor()
  await page.getByLabel('Note kind').selectOption('action')
  await page.getByLabel('Note', { exact: true }).fill('Ship the fix')
  await page.getByLabel('Owner', { exact: true }).selectOption({ label: 'Bob' })
  await page.getByLabel('Due date', { exact: true }).fill('2030-01-15')
  await page.getByRole('button', { name: 'Add note' }).click()
  const logged = await until('the action item in the log', async () => {
    const { events } = await getJson(`/api/meetings/${id}/events?after=0&limit=1000`)
    return events.find((e) => e.type === 'note_added' && e.data.text === 'Ship the fix')
  })
  assert.deepEqual([logged.data.kind, logged.data.owner, logged.data.due], ['action', bob.pid, '2030-01-15'])
  // The note shows its owner and due date, editable in place.
  assert.equal(await page.getByLabel('Owner of “Ship the fix”').inputValue(), bob.pid)
  assert.equal(await page.getByLabel('Due date of “Ship the fix”').inputValue(), '2030-01-15')

  await ada.send('note_added', { card_id: 'k1', note_id: 'n_docs', text: 'Write the docs', kind: 'action' })
  await cy.send('note_added', { card_id: 'k1', note_id: 'n_take', text: 'Trains every Tuesday', kind: 'takeaway' })
  await ada.send('discussion_finished', { card_id: 'k1', outcome: 'done' })
  await ada.send('discussion_started', { card_id: 'k2' })
  await cy.send('reaction', { emoji: '😢' })
  await ada.send('discussion_finished', { card_id: 'k2', outcome: 'parked' })
  await ada.send('phase_changed', { phase: 'done' })

  // --- The Actions tab: every action item, owner and due date editable ------------------------------
  await page.getByRole('tab', { name: 'Actions' }).click()
  const actions = page.locator('.actions-list .action-row')
  await until('both action items listed', async () => (await actions.count()) === 2)
  assert.deepEqual(await actions.locator('.action-text').allInnerTexts(), ['Ship the fix', 'Write the docs'])
  assert.equal(await page.getByLabel('Owner of “Write the docs”').inputValue(), '')
  await page.getByLabel('Owner of “Write the docs”').selectOption({ label: 'Cy' })
  await page.getByLabel('Due date of “Write the docs”').fill('2030-02-01')
  await until('the summary to hold the new owner and due date', async () => {
    const s = await getJson(`/api/meetings/${id}/summary`)
    const docs = s.actions.find((a) => a.text === 'Write the docs')
    return docs?.owner === 'Cy' && docs?.due === '2030-02-01'
  })
  assert.deepEqual(await axeInMain(page), [], 'axe: actions')
  await screenshot(page, 'actions')

  // --- The Done screen, in place of the board: exactly the server's summary.md ----------------------
  await page.getByRole('tab', { name: 'Board' }).click()
  await page.getByRole('heading', { name: 'Meeting done' }).waitFor()
  const md = await getText(`/api/meetings/${id}/summary.md`)
  assert.match(md, /## Topics discussed\n\n1\. Release train — \d\d:\d\d, 2 votes, done\n {3}- Takeaway: Trains every Tuesday — Cy\n/)
  assert.match(md, /## Topics parked\n\n1\. Flaky tests — \d\d:\d\d, 1 vote\n/)
  assert.match(md, /- \[ \] Ship the fix — owner: Bob, due 2030-01-15 \(topic: Release train; added by Ada\)/)
  assert.match(md, /- \[ \] Write the docs — owner: Cy, due 2030-02-01 \(topic: Release train; added by Ada\)/)
  assert.match(md, /- Mood: ±0\.00 \(mixed\) from 4 reactions: 2 positive, 0 neutral, 2 negative/)
  assert.ok(!md.includes(cards.k4), 'a deleted card is no topic')
  // The screen shows a topic's time as summary.md has it ("00:05" there, "0:05" here).
  const timeInMd = (title) => {
    const [, mm, ss] = md.match(new RegExp(`\\. ${title} — (\\d+):(\\d\\d),`))
    return `${Number(mm)}:${ss}`
  }
  const shown = page.getByTestId('summary-markdown')
  await until('the Done screen to hold summary.md', async () => (await shown.textContent()) === md)
  const topicRows = page.locator('table.done-topics tbody tr')
  assert.deepEqual(
    await Promise.all((await topicRows.all()).map(async (r) => [await r.locator('th').innerText(), ...(await r.locator('td').allInnerTexts())])).then(
      (rows) => rows.map(([title, outcome, time, votes]) => [title.split('\n')[0], outcome, time, votes]),
    ),
    [
      [cards.k1, 'done', timeInMd(cards.k1), '2'],
      [cards.k2, 'parked', timeInMd(cards.k2), '1'],
      [cards.k3, 'not discussed', '–', '0'],
    ],
  )
  assert.match(await page.getByRole('heading', { name: 'Mood' }).locator('xpath=..').innerText(), /±0\.00 \(mixed\) from 4 reactions/)
  assert.equal(await page.getByRole('heading', { name: 'Action items (2)' }).count(), 1)

  // Download: the file is summary.md, byte for byte.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download Markdown' }).click()])
  assert.equal(download.suggestedFilename(), `confab-summary-${id}.md`)
  assert.equal(readFileSync(await download.path(), 'utf8'), md)
  // Copy: the clipboard holds summary.md (permission granted to this origin).
  await page.getByRole('button', { name: 'Copy Markdown' }).click()
  await page.getByText('Summary copied.').waitFor()
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), md)
  await page.getByText('Summary as Markdown').click()
  assert.deepEqual(await axeInMain(page), [], 'axe: done screen')
  await screenshot(page, 'done-screen')
  // Phone width: the Done screen fits (the topics table scrolls in its own box).
  await page.setViewportSize({ width: 390, height: 844 })
  assert.deepEqual(await horizontalOverflow(page), [], 'the Done screen fits 390 px')
  await screenshot(page, 'done-screen-390')
  await page.setViewportSize({ width: 1280, height: 1000 })

  // --- Analytics: topics without the deleted card; the mood over time with the topics marked ---------
  await page.getByRole('tab', { name: 'Analytics' }).click()
  const stat = async (label) => (await page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('dd').innerText()).trim()
  await until('analytics', async () => (await page.locator('.stat').count()) > 0)
  assert.equal(await stat('Topics discussed'), '2 of 3')
  const analytics = await getJson(`/api/meetings/${id}/analytics`)
  assert.deepEqual([analytics.totals.items, analytics.totals.items_added, analytics.totals.items_discussed], [3, 4, 2])
  assert.deepEqual(analytics.reactions_by_card, { k1: { '👍': 1 }, k2: { '👎': 1 } })
  assert.equal(analytics.last_seq, analytics.head_seq)
  const mood = page.getByRole('img', { name: /^Mood over time: average reaction sentiment per minute/ })
  await mood.waitFor()
  assert.match(await mood.getAttribute('aria-label'), /Topics: Release train \(\d+:\d\d–\d+:\d\d\); Flaky tests \(\d+:\d\d–\d+:\d\d\)\./)
  const box = await mood.boundingBox()
  assert.ok(box && box.width > 200 && box.height > 100, `the mood chart is drawn (${JSON.stringify(box)})`)
  await mood.scrollIntoViewIfNeeded()
  mkdirSync(SHOTS, { recursive: true })
  await page.locator('.chart-figure', { has: mood }).screenshot({ path: join(SHOTS, 'mood-chart.png') })
  await ctx.close()

  // --- A meeting without reactions: the mood chart says there is nothing to draw --------------------
  const quiet = await createMeeting('Quiet e2e')
  const dee = await person(quiet.id, { name: 'Dee', token: quiet.facilitator_token })
  await dee.send('card_added', { card_id: 'q1', title: 'Anything?' })
  const second = await pageAs(quiet.id, { name: 'Dee', pid: dee.pid, secret: dee.secret }, quiet.facilitator_token)
  await second.page.goto(`${server.url}/m/${quiet.id}`)
  await second.page.getByRole('tab', { name: 'Analytics' }).click()
  await second.page.getByText('No reactions yet: the mood shows once people react.').waitFor()
  assert.equal(await second.page.getByText('Nothing discussed yet.').count(), 1)
  assert.equal(await second.page.getByRole('img', { name: /^Mood over time/ }).count(), 0)
  await screenshot(second.page, 'mood-chart-empty')
  await second.ctx.close()
})
