// End to end, the board of issue 11 against the real server in headless chromium: merging duplicate cards
// (mouse drag, touch drag on a phone, the keyboard "Merge into…" menu), reactions on a card, the guards
// (delete and finish ask first, the finish button is never under a double click, reopen), and voting
// (order held under the pointer, "Sort by votes", sticky votes left, who still has votes, hidden totals,
// the board using the width). Every step is checked in the DOM and in the server's state.
// Run: CONFAB_WEB_DIST=dist-board CONFAB_BIN=../server/build/confab node --test e2e/board.e2e.test.mjs
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { browserSuite, scriptedPerson, WEB, screenshot, until } from './harness.mjs'

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

// --- helpers ---------------------------------------------------------------------------------------

// axe-core (serious and critical) over this file's UI: the board, the phase bar and any open dialog or
// menu. The rest of the page (header, presence, tabs) belongs to other tests.
async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: join(WEB, 'node_modules/axe-core/axe.min.js') })
  const result = await page.evaluate(async () => {
    const include = ['.board', '.phase-bar', 'dialog[open]'].filter((sel) => document.querySelector(sel)).map((sel) => [sel])
    // eslint-disable-next-line no-undef
    const r = await axe.run({ include, exclude: [['.floating-layer']] }, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

async function createMeeting(title, votes = 3) {
  const res = await fetch(`${server.url}/api/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, votes_per_person: votes }),
  })
  assert.equal(res.status, 201)
  return res.json() // { id, facilitator_token, url }
}

async function getJson(path) {
  const res = await fetch(`${server.url}${path}`)
  assert.equal(res.status, 200, `GET ${path}`)
  return res.json()
}

const serverState = async (id) => (await getJson(`/api/meetings/${id}/state?seq=999999999`)).state

// A person in a browser context; the facilitator holds the meeting's token (as the landing page stores it).
async function person(meeting, name, { token = false, ...contextOptions } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions })
  if (token) {
    await ctx.addInitScript(([id, tok]) => localStorage.setItem(`confab:token:${id}`, tok), [meeting.id, meeting.facilitator_token])
  }
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error(`page error (${name}):`, e.message))
  await page.goto(`${server.url}/m/${meeting.id}`)
  await page.getByLabel('Your name').fill(name)
  const join = page.getByRole('button', { name: 'Join' })
  await (contextOptions.hasTouch ? join.tap() : join.click())
  await page.locator('.meeting-title').waitFor()
  return { ctx, page }
}

const card = (page, title) => page.locator('li.card', { has: page.getByRole('heading', { name: title, exact: true }) })

// `tap`: a phone has no mouse, so nothing may leave a mouse pointer resting on the board.
async function addCard(page, title, { tap = false } = {}) {
  await page.getByLabel('New card').fill(title)
  const add = page.getByRole('button', { name: 'Add card' })
  await (tap ? add.tap() : add.click())
  await card(page, title).waitFor()
}

async function phase(page, id, name, expected, { tap = false } = {}) {
  const button = page.getByRole('button', { name, exact: true })
  await (tap ? button.tap() : button.click())
  await until(`phase ${expected}`, async () => (await serverState(id)).phase === expected)
  await page.locator('.phase.current').filter({ hasText: new RegExp(expected, 'i') }).waitFor()
}

const cardByTitle = (state, title) => state.cards.find((c) => c.title === title)
const center = (box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 })
const todoTitles = (page) => page.locator('.column-todo .card-title').allInnerTexts()

// A scripted facilitator in Node (the official phoenix client), for settings the UI of this file does not own.
async function nodeFacilitator(meeting) {
  return scriptedPerson(server, sockets, meeting.id, { name: 'Script', token: meeting.facilitator_token })
}

// --- merge ------------------------------------------------------------------------------------------

test('merge: a participant merges own duplicates from the keyboard, the facilitator drags any card; votes roll up', async () => {
  const meeting = await createMeeting('Merge by mouse and keyboard')
  const { ctx: ctxA, page: a } = await person(meeting, 'Ada', { token: true })
  const { ctx: ctxB, page: b } = await person(meeting, 'Bob')
  await addCard(b, 'Flaky tests')
  await addCard(b, 'Flaky CI')
  await addCard(b, 'Builds slow')
  await addCard(a, 'Slow builds')
  await card(b, 'Slow builds').waitFor()
  await phase(a, meeting.id, 'Start voting', 'vote')

  // Votes to roll up: Bob 2 on "Flaky CI", Ada 1 on "Flaky tests".
  for (let i = 0; i < 2; i++) {
    await card(b, 'Flaky CI').getByRole('button', { name: 'Vote', exact: true }).click()
    await until('Bob’s vote', async () => (await b.locator('.votes-left').innerText()).startsWith(`${2 - i} of 3`))
  }
  await card(a, 'Flaky tests').getByRole('button', { name: 'Vote', exact: true }).click()
  await until('Ada’s vote stored', async () => Object.keys(cardByTitle(await serverState(meeting.id), 'Flaky tests').votes).length === 1)

  // Bob may merge only his own cards: no merge control on Ada's card, and his menu lists only his cards.
  assert.equal(await card(b, 'Slow builds').getByRole('button', { name: /^Merge/ }).count(), 0, 'no merge on someone else’s card')
  const mergeButton = card(b, 'Flaky CI').getByRole('button', { name: 'Merge into…' })
  await mergeButton.focus()
  await b.keyboard.press('Enter')
  const menu = b.getByRole('menu', { name: 'Merge “Flaky CI” into' })
  await menu.waitFor()
  assert.deepEqual(await menu.getByRole('menuitem').allInnerTexts(), ['Flaky tests', 'Builds slow'])
  await until('focus on the first item', async () => (await b.evaluate(() => document.activeElement?.textContent)) === 'Flaky tests')
  await screenshot(b, 'board-merge-menu')
  assert.deepEqual(await axeViolations(b), [], 'axe: merge menu open')
  // Arrow keys move, Escape closes and gives the focus back; then pick "Flaky tests" with the keyboard.
  await b.keyboard.press('ArrowDown')
  assert.equal(await b.evaluate(() => document.activeElement?.textContent), 'Builds slow')
  await b.keyboard.press('Escape')
  await menu.waitFor({ state: 'detached' })
  assert.equal(await b.evaluate(() => document.activeElement?.closest('li.card')?.querySelector('.card-title')?.textContent), 'Flaky CI')
  assert.equal(await b.evaluate(() => document.activeElement?.textContent), 'Merge into…')
  await b.keyboard.press('Enter')
  await b.keyboard.press('Home')
  await b.keyboard.press('Enter')
  const dialog = b.getByRole('dialog', { name: 'Merge these cards?' })
  await dialog.waitFor()
  assert.match(await dialog.innerText(), /“Flaky CI” goes into “Flaky tests”/)
  assert.deepEqual(await axeViolations(b), [], 'axe: merge dialog')
  // The safe choice has the focus: Enter would cancel. Tab to "Merge".
  assert.equal(await b.evaluate(() => document.activeElement?.textContent), 'Cancel')
  await b.keyboard.press('Tab')
  await b.keyboard.press('Enter')
  await card(a, 'Flaky CI').waitFor({ state: 'detached' })
  let state = await serverState(meeting.id)
  assert.equal(cardByTitle(state, 'Flaky CI'), undefined, 'merged card gone from the state')
  const kept = cardByTitle(state, 'Flaky tests')
  assert.equal(Object.values(kept.votes).reduce((s, n) => s + n, 0), 3, 'votes rolled up into the kept card')
  await until('roll-up on Ada’s screen', async () => (await card(a, 'Flaky tests').locator('.vote-count').textContent()).includes('3 votes'))

  // The facilitator drags Bob's "Builds slow" onto her "Slow builds" with the mouse.
  const grip = card(a, 'Builds slow').locator('.drag-grip')
  const from = center(await grip.boundingBox())
  const to = center(await card(a, 'Slow builds').boundingBox())
  await a.mouse.move(from.x, from.y)
  await a.mouse.down()
  for (let i = 1; i <= 8; i++) await a.mouse.move(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8)
  await card(a, 'Slow builds').and(a.locator('.card-drop-over')).waitFor()
  assert.ok((await a.locator('.card-drop-target').count()) >= 2, 'the cards it may go into are marked')
  await a.locator('.drag-ghost').waitFor()
  await screenshot(a, 'board-merge-drag')
  await a.mouse.up()
  const dragDialog = a.getByRole('dialog', { name: 'Merge these cards?' })
  await dragDialog.waitFor()
  assert.match(await dragDialog.innerText(), /“Builds slow” goes into “Slow builds”/)
  await screenshot(a, 'board-merge')
  await dragDialog.getByRole('button', { name: 'Merge', exact: true }).click()
  await card(b, 'Builds slow').waitFor({ state: 'detached' })
  state = await serverState(meeting.id)
  assert.deepEqual(state.cards.map((c) => c.title).sort(), ['Flaky tests', 'Slow builds'])

  // A drop outside any card, and Escape during a drag, merge nothing.
  const grip2 = center(await card(a, 'Slow builds').locator('.drag-grip').boundingBox())
  await a.mouse.move(grip2.x, grip2.y)
  await a.mouse.down()
  await a.mouse.move(grip2.x + 40, grip2.y + 300, { steps: 4 })
  await a.mouse.up()
  assert.equal(await a.getByRole('dialog').count(), 0, 'no question after a drop on nothing')

  // Merging is for collect and vote only: no control while discussing.
  await phase(a, meeting.id, 'Start discussing', 'discuss')
  assert.equal(await a.locator('.drag-grip').count(), 0)
  assert.equal(await a.getByRole('button', { name: /^Merge/ }).count(), 0)
  await ctxA.close()
  await ctxB.close()
})

test('merge on a phone: touch drag onto another card; board controls are at least 44 px', async () => {
  const meeting = await createMeeting('Merge on a phone')
  const { ctx, page } = await person(meeting, 'Cy', {
    token: true,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  })
  await addCard(page, 'Onboarding docs', { tap: true })
  await addCard(page, 'Docs for new joiners', { tap: true })
  await phase(page, meeting.id, 'Start voting', 'vote', { tap: true })
  await card(page, 'Docs for new joiners').getByRole('button', { name: 'Vote', exact: true }).tap()
  await until('vote stored', async () => Object.keys(cardByTitle(await serverState(meeting.id), 'Docs for new joiners').votes).length === 1)
  // The order is held for a few seconds after one's own vote (a finger has no hover); then it ranks.
  await until('ranked after the vote burst', async () => (await todoTitles(page)).join() === 'Docs for new joiners,Onboarding docs')

  // Touch targets on the board.
  const controls = page.locator('.board .card-actions button, .board .card-reactions button, .board .drag-grip, .add-card button, .phase-controls button')
  const n = await controls.count()
  assert.ok(n >= 8, `board controls found (${n})`)
  for (let i = 0; i < n; i++) {
    const box = await controls.nth(i).boundingBox()
    assert.ok(box.width >= 44 && box.height >= 44, `control ${i} (${await controls.nth(i).getAttribute('aria-label') ?? await controls.nth(i).innerText()}) is ${box.width}×${box.height}`)
  }

  // A finger on the grip drags (Chromium turns these touches into pointer events of type "touch").
  const cdp = await ctx.newCDPSession(page)
  const touch = (type, p) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: p ? [{ x: p.x, y: p.y, id: 1 }] : [] })
  await card(page, 'Docs for new joiners').scrollIntoViewIfNeeded()
  const from = center(await card(page, 'Docs for new joiners').locator('.drag-grip').boundingBox())
  const to = center(await card(page, 'Onboarding docs').locator('.card-title').boundingBox())
  await touch('touchStart', from)
  for (let i = 1; i <= 10; i++) await touch('touchMove', { x: from.x + ((to.x - from.x) * i) / 10, y: from.y + ((to.y - from.y) * i) / 10 })
  await card(page, 'Onboarding docs').and(page.locator('.card-drop-over')).waitFor()
  await screenshot(page, 'board-merge-phone-drag')
  await touch('touchEnd')
  const dialog = page.getByRole('dialog', { name: 'Merge these cards?' })
  await dialog.waitFor()
  assert.match(await dialog.innerText(), /“Docs for new joiners” goes into “Onboarding docs”/)
  await screenshot(page, 'board-merge-phone')
  await dialog.getByRole('button', { name: 'Merge', exact: true }).tap()
  await card(page, 'Docs for new joiners').waitFor({ state: 'detached' })
  const state = await serverState(meeting.id)
  assert.deepEqual(state.cards.map((c) => c.title), ['Onboarding docs'])
  assert.equal(Object.values(state.cards[0].votes).reduce((s, v) => s + v, 0), 1, 'the vote moved with the merge')
  await until('one vote on the kept card', async () => (await card(page, 'Onboarding docs').locator('.vote-count').textContent()).includes('1 vote'))
  assert.doesNotMatch(await card(page, 'Onboarding docs').locator('.vote-count').textContent(), /1 votes/)
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no horizontal scroll')
  assert.deepEqual(await axeViolations(page), [], 'axe: phone board')
  // The menus open inside the screen.
  for (const name of ['React']) {
    await card(page, 'Onboarding docs').getByRole('button', { name, exact: true }).tap()
    const menu = page.getByRole('menu')
    await menu.waitFor()
    const box = await menu.boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `${name} menu within the screen (${box.x}..${box.x + box.width})`)
    if (name === 'React') await screenshot(page, 'board-reactions-phone')
    await page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
  }
  await ctx.close()
})

// --- reactions --------------------------------------------------------------------------------------

test('reactions on a card: picked from the fixed set, counted on the card for everyone, kept after a reload', async () => {
  const meeting = await createMeeting('Reactions on cards')
  const { ctx: ctxA, page: a } = await person(meeting, 'Ada', { token: true })
  const { ctx: ctxB, page: b } = await person(meeting, 'Bob')
  await addCard(a, 'Pair programming')
  await addCard(a, 'Code review times')
  await card(b, 'Code review times').waitFor()

  // Bob with the mouse: fire twice on "Pair programming".
  for (let i = 1; i <= 2; i++) {
    await card(b, 'Pair programming').getByRole('button', { name: 'React', exact: true }).click()
    const menu = b.getByRole('menu', { name: 'React to “Pair programming”' })
    assert.equal(await menu.getByRole('menuitem').count(), 10, 'the fixed set of ten')
    if (i === 1) await screenshot(b, 'board-reactions-picker')
    await menu.getByRole('menuitem', { name: 'fire' }).click()
    await until(`fire ${i} on Ada’s screen`, async () =>
      (await card(a, 'Pair programming').locator('.reaction-count[data-emoji="🔥"]').innerText().catch(() => '')).endsWith(String(i)))
  }
  // Ada with the keyboard: thumbs up (the first) on the other card.
  await card(a, 'Code review times').getByRole('button', { name: 'React', exact: true }).focus()
  await a.keyboard.press('Enter')
  await a.getByRole('menu', { name: 'React to “Code review times”' }).waitFor()
  await a.keyboard.press('Enter')
  await until('thumbs up on Bob’s screen', async () =>
    (await card(b, 'Code review times').getByRole('list', { name: 'Reactions to “Code review times”' }).innerText().catch(() => '')).includes('1'))
  assert.equal(await card(b, 'Pair programming').locator('.reaction-count').count(), 1, 'only the emoji used are shown')
  assert.match(await card(b, 'Pair programming').locator('.reaction-count').innerText(), /fire:\s*2/)

  // The server logged them with the card.
  const { events } = await getJson(`/api/meetings/${meeting.id}/events?after=0&limit=100`)
  const cardId = (title) => events.find((e) => e.type === 'card_added' && e.data.title === title).data.card_id
  const reactions = events.filter((e) => e.type === 'reaction')
  assert.equal(reactions.filter((e) => e.data.card_id === cardId('Pair programming') && e.data.emoji === '🔥').length, 2)
  assert.equal(reactions.filter((e) => e.data.card_id === cardId('Code review times') && e.data.emoji === '👍').length, 1)
  await screenshot(a, 'board-reactions')
  assert.deepEqual(await axeViolations(a), [], 'axe: card reactions')

  // After a reload the counts come from the server's analytics (reactions_by_card).
  const analytics = await getJson(`/api/meetings/${meeting.id}/analytics`)
  assert.ok(analytics.reactions_by_card, 'analytics has reactions_by_card')
  await b.reload()
  await until('counts after reload', async () =>
    /fire:\s*2/.test(await card(b, 'Pair programming').locator('.reaction-count').innerText().catch(() => '')))
  await card(b, 'Pair programming').getByRole('button', { name: 'React', exact: true }).click()
  await b.getByRole('menu').getByRole('menuitem', { name: 'fire' }).click()
  await until('live after the seed: 3, not double counted', async () =>
    /fire:\s*3/.test(await card(b, 'Pair programming').locator('.reaction-count').innerText()))
  await ctxA.close()
  await ctxB.close()
})

// --- guards -----------------------------------------------------------------------------------------

test('guards: delete asks first; finish asks with topics left, is never under a double click, and can be reopened', async () => {
  const meeting = await createMeeting('Guards and flow')
  const { ctx, page: a } = await person(meeting, 'Ada', { token: true })
  for (const t of ['Release cadence', 'On-call load', 'Team offsite', 'Typo card']) await addCard(a, t)

  // Delete: "Keep it" keeps the card, "Delete card" deletes it.
  await a.getByRole('button', { name: 'Delete card: Typo card' }).click()
  const ask = a.getByRole('dialog', { name: 'Delete “Typo card”?' })
  await ask.waitFor()
  await screenshot(a, 'board-delete-confirm')
  assert.deepEqual(await axeViolations(a), [], 'axe: delete dialog')
  await ask.getByRole('button', { name: 'Keep it' }).click()
  await ask.waitFor({ state: 'detached' })
  assert.ok(cardByTitle(await serverState(meeting.id), 'Typo card'), 'still there after "Keep it"')
  assert.equal(await a.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Delete card: Typo card', 'focus back on the button')
  await a.getByRole('button', { name: 'Delete card: Typo card' }).click()
  await a.keyboard.press('Escape') // Escape is "Keep it" too
  await ask.waitFor({ state: 'detached' })
  await a.getByRole('button', { name: 'Delete card: Typo card' }).click()
  await ask.getByRole('button', { name: 'Delete card' }).click()
  await card(a, 'Typo card').waitFor({ state: 'detached' })
  assert.equal(cardByTitle(await serverState(meeting.id), 'Typo card'), undefined)

  // Collect and vote use the width: one column, no empty "Discussing"/"Done" columns.
  assert.equal(await a.locator('.column-discussing, .column-done').count(), 0)
  const main = await a.locator('.board').boundingBox()
  const todo = await a.locator('.column-todo').boundingBox()
  assert.ok(todo.width > main.width * 0.9, `the to-discuss column spans the board (${todo.width} of ${main.width})`)
  await screenshot(a, 'board-collect-wide')

  await phase(a, meeting.id, 'Start voting', 'vote')
  // Where "Start discussing" was, a second click after the phase changed hits no button.
  const startBox = await a.getByRole('button', { name: 'Start discussing' }).boundingBox()
  await phase(a, meeting.id, 'Start discussing', 'discuss')
  await a.locator('.column-discussing').waitFor() // discuss shows all columns
  const finish = a.getByRole('button', { name: 'Finish meeting', exact: true })
  const finishBox = await finish.boundingBox()
  const overlaps = (p, q) => p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height
  assert.ok(!overlaps(startBox, finishBox), 'Finish meeting is not where Start discussing was')
  const at = center(startBox)
  await a.mouse.click(at.x, at.y)
  assert.equal(await a.getByRole('dialog').count(), 0)
  assert.equal((await serverState(meeting.id)).phase, 'discuss')

  // Finishing with topics left asks, naming them; "Keep discussing" keeps the phase.
  await finish.click()
  const finishAsk = a.getByRole('dialog', { name: 'Finish the meeting?' })
  await finishAsk.waitFor()
  assert.match(await finishAsk.innerText(), /3 topics are still to discuss/)
  await screenshot(a, 'board-finish-confirm')
  assert.deepEqual(await axeViolations(a), [], 'axe: finish dialog')
  await finishAsk.getByRole('button', { name: 'Keep discussing' }).click()
  assert.equal((await serverState(meeting.id)).phase, 'discuss')
  await finish.click()
  await finishAsk.getByRole('button', { name: 'Finish meeting' }).click()
  await until('phase done', async () => (await serverState(meeting.id)).phase === 'done')
  // A second click where "Finish meeting" was does nothing either (Reopen is on the other side).
  const reopen = a.getByRole('button', { name: 'Reopen meeting' })
  await reopen.waitFor()
  assert.ok(!overlaps(finishBox, await reopen.boundingBox()), 'Reopen is not where Finish was')
  const fat = center(finishBox)
  await a.mouse.click(fat.x, fat.y)
  assert.equal((await serverState(meeting.id)).phase, 'done')
  await screenshot(a, 'board-done')
  await reopen.click()
  await until('reopened', async () => (await serverState(meeting.id)).phase === 'discuss')
  await a.getByRole('button', { name: 'Finish meeting', exact: true }).waitFor()
  await ctx.close()
})

// --- voting -----------------------------------------------------------------------------------------

test('voting: the order holds under the pointer, "Sort by votes", votes left stay in view, the facilitator sees who still votes', async () => {
  const meeting = await createMeeting('Voting flow', 3)
  const { ctx: ctxA, page: a } = await person(meeting, 'Ada', { token: true, viewport: { width: 1100, height: 640 } })
  const { ctx: ctxB, page: b } = await person(meeting, 'Bob')
  const titles = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel', 'India']
  for (const t of titles) await addCard(a, t)
  await card(b, 'India').waitFor()
  await phase(a, meeting.id, 'Start voting', 'vote')

  // The facilitator sees who still has votes (everyone, at first).
  await until('still voting list', async () => /Still voting: .*Ada \(3 votes left\).*Bob \(3 votes left\)/.test(await a.locator('.still-voting').innerText()))
  assert.equal(await b.locator('.still-voting').count(), 0, 'only the facilitator sees it')

  // Ada's pointer rests on the cards; Bob votes "India" up: Ada sees the count but no re-sort.
  await a.mouse.move(...Object.values(center(await card(a, 'Alpha').boundingBox())))
  await card(b, 'India').getByRole('button', { name: 'Vote', exact: true }).click()
  await until('Bob: 1 vote on India', async () => (await card(a, 'India').locator('.vote-count').textContent()).startsWith('1 vote'))
  assert.doesNotMatch(await card(a, 'India').locator('.vote-count').textContent(), /votes/, '"1 vote", not "1 votes"')
  assert.deepEqual(await todoTitles(a), titles, 'order held while the pointer is over the cards')
  const sort = a.getByRole('button', { name: 'Sort by votes' })
  await sort.waitFor()
  await until('Bob 2 left', async () => /Bob \(2 votes left\)/.test(await a.locator('.still-voting').innerText()))
  await screenshot(a, 'board-voting-held')
  await sort.click()
  await until('sorted on request', async () => (await todoTitles(a))[0] === 'India')
  assert.equal(await sort.count(), 0)

  // Bob votes "Echo" up twice more; the order waits while Ada is over the board, re-sorts when she leaves.
  await a.mouse.move(...Object.values(center(await card(a, 'Bravo').boundingBox())))
  for (let i = 0; i < 2; i++) {
    await card(b, 'Echo').getByRole('button', { name: 'Vote', exact: true }).click()
    await until('Bob’s vote on Echo', async () => (await b.locator('.votes-left').innerText()).startsWith(`${1 - i} of 3`))
  }
  await until('Echo 2 on Ada’s screen', async () => (await card(a, 'Echo').locator('.vote-count').textContent()).startsWith('2 votes'))
  assert.equal((await todoTitles(a))[0], 'India', 'still held')
  await until('Bob has used his votes', async () => !/Bob/.test(await a.locator('.still-voting').innerText()))
  await a.mouse.move(5, 5) // off the board, onto the header
  await until('re-sorted after the pointer left', async () => (await todoTitles(a)).slice(0, 2).join() === 'Echo,India')

  // Votes left stay in view while the cards scroll.
  await a.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  await until('scrolled', async () => (await a.evaluate(() => window.scrollY)) > 100)
  const box = await a.locator('.vote-status').boundingBox()
  assert.ok(box.y >= -1 && box.y < 80, `votes left in view after scrolling (top ${box.y})`)
  await screenshot(a, 'board-voting')
  assert.deepEqual(await axeViolations(a), [], 'axe: voting board')

  // Totals hidden while voting (a setting): others see only their own votes and creation order.
  // The script takes the role with the token, changes the setting, and hands the role back to Ada.
  const script = await nodeFacilitator(meeting)
  const adaPid = Object.entries((await serverState(meeting.id)).participants).find(([, p]) => p.name === 'Ada')[0]
  await script.send('facilitator_changed', { pid: script.pid })
  await script.send('settings_changed', { hide_totals: true })
  await script.send('facilitator_changed', { pid: adaPid })
  await until('totals hidden for Bob', async () => (await card(b, 'Echo').locator('.vote-count').textContent()).startsWith('2 votes from you'))
  // Ada's page receives the same settings event on its own socket, maybe a little later than Bob's.
  await until('Ada does not see Bob’s votes', async () => /^0 votes from you/.test(await card(a, 'Echo').locator('.vote-count').textContent()))
  await a.mouse.move(5, 5)
  await until('creation order while totals are hidden', async () => (await todoTitles(a)).join() === titles.join())
  assert.match(await a.locator('.vote-status').innerText(), /Totals stay hidden/)
  await screenshot(b, 'board-hidden-totals')
  await phase(a, meeting.id, 'Start discussing', 'discuss')
  await until('totals shown after voting', async () => (await card(b, 'Echo').locator('.vote-count').textContent()).startsWith('2 votes'))
  await ctxA.close()
  await ctxB.close()
})
