// A whole Lean Coffee driven by the keyboard only (page.keyboard: no clicks, no taps), on a desktop and on
// a phone viewport: create, join, add cards, vote, discuss with a timer, take notes, finish. Every control
// is reached with Tab (so it is reachable, in a sensible order) and focus is checked after each action;
// the server's state at the end is what the walk did.
// Run (from web/): CONFAB_WEB_DIST=dist-shell CONFAB_BIN=../server/build/confab node --test e2e/keyboard.e2e.test.mjs
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, screenshot, until } from './harness.mjs'

let server
let browser

browserSuite({
  ready: (s, b) => {
    server = s
    browser = b
  },
})

// What has focus, by its accessible name as a person would hear it (aria-label, its label, or its text).
function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement
    if (!e || e === document.body) return { tag: 'BODY', name: '' }
    const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] ? e.labels[0].innerText : '') || e.innerText || ''
    return { tag: e.tagName, name: label.trim().replace(/\s+/g, ' '), role: e.getAttribute('role') ?? '' }
  })
}

// After a control did its work and the page shows the result, focus must be on some control, not
// dropped to the page (where the next Tab starts from the top).
async function focusKept(page, lost, what, pageUpdated) {
  await until(`${what}: the page updated`, pageUpdated)
  try {
    await until(`${what}: focus on a control`, async () => (await focused(page)).tag !== 'BODY', 3000)
  } catch {
    lost.push(what)
  }
}

// Presses Tab until the focused control's name matches, within `max` presses: the control is reachable.
async function tabTo(page, name, { max = 120 } = {}) {
  const matches = (n) => (typeof name === 'string' ? n === name : name.test(n))
  const seen = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const f = await focused(page)
    if (matches(f.name)) return f
    seen.push(f.name.slice(0, 30))
  }
  throw new Error(`could not Tab to ${name}; passed: ${seen.slice(-25).join(' | ')}`)
}

async function stateOf(id) {
  const info = await (await fetch(`${server.url}/api/meetings/${id}`)).json()
  return (await (await fetch(`${server.url}/api/meetings/${id}/state?seq=${info.head_seq}`)).json()).state
}

async function walk(label, options) {
  const ctx = await browser.newContext(options)
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error(`page error (${label}):`, e.message))
  const lost = [] // controls that vanish when used and drop focus to the page: reported, see below

  // Create: the title field has focus on arrival.
  await page.goto(`${server.url}/`)
  assert.equal((await focused(page)).name, 'Meeting title')
  await page.keyboard.type(`Keyboard coffee (${label})`)
  await tabTo(page, 'Votes per person')
  await page.keyboard.press('Control+A')
  await page.keyboard.type('2')
  await tabTo(page, 'Start a meeting')
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/)
  const id = new URL(page.url()).pathname.split('/').pop()

  // Join: the name field has focus.
  await until('the name field focused', async () => (await focused(page)).name === 'Your name')
  await page.keyboard.type('Kim')
  await page.keyboard.press('Enter')
  await page.locator('.meeting-title').waitFor()
  await screenshot(page, `keyboard-${label}-01-joined`)

  // Cards: Enter adds, and focus stays in the box for the next one.
  await tabTo(page, 'New card')
  for (const title of ['Flaky deploys', 'On-call load', 'Team offsite']) {
    await page.keyboard.type(title)
    await page.keyboard.press('Enter')
    await until(`card ${title}`, async () => (await page.locator('li.card').count()) >= 1 && (await page.locator('li.card').allInnerTexts()).some((t) => t.includes(title)))
    assert.equal((await focused(page)).name, 'New card', 'focus stays in the new-card box')
  }

  // Vote: two dots on "On-call load".
  await tabTo(page, 'Start voting')
  await page.keyboard.press('Enter')
  await page.locator('.votes-left').waitFor()
  await focusKept(page, lost, 'Start voting', async () => (await page.getByRole('button', { name: 'Start voting', exact: true }).count()) === 0)
  const voteOn = new RegExp('^(Vote|Add a dot|Vote for)( on)?:? ?(On-call load)?$')
  await until('the vote buttons', async () => (await page.locator('li.card button').count()) > 0)
  // Tab to the vote control of the card "On-call load" (its name may or may not carry the title).
  for (let n = 0; n < 2; n++) {
    let found = false
    for (let i = 0; i < 120 && !found; i++) {
      await page.keyboard.press('Tab')
      found = await page.evaluate((src) => {
        const e = document.activeElement
        const name = (e.getAttribute('aria-label') || e.innerText || '').trim()
        return new RegExp(src).test(name) && (e.closest('li.card')?.innerText ?? '').includes('On-call load')
      }, voteOn.source)
    }
    assert.ok(found, 'the vote control of a card is reachable with Tab')
    await page.keyboard.press('Enter')
    await until(`vote ${n + 1} on the server`, async () => {
      const s = await stateOf(id)
      return Object.values(s.cards.find((c) => c.title === 'On-call load').votes).reduce((a, b) => a + b, 0) === n + 1
    })
    await focusKept(page, lost, `Vote ${n + 1}`, async () => (await page.locator('.votes-left').innerText()).startsWith(`${1 - n} of 2`))
  }
  await screenshot(page, `keyboard-${label}-02-voted`)

  // Discuss: start, next topic (the top-voted card), timer, a note, finish.
  await tabTo(page, 'Start discussing')
  await page.keyboard.press('Enter')
  await until('discuss phase', async () => (await stateOf(id)).phase === 'discuss')
  await focusKept(page, lost, 'Start discussing', async () => (await page.getByRole('button', { name: 'Start discussing', exact: true }).count()) === 0)
  await tabTo(page, 'Next topic')
  await page.keyboard.press('Enter')
  await until('the top-voted topic', async () => (await page.locator('.current-topic').count()) === 1 && (await page.locator('.current-topic').innerText()) === 'On-call load')
  // The timer: start it, or (when the discussion started one already) extend it.
  const timerControl = await tabTo(page, /^(Start timer|Add 2 minutes)$/)
  const before = (await stateOf(id)).discussion?.timer?.ends_ts ?? 0
  await page.keyboard.press('Enter')
  await page.getByRole('timer').waitFor()
  await until('timer started or extended on the server', async () => ((await stateOf(id)).discussion?.timer?.ends_ts ?? 0) > before)
  await focusKept(page, lost, timerControl.name, async () => true)
  await tabTo(page, 'Note')
  await page.keyboard.type('Rotate on-call weekly')
  await page.keyboard.press('Enter')
  await until('note on the server', async () => (await stateOf(id)).cards.find((c) => c.title === 'On-call load').notes.length === 1)
  assert.equal((await focused(page)).name, 'Note', 'focus stays in the note box')
  await screenshot(page, `keyboard-${label}-03-discussing`)
  await tabTo(page, 'Finish as done')
  await page.keyboard.press('Enter')
  await until('topic done', async () => (await stateOf(id)).cards.find((c) => c.title === 'On-call load').status === 'done')
  await focusKept(page, lost, 'Finish as done', async () => (await page.getByRole('button', { name: 'Finish as done', exact: true }).count()) === 0)

  // Finish the meeting (a confirmation, when there is one, is answered with the keyboard too).
  await tabTo(page, 'Finish meeting')
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog')
  if (await until('finished or asked', async () => (await stateOf(id)).phase === 'done' || (await dialog.count()) > 0)) {
    if ((await stateOf(id)).phase !== 'done') {
      await tabTo(page, /^(Finish|End)/, { max: 10 })
      await page.keyboard.press('Enter')
    }
  }
  await until('done phase', async () => (await stateOf(id)).phase === 'done')
  await screenshot(page, `keyboard-${label}-04-done`)

  // The server holds exactly what the keyboard did.
  const s = await stateOf(id)
  assert.equal(s.title, `Keyboard coffee (${label})`)
  assert.equal(s.settings.votes_per_person, 2)
  assert.deepEqual(s.cards.map((c) => c.title).sort(), ['Flaky deploys', 'On-call load', 'Team offsite'])
  const oncall = s.cards.find((c) => c.title === 'On-call load')
  assert.equal(oncall.status, 'done')
  assert.deepEqual(oncall.notes.map((n) => n.text), ['Rotate on-call weekly'])
  assert.equal(Object.values(oncall.votes).reduce((a, b) => a + b, 0), 2)
  assert.deepEqual(lost, [], `${label}: focus fell back to the page after these controls`)
  await ctx.close()
  return lost
}

test('keyboard only, desktop', async () => {
  await walk('desktop', { viewport: { width: 1280, height: 900 } })
})

test('keyboard only, phone (390×844, touch)', async () => {
  await walk('phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
})
