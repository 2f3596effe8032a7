// The meeting shell on the real server (issue 11, items 2, 3, 7 and 9): names and settings, the facilitator
// role and "continue on another device", honest offline behaviour, and the small things (join page names
// the meeting, presence order and marks, tabs, toasts announced once, phone header, touch targets, the
// emoji bar never covering the note box or cards).
// Run (from web/): npx vite build --outDir dist-shell &&
//   CONFAB_WEB_DIST=dist-shell CONFAB_BIN=../server/build/confab node --test e2e/shell.e2e.test.mjs
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

const DESKTOP = { viewport: { width: 1280, height: 900 } }
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }

async function createMeeting(title, extra = {}) {
  const res = await fetch(`${server.url}/api/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, votes_per_person: 3, timebox_s: 300, ...extra }),
  })
  assert.equal(res.status, 201, await res.clone().text())
  return res.json()
}

async function stateOf(id) {
  const info = await (await fetch(`${server.url}/api/meetings/${id}`)).json()
  return (await (await fetch(`${server.url}/api/meetings/${id}/state?seq=${info.head_seq}`)).json()).state
}

// A browser context joined to the meeting as `name` (the facilitator when `token` is given).
async function joinAs(meeting, name, { token, options = DESKTOP } = {}) {
  const ctx = await browser.newContext(options)
  if (token) await ctx.addInitScript(([id, t]) => localStorage.setItem(`confab:token:${id}`, t), [meeting.id, token])
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error(`page error (${name}):`, e.message))
  await page.goto(`${server.url}/m/${meeting.id}`)
  await page.getByLabel('Your name').fill(name)
  await page.getByRole('button', { name: 'Join' }).click()
  await page.locator('.meeting-title').waitFor()
  return { ctx, page }
}

const card = (page, title) => page.locator('li.card', { has: page.getByRole('heading', { name: title, exact: true }) })

async function openSettings(page) {
  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('dialog', { name: 'Settings' }).waitFor()
  return page.getByRole('dialog', { name: 'Settings' })
}

test('the join page names the meeting; presence is in one order for everyone and marks the facilitator', async () => {
  const meeting = await createMeeting('Design review')
  const ctx = await browser.newContext(DESKTOP)
  const page = await ctx.newPage()
  await page.goto(`${server.url}/m/${meeting.id}`)
  await page.getByRole('heading', { name: 'Join “Design review”' }).waitFor()
  await screenshot(page, 'shell-01-join-names-meeting')
  await ctx.close()

  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const zed = await joinAs(meeting, 'Zed')
  const bob = await joinAs(meeting, 'bob')
  const names = async (page) => {
    await page.getByRole('button', { name: /here: show who/ }).click()
    const list = page.getByRole('list', { name: 'People here', exact: true })
    await list.waitFor()
    const text = await list.locator('li .presence-name').allInnerTexts()
    await page.getByRole('button', { name: /here: show who/ }).click()
    return text
  }
  for (const p of [ada, zed, bob]) await until('three people here', async () => (await p.page.getByRole('list', { name: '3 people here' }).count()) === 1)
  const orders = [await names(ada.page), await names(zed.page), await names(bob.page)]
  assert.deepEqual(orders[0], ['Ada', 'bob', 'Zed'])
  assert.deepEqual(orders[1], orders[0])
  assert.deepEqual(orders[2], orders[0])
  await ada.page.getByRole('button', { name: /here: show who/ }).click()
  const adaRow = ada.page.getByRole('list', { name: 'People here', exact: true }).locator('li', { hasText: 'Ada' })
  assert.match(await adaRow.innerText(), /facilitator/)
  assert.match(await ada.page.locator('.whoami').innerText(), /Ada · facilitator/)
  await screenshot(ada.page, 'shell-02-presence-list')
  for (const c of [ada, zed, bob]) await c.ctx.close()
})

test('rename yourself; the facilitator renames the meeting and changes budget and timebox: live for everyone', async () => {
  const meeting = await createMeeting('Weekly sync')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const bob = await joinAs(meeting, 'Bob')

  // Bob renames himself; Ada sees it in the people list.
  let dialog = await openSettings(bob.page)
  assert.equal(await dialog.getByLabel('Meeting title').count(), 0, 'a participant has no meeting settings')
  await dialog.getByLabel('Your name').fill('Robert')
  await dialog.getByRole('button', { name: 'Save name' }).click()
  await until('Bob renamed on his own screen', async () => /Robert/.test(await bob.page.locator('.whoami').innerText()))
  await bob.page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  await until('Ada sees Robert among the people here', async () =>
    (await ada.page.getByRole('list', { name: '2 people here' }).locator('.visually-hidden').allInnerTexts()).some((t) => t.startsWith('Robert')))

  // Ada renames the meeting and changes the vote budget and the default timebox.
  dialog = await openSettings(ada.page)
  await dialog.getByLabel('Meeting title').fill('Weekly sync (renamed)')
  await dialog.getByLabel('Votes per person').fill('5')
  await dialog.getByLabel('Timebox minutes').fill('7')
  await screenshot(ada.page, 'shell-03-settings-dialog')
  assert.deepEqual(await axeViolations(ada.page), [], 'axe: settings dialog')
  await dialog.getByRole('button', { name: 'Save meeting settings' }).click()
  await bob.page.getByRole('heading', { name: 'Weekly sync (renamed)' }).waitFor()
  await until('settings on the server', async () => {
    const s = await stateOf(meeting.id)
    return s.title === 'Weekly sync (renamed)' && s.settings.votes_per_person === 5 && s.settings.timebox_s === 420
  })
  await ada.page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  // The new budget shows on Bob's screen once voting starts.
  await ada.page.getByLabel('New card').fill('Release plan')
  await ada.page.getByRole('button', { name: 'Add card' }).click()
  await ada.page.getByRole('button', { name: 'Start voting' }).click()
  await until('Bob sees 5 votes', async () => /of 5/.test(await bob.page.locator('.votes-left').innerText()))
  const s = await stateOf(meeting.id)
  assert.equal(s.participants[Object.keys(s.participants).find((p) => s.participants[p].name === 'Robert')].name, 'Robert')
  await ada.ctx.close()
  await bob.ctx.close()
})

test('anonymous cards and hidden totals are set in the settings dialog', async () => {
  const meeting = await createMeeting('Anonymous retro')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const bob = await joinAs(meeting, 'Bob')
  const dialog = await openSettings(ada.page)
  await dialog.getByLabel(/Anonymous cards/).check()
  await dialog.getByLabel(/Hide vote totals/).check()
  await dialog.getByRole('button', { name: 'Save meeting settings' }).click()
  await until('settings on the server', async () => {
    const s = await stateOf(meeting.id)
    return s.settings.anonymous_cards === true && s.settings.hide_totals === true
  })
  await ada.page.keyboard.press('Escape')
  // Live for Bob: his settings dialog is read-only for him, but his new card is anonymous and still his.
  await bob.page.getByLabel('New card').fill('Secret worry')
  await bob.page.getByRole('button', { name: 'Add card' }).click()
  await card(ada.page, 'Secret worry').waitFor()
  const s = await stateOf(meeting.id)
  const added = s.cards.find((c) => c.title === 'Secret worry')
  assert.equal(added.anonymous, true)
  assert.equal(added.author, 'anonymous')
  await bob.page.getByRole('button', { name: 'Edit card: Secret worry' }).waitFor()
  // Ada, the facilitator, reads "Anonymous" and nothing on her page names Bob as its writer.
  assert.match(await card(ada.page, 'Secret worry').innerText(), /Anonymous/)
  assert.doesNotMatch(await card(ada.page, 'Secret worry').innerText(), /Bob/)
  await ada.page.getByRole('tab', { name: 'Audit' }).click()
  const addedRow = ada.page.locator('tr', { hasText: 'Secret worry' }).first()
  await addedRow.waitFor()
  assert.match(await addedRow.innerText(), /Anonymous/)
  assert.doesNotMatch(await addedRow.innerText(), /Bob/)
  await ada.ctx.close()
  await bob.ctx.close()
})

test('the facilitator hands the role over and takes it back', async () => {
  const meeting = await createMeeting('Role hand-over')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const bob = await joinAs(meeting, 'Bob')
  assert.equal(await bob.page.getByRole('button', { name: 'Start voting' }).count(), 0)
  const dialog = await openSettings(ada.page)
  await dialog.getByLabel('Hand the facilitator role to').selectOption({ label: 'Bob' })
  await dialog.getByRole('button', { name: 'Hand over' }).click()
  await bob.page.getByRole('button', { name: 'Start voting' }).waitFor()
  await until('Bob is the facilitator', async () => /Bob · facilitator/.test(await bob.page.locator('.whoami').innerText()))
  await ada.page.keyboard.press('Escape')
  await ada.page.getByRole('button', { name: 'Take the facilitator role back' }).waitFor()
  assert.equal(await ada.page.getByRole('button', { name: 'Start voting' }).count(), 0)
  await screenshot(ada.page, 'shell-04-take-role-back')
  const bobPid = Object.entries((await stateOf(meeting.id)).participants).find(([, p]) => p.name === 'Bob')[0]
  assert.equal((await stateOf(meeting.id)).facilitator, bobPid)
  await ada.page.getByRole('button', { name: 'Take the facilitator role back' }).click()
  await ada.page.getByRole('button', { name: 'Start voting' }).waitFor()
  await until('Bob no longer facilitates', async () => (await bob.page.getByRole('button', { name: 'Start voting' }).count()) === 0)
  const adaPid = Object.entries((await stateOf(meeting.id)).participants).find(([, p]) => p.name === 'Ada')[0]
  assert.equal((await stateOf(meeting.id)).facilitator, adaPid)
  await ada.ctx.close()
  await bob.ctx.close()
})

test('continue on another device: a personal link in the fragment joins as the same participant', async () => {
  const meeting = await createMeeting('Two devices')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const dialog = await openSettings(ada.page)
  await dialog.getByRole('button', { name: 'Continue on another device…' }).click()
  const linkDialog = ada.page.getByRole('dialog', { name: 'Continue on another device' })
  await linkDialog.waitFor()
  assert.match(await linkDialog.innerText(), /personal/i)
  const link = await linkDialog.getByLabel('Your personal link').inputValue()
  const url = new URL(link)
  assert.equal(url.search, '', 'nothing in the query (sent to servers and logs)')
  assert.match(url.hash, /^#continue=[A-Za-z0-9_-]+$/)
  await screenshot(ada.page, 'shell-05-device-link')
  assert.deepEqual(await axeViolations(ada.page), [], 'axe: device link dialog')
  await linkDialog.getByRole('button', { name: 'Copy personal link' }).click()
  await ada.page.getByText('Personal link copied to the clipboard.').or(ada.page.getByText(/Could not copy/)).first().waitFor()

  // The phone opens it: no name prompt, the same participant, still the facilitator; the fragment is gone.
  const phone = await browser.newContext(PHONE)
  const p = await phone.newPage()
  await p.goto(link)
  await p.locator('.meeting-title').waitFor()
  assert.equal(await p.getByLabel('Your name').count(), 0)
  assert.equal(new URL(p.url()).hash, '', 'the identity is wiped from the address bar')
  await p.getByRole('button', { name: 'Start voting' }).waitFor()
  const s = await stateOf(meeting.id)
  assert.deepEqual(Object.values(s.participants).map((x) => x.name), ['Ada'], 'no second participant')
  await screenshot(p, 'shell-06-phone-continued')
  await phone.close()
  await ada.ctx.close()
})

test('offline: a vote clicked while the server is down is kept, sent on reconnect, applied once', async () => {
  const meeting = await createMeeting('Offline votes')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  await ada.page.getByLabel('New card').fill('Caching')
  await ada.page.getByRole('button', { name: 'Add card' }).click()
  await card(ada.page, 'Caching').waitFor()
  await ada.page.getByRole('button', { name: 'Start voting' }).click()
  await ada.page.locator('.votes-left').waitFor()

  await server.stop()
  await ada.page.getByText('Reconnecting…').waitFor()
  await card(ada.page, 'Caching').getByRole('button', { name: 'Vote', exact: true }).click()
  await ada.page.getByText('1 change is waiting and will be sent when the connection is back.').waitFor()
  await screenshot(ada.page, 'shell-07-offline-waiting')
  assert.equal(await ada.page.getByText(/may not have been saved/).count(), 0)
  await server.start()
  await ada.page.getByText('Reconnecting…').waitFor({ state: 'detached', timeout: 20000 })
  await until('the vote applied on the server, once', async () => {
    const s = await stateOf(meeting.id)
    return Object.values(s.cards[0].votes).reduce((a, b) => a + b, 0) === 1
  })
  await until('no error toast', async () => (await ada.page.locator('.toast-error').count()) === 0)
  await ada.ctx.close()
})

test('offline: a first visit while the server is down says so; a join that times out offers a retry', async () => {
  const meeting = await createMeeting('Down at first')
  // Server down: the app is already loaded (landing), then the meeting link is followed.
  const ctx = await browser.newContext(DESKTOP)
  await ctx.addInitScript((id) => localStorage.setItem(`confab:identity:${id}`, JSON.stringify({ name: 'Cy' })), meeting.id)
  const page = await ctx.newPage()
  await page.goto(`${server.url}/`)
  await server.stop()
  await page.evaluate((id) => {
    history.pushState(null, '', `/m/${id}`)
    dispatchEvent(new PopStateEvent('popstate'))
  }, meeting.id)
  await page.getByText(/Can’t reach the server right now/).waitFor()
  assert.equal(await page.getByText('Joining the meeting…').count(), 0)
  await screenshot(page, 'shell-08-server-down')
  await server.start()
  await page.locator('.meeting-title').waitFor({ timeout: 30000 })
  await ctx.close()

  // A join that is never answered (the socket is up, the phx_join dropped): explained, with "Try again".
  const ctx2 = await browser.newContext(DESKTOP)
  const page2 = await ctx2.newPage()
  let dropJoins = true
  await page2.routeWebSocket(/\/socket\//, (ws) => {
    const upstream = ws.connectToServer()
    ws.onMessage((message) => {
      if (dropJoins && typeof message === 'string' && message.includes('"phx_join"')) return
      upstream.send(message)
    })
  })
  await page2.goto(`${server.url}/m/${meeting.id}`)
  await page2.getByLabel('Your name').fill('Dee')
  await page2.getByRole('button', { name: 'Join' }).click()
  await page2.getByText('The server did not answer in time. It may be busy; we keep trying.').waitFor({ timeout: 20000 })
  await screenshot(page2, 'shell-09-join-timeout')
  dropJoins = false
  await page2.getByRole('button', { name: 'Try again' }).click()
  await page2.locator('.meeting-title').waitFor()
  await ctx2.close()
})

test('tabs move focus with arrows, Home and End; toasts are announced once', async () => {
  const meeting = await createMeeting('Keyboard tabs')
  const ada = await joinAs(meeting, 'Ada', { token: meeting.facilitator_token })
  const { page } = ada
  const ids = await page.getByRole('tab').evaluateAll((els) => els.map((e) => e.id))
  const focused = () => page.evaluate(() => document.activeElement?.id)
  await page.getByRole('tab', { name: 'Board' }).focus()
  await page.keyboard.press('ArrowRight')
  assert.equal(await focused(), ids[1])
  assert.equal(await page.locator(`#${ids[1]}`).getAttribute('aria-selected'), 'true')
  await page.keyboard.press('End')
  assert.equal(await focused(), ids.at(-1))
  await page.keyboard.press('ArrowRight')
  assert.equal(await focused(), 'tab-board')
  await page.keyboard.press('ArrowLeft')
  assert.equal(await focused(), ids.at(-1))
  await page.keyboard.press('Home')
  assert.equal(await focused(), 'tab-board')
  const tabStops = await page.locator('[role=tab][tabindex="0"]').count()
  assert.equal(tabStops, 1, 'one tab stop in the tablist')

  // A toast: exactly one live region carries its text, the toast itself has no alert/status role.
  await page.getByRole('button', { name: 'Copy link to this meeting' }).click()
  await page.locator('.toast').first().waitFor()
  const text = await page.locator('.toast span').first().innerText()
  const live = await page.evaluate((t) => {
    const regions = [...document.querySelectorAll('[aria-live], [role=alert], [role=status], [role=log]')]
    return regions.filter((r) => r.textContent.includes(t)).length
  }, text)
  assert.equal(live, 1, 'the toast text is in exactly one live region')
  // Re-rendering (another toast) does not re-insert the first announcement.
  const first = await page.locator('[data-testid=announcer] p').first().elementHandle()
  await page.getByRole('button', { name: 'Copy link to this meeting' }).click()
  await until('second toast', async () => (await page.locator('[data-testid=announcer] p').count()) === 2)
  assert.equal(await first.evaluate((el) => el.isConnected), true, 'the first announcement node was kept, not re-added')
  await ada.ctx.close()
})

test('phone: one-row header, 44 px touch targets, no horizontal overflow, the emoji bar covers nothing', async () => {
  const meeting = await createMeeting('A phone meeting with a title long enough to need an ellipsis on a small screen')
  const cy = await joinAs(meeting, 'Cy', { token: meeting.facilitator_token, options: PHONE })
  const { page } = cy
  for (let i = 1; i <= 6; i++) {
    await page.getByLabel('New card').fill(`Topic number ${i} with some words`)
    await page.getByRole('button', { name: 'Add card' }).click()
  }
  await until('six cards', async () => (await page.locator('li.card').count()) === 6)

  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
  assert.ok(await fits(), 'the meeting page fits 390 px without papering over overflow')
  const bodyOverflow = await page.evaluate(() => [getComputedStyle(document.body).overflowX, getComputedStyle(document.documentElement).overflowX])
  assert.deepEqual(bodyOverflow, ['visible', 'visible'], 'no overflow-x: hidden on html/body')

  // One header row: every item of the header row sits on the same line.
  const rows = await page.locator('.header-row > *').evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))).size)
  const tops = await page.locator('.header-row > *').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()))
  const mid = tops.map((r) => r.top + r.height / 2)
  assert.ok(Math.max(...mid) - Math.min(...mid) < 12, `header items on one row (${rows} distinct centres)`)
  // Touch targets in the header, presence and tabs.
  const small = await page.locator('.meeting-header button:visible, .meeting-header a:visible, .meeting-header [role=tab]')
    .evaluateAll((els) => els.filter((e) => e.offsetParent !== null)
      .map((e) => ({ name: e.getAttribute('aria-label') || e.textContent.trim(), w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height }))
      .filter((r) => r.w < 44 || r.h < 44))
  assert.deepEqual(small, [], 'header, presence and tab controls are at least 44×44 px')
  await screenshot(page, 'shell-10-phone-header')

  // The emoji bar never covers the note box or a card: scroll each into view (as focus does) and compare.
  const bar = page.getByRole('toolbar', { name: 'Reactions' })
  const overlaps = async (locator) => {
    await locator.evaluate((el) => el.scrollIntoView({ block: 'end' }))
    const a = await locator.boundingBox()
    const b = await bar.boundingBox()
    return a.y + a.height > b.y + 1 && a.y < b.y + b.height
  }
  for (let i = 0; i < 6; i++) assert.equal(await overlaps(page.locator('li.card').nth(i)), false, `card ${i} is not under the emoji bar`)
  // Focus (keyboard or tap) scrolls the field clear of the bar too.
  await page.getByLabel('New card').focus()
  assert.equal(await overlaps(page.getByLabel('New card')), false, 'the new-card box is not under the emoji bar')
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  const last = await page.locator('li.card').last().boundingBox()
  const barBox = await bar.boundingBox()
  assert.ok(last.y + last.height <= barBox.y + 1, 'at the end of the page the bar is below the last card')
  await cy.ctx.close()
})
