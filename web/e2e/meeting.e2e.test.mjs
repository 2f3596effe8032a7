// End to end: two people in one meeting on the real server, in headless chromium.
// Run: CONFAB_BIN=../server/build/confab node --test e2e/   (from web/; needs `npm run build` output)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { browserSuite, axeViolations, screenshot, until } from './harness.mjs'

let server
let browser

browserSuite({
  ready: (s, b) => {
    server = s
    browser = b
  },
})

const card = (page, title) => page.locator('li.card', { has: page.getByRole('heading', { name: title, exact: true }) })

async function textOf(locator) {
  return (await locator.count()) > 0 ? await locator.first().innerText() : ''
}

test('two people run a Lean Coffee: board, votes, discussion, reactions, reload, restart, time travel', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const ctxB = await browser.newContext({ viewport: { width: 1100, height: 900 } })
  const a = await ctxA.newPage()
  const b = await ctxB.newPage()
  for (const p of [a, b]) p.on('pageerror', (e) => console.error('page error:', e.message))

  // Create the meeting.
  await a.goto(`${server.url}/`)
  await a.getByLabel('Meeting title').fill('Platform team Lean Coffee')
  await a.getByLabel('Votes per person').fill('3')
  await a.getByLabel('Timebox minutes').fill('5')
  await screenshot(a, '01-landing')
  const violationsLanding = await axeViolations(a)
  assert.deepEqual(violationsLanding, [], 'axe: landing page')
  await a.getByRole('button', { name: 'Start a meeting' }).click()
  await a.waitForURL(/\/m\/[A-Za-z0-9_-]+$/)
  const meetingUrl = a.url()

  // Both join.
  await a.getByLabel('Your name').fill('Ada')
  await screenshot(a, '02-join')
  await a.getByRole('button', { name: 'Join' }).click()
  await a.getByRole('heading', { name: 'Platform team Lean Coffee' }).waitFor()
  await b.goto(meetingUrl)
  await b.getByLabel('Your name').fill('Bob')
  await b.getByRole('button', { name: 'Join' }).click()
  await b.getByRole('heading', { name: 'Platform team Lean Coffee' }).waitFor()
  await until('Ada to see Bob here', async () => (await a.getByRole('list', { name: '2 people here' }).count()) === 1)

  // Cards: add, edit (own), delete; everyone sees it.
  await a.getByLabel('New card').fill('Why are builds slow?')
  await a.getByRole('button', { name: 'Add card' }).click()
  await card(b, 'Why are builds slow?').waitFor()
  await b.getByLabel('New card').fill('Flaky tests')
  await b.getByLabel('New card').press('Enter')
  await card(a, 'Flaky tests').waitFor()
  await b.getByRole('button', { name: 'Edit card: Flaky tests' }).click()
  await b.getByLabel('Card title').fill('Flaky tests in CI')
  await until('Ada to see Bob typing', async () => (await textOf(card(a, 'Flaky tests').locator('.typing-hint'))).includes('Bob is typing'))
  await b.getByLabel('Card title').press('Enter')
  await card(a, 'Flaky tests in CI').waitFor()
  assert.equal(await b.getByRole('button', { name: 'Edit card: Why are builds slow?' }).count(), 0, 'Bob cannot edit Ada’s card')
  await a.getByLabel('New card').fill('Lunch options')
  await a.getByRole('button', { name: 'Add card' }).click()
  await card(b, 'Lunch options').waitFor()
  await a.getByRole('button', { name: 'Delete card: Lunch options' }).click()
  await a.getByRole('dialog', { name: 'Delete “Lunch options”?' }).getByRole('button', { name: 'Delete card' }).click() // asks first
  await card(b, 'Lunch options').waitFor({ state: 'detached' })
  await screenshot(a, '03-board-collect')

  // Voting (facilitator moves the phase; only Ada has the control).
  assert.equal(await b.getByRole('button', { name: 'Start voting' }).count(), 0)
  await a.getByRole('button', { name: 'Start voting' }).click()
  await card(b, 'Flaky tests in CI').getByRole('button', { name: 'Vote', exact: true }).click()
  await until('Bob’s first vote', async () => (await textOf(b.locator('.votes-left'))).includes('2 of 3'))
  await card(b, 'Flaky tests in CI').getByRole('button', { name: 'Vote', exact: true }).click()
  await until('Bob’s second vote', async () => (await textOf(b.locator('.votes-left'))).includes('1 of 3'))
  await card(a, 'Why are builds slow?').getByRole('button', { name: 'Vote', exact: true }).click()
  await until('ranking by votes on Ada’s screen', async () => {
    const titles = await a.locator('.column-todo .card-title').allInnerTexts()
    return titles[0] === 'Flaky tests in CI' && titles[1] === 'Why are builds slow?'
  })
  await screenshot(b, '04-voting')

  // Discussion with timer and continue votes.
  await a.getByRole('button', { name: 'Start discussing' }).click()
  await a.getByRole('button', { name: 'Next topic' }).click()
  await until('discussion on Bob’s screen', async () => (await textOf(b.locator('.current-topic'))) === 'Flaky tests in CI')
  const clock = await b.getByRole('timer').innerText()
  assert.match(clock, /^[45]:\d\d$/, `countdown shows the 5 minute timebox, got ${clock}`)
  await b.getByRole('button', { name: /^Keep going/ }).click()
  // The button's name stays "Keep going"; the tally is its description ("1 vote").
  const keepGoing = a.getByRole('button', { name: 'Keep going', exact: true })
  await until('continue tally on Ada’s screen', async () => (await keepGoing.locator('.tally').textContent()) === '1')
  assert.equal(await a.locator(`#${await keepGoing.getAttribute('aria-describedby')}`).textContent(), '1 vote')
  await a.getByRole('button', { name: 'Add 2 minutes' }).click()
  await until('extended timer', async () => /^[67]:\d\d$/.test(await b.getByRole('timer').innerText()))
  await a.getByLabel('Note', { exact: true }).fill('Quarantine flaky tests automatically')
  await a.getByLabel('Note kind').selectOption('action')
  await a.getByRole('button', { name: 'Add note' }).click()
  await until('note on Bob’s screen', async () => (await textOf(b.locator('.notes-section'))).includes('Quarantine flaky tests'))
  await screenshot(a, '05-discussion')

  // A reaction floats up on the other screen.
  await b.getByRole('button', { name: 'React with fire' }).click()
  await a.locator('.floating-reaction[data-emoji="🔥"]').first().waitFor()
  await screenshot(a, '06-reaction')

  // Reload keeps identity (same participant, same votes).
  await b.reload()
  await b.getByRole('heading', { name: 'Platform team Lean Coffee' }).waitFor()
  assert.equal(await b.getByLabel('Your name').count(), 0, 'no name prompt after reload')
  assert.match(await b.locator('.whoami').innerText(), /Bob/)
  await until('Bob’s votes after reload', async () =>
    (await card(b, 'Flaky tests in CI').locator('.vote-count').textContent()) === '2 votes, 2 yours')

  // Server crash and restart on the same store and port: both resume, nothing lost, both can act.
  await server.stop()
  await a.getByText('Reconnecting…').waitFor()
  await server.start()
  await a.getByText('Reconnecting…').waitFor({ state: 'detached', timeout: 20000 })
  await b.getByText('Reconnecting…').waitFor({ state: 'detached', timeout: 20000 })
  await b.getByLabel('Note', { exact: true }).fill('Builds: try remote cache')
  await b.getByRole('button', { name: 'Add note' }).click()
  await until('note after restart on Ada’s screen', async () => (await textOf(a.locator('.notes-section'))).includes('remote cache'))
  for (const p of [a, b]) {
    assert.equal(await card(p, 'Why are builds slow?').count(), 1)
    assert.equal(await p.locator('.current-topic').innerText(), 'Flaky tests in CI')
    assert.match(await p.locator('.notes-section').innerText(), /Quarantine flaky tests automatically/)
  }

  // Time travel: back to the start of the log shows an earlier (empty) board; back to live restores it.
  const slider = a.getByRole('slider', { name: 'Timeline' })
  await slider.focus()
  // The past is loaded on demand: each move is on screen once the timeline shows the slider's seq.
  const boardAtSlider = () =>
    until('the board at the slider’s seq', async () =>
      (await a.locator('section.timeline').getAttribute('data-shown-seq')) === (await slider.inputValue()))
  await slider.press('Home')
  await a.getByText(/Viewing the meeting as it was/).waitFor()
  await boardAtSlider()
  await until('earlier board', async () => (await a.locator('li.card').count()) === 0)
  // Step forward one event at a time until the first card is added: it must appear before the end.
  let steps = 0
  while ((await a.locator('li.card').count()) === 0) {
    assert.ok(steps++ < 20, 'the first card appears while stepping through the log')
    await slider.press('ArrowRight')
    await boardAtSlider()
  }
  assert.equal(await a.locator('li.card').count(), 1, 'exactly the first card, as it was then')
  assert.equal(await a.getByRole('button', { name: 'Add note' }).count(), 0, 'no editing while travelling')
  await screenshot(a, '07-time-travel')
  await a.getByRole('button', { name: 'Back to live' }).click()
  await card(a, 'Why are builds slow?').waitFor()
  await a.locator('.current-topic').waitFor()

  // Accessibility of the live meeting screen.
  const violationsMeeting = await axeViolations(a)
  assert.deepEqual(violationsMeeting, [], 'axe: meeting page')

  // Next topic finishes the current card as done and starts the next one.
  await a.getByRole('button', { name: 'Next topic' }).click()
  await until('next topic on Bob’s screen', async () => (await textOf(b.locator('.current-topic'))) === 'Why are builds slow?')
  await card(b, 'Flaky tests in CI').locator('xpath=ancestor::section[contains(@class,"column-done")]').waitFor()
  await screenshot(b, '08-next-topic')

  await ctxA.close()
  await ctxB.close()
})

test('phone width (390 px): no horizontal scroll on landing and meeting pages', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  const page = await ctx.newPage()
  await page.goto(`${server.url}/`)
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
  assert.ok(await fits(), 'landing fits 390 px')
  await page.getByLabel('Meeting title').fill('A meeting with a rather long title that has to wrap on a phone')
  await page.getByRole('button', { name: 'Start a meeting' }).click()
  await page.getByLabel('Your name').fill('Cy')
  await page.getByRole('button', { name: 'Join' }).click()
  await page.getByRole('heading', { name: /A meeting with a rather long title/ }).waitFor()
  await page.getByLabel('New card').fill('Averyveryverylongwordwithoutanyspacesthatcouldoverflowthecolumnonaphone')
  await page.getByRole('button', { name: 'Add card' }).click()
  await page.locator('li.card').first().waitFor()
  await page.getByRole('button', { name: 'Start voting' }).click()
  await page.locator('.votes-left').waitFor()
  assert.ok(await fits(), 'meeting page fits 390 px')
  await screenshot(page, '09-phone')
  assert.deepEqual(await axeViolations(page), [], 'axe: phone meeting page')
  await ctx.close()
})
