// Shared plumbing for the browser tests: start/stop the server, launch Debian's chromium through
// playwright-core, poll for conditions (never sleep), run axe-core.
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, mkdirSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { chromium } from 'playwright-core'
import { Socket } from 'phoenix'
import WebSocket from 'ws'

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const SHOTS = resolve(WEB, '..', 'test-output')

export function serverBinary() {
  if (process.env.CONFAB_BIN) return resolve(WEB, process.env.CONFAB_BIN)
  const candidates = [resolve(WEB, '../server/build/confab')]
  const serverDir = resolve(WEB, '../server')
  for (const d of existsSync(serverDir) ? readdirSync(serverDir) : []) {
    if (d.startsWith('build-')) candidates.push(join(serverDir, d, 'confab'))
  }
  return candidates.find((c) => existsSync(c)) ?? candidates[0]
}

// CONFAB_WEB_DIST points the browser tests at another build of web/ (e.g. `vite build --outDir dist-x`).
export const DIST = process.env.CONFAB_WEB_DIST ? resolve(WEB, process.env.CONFAB_WEB_DIST) : join(WEB, 'dist')

export function ensureBuilt() {
  if (!existsSync(join(DIST, 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--outDir', DIST], { cwd: WEB, stdio: 'inherit' })
  }
}

export async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

export async function until(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs
  let last
  for (;;) {
    try {
      last = await fn()
      if (last) return last
    } catch (e) {
      if (e?.fatal) throw e
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setTimeout(r, 50)) // polling interval, not synchronisation
  }
}

// A confab server on 127.0.0.1 with its own temp store; restart() keeps port and store.
export class ConfabServer {
  constructor() {
    this.bin = serverBinary()
    this.dir = mkdtempSync(join(tmpdir(), 'confab-e2e-'))
    this.store = `sqlite:${join(this.dir, 'confab.db')}`
    this.proc = null
    this.log = ''
  }
  get url() {
    return `http://127.0.0.1:${this.port}`
  }
  async start() {
    this.port ??= await freePort()
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--store', this.store, '--web', DIST]
    const [cmd, argv] = this.bin.endsWith('.mjs') ? [process.execPath, [this.bin, ...args]] : [this.bin, args]
    // Every test creates its meetings from 127.0.0.1, faster than a person would: that quota is off
    // (docs/operations.md § Quotas); members and events per meeting keep their defaults.
    const env = { ...process.env, CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE: '0' }
    this.proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env })
    this.proc.stdout.on('data', (d) => (this.log += d))
    this.proc.stderr.on('data', (d) => (this.log += d))
    const exited = new Promise((r) => this.proc.once('exit', (code) => r(code)))
    this.exited = exited
    await until(`${this.bin} to serve on ${this.url}`, async () => {
      if (this.proc.exitCode !== null) {
        throw Object.assign(new Error(`${this.bin} exited (${this.proc.exitCode}) instead of serving: ${this.log.slice(-500)}`), { fatal: true })
      }
      const res = await fetch(`${this.url}/`)
      return res.ok && (await res.text()).includes('id="root"')
    }, 20000)
  }
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return
    this.proc.kill('SIGKILL') // a crash, not a graceful stop: nothing may be lost anyway
    await this.exited
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
}

export async function axeViolations(page) {
  await page.addScriptTag({ path: join(WEB, 'node_modules/axe-core/axe.min.js') })
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    // The floating reactions are a decorative fade (aria-hidden, announced in words by a live
    // region); mid-animation their opacity is low by design, so they are left out of the contrast check.
    const r = await axe.run({ exclude: [['.floating-layer']] }, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

// The server and browser a test file shares. `before` builds web/ if needed, makes a server on a fresh
// store, runs `prepare(server)` (e.g. an import), starts it and Chromium, and hands both to `ready`;
// `after` disconnects the file's Node `sockets` and stops both.
export function browserSuite({ ready, prepare, sockets = [] }) {
  let server
  let browser
  before(async () => {
    ensureBuilt()
    assert.ok(existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium'), 'chromium is not installed')
    server = new ConfabServer()
    assert.ok(existsSync(server.bin), `no server binary at ${server.bin} (set CONFAB_BIN)`)
    await prepare?.(server)
    await server.start()
    browser = await launchBrowser()
    ready(server, browser)
  })
  after(async () => {
    for (const s of sockets) s.disconnect()
    await browser?.close()
    await server?.stop()
  })
}

// A push's (or join's) outcome as a promise: the ok payload, or an Error carrying the error's `reason`.
export function reply(push) {
  return new Promise((resolve, reject) => {
    push
      .receive('ok', resolve)
      .receive('error', (e) => reject(Object.assign(new Error(`refused: ${JSON.stringify(e)}`), { reason: e?.reason })))
      .receive('timeout', () => reject(new Error('push timed out')))
  })
}

// A participant scripted in Node with the official client, joined to the meeting with `params`
// ({name, token?, …}). `send(type, data)` resolves with the seq; `pushed` lists what it sent.
export async function scriptedPerson(server, sockets, meetingId, params) {
  const socket = new Socket(`ws://127.0.0.1:${server.port}/socket`, { transport: WebSocket, timeout: 5000 })
  sockets.push(socket)
  socket.connect()
  const channel = socket.channel(`meeting:${meetingId}`, params)
  const joined = await reply(channel.join())
  let n = 0
  const pushed = []
  return {
    pid: joined.pid,
    secret: joined.secret,
    pushed,
    async send(type, data) {
      const { seq } = await reply(channel.push('event', { id: `e2e-${joined.pid}-${++n}`, type, data }))
      pushed.push({ seq, type, data })
      return seq
    },
  }
}
