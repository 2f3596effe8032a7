#!/usr/bin/env node
// A stand-in for `confab serve`, for running the browser tests before (or without) the C++ server:
// the same CLI shape, the HTTP API subset the web app uses, and the Phoenix v2 socket (join, resume
// with since, push/ack with id dedupe, broadcast, presence). It does NOT validate events (the real
// server's domain does); it exists to exercise the client. Log persisted as JSON at the --store path.
//   node e2e/mock-server.mjs serve --listen 127.0.0.1:PORT --store sqlite:PATH --web DIR
import { createServer } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs'
import { extname, join, normalize } from 'node:path'
import { WebSocketServer } from 'ws'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const [host, port] = opt('listen', '127.0.0.1:4000').split(':')
const storePath = opt('store', 'sqlite:./mock.db').replace(/^sqlite:/, '')
const webDir = opt('web', 'dist')

const STATE = new Set(['meeting_created', 'participant_joined', 'participant_renamed', 'meeting_renamed',
  'settings_changed', 'phase_changed', 'card_added', 'card_edited', 'card_deleted', 'card_merged', 'card_voted',
  'vote_withdrawn', 'discussion_started', 'discussion_finished', 'timer_started', 'timer_extended',
  'continue_voted', 'note_added', 'note_deleted'])

// meetings: id → { token, events: [], participants: {pid: {name, secret}}, ids: {eventId: seq} }
const meetings = existsSync(storePath) ? JSON.parse(readFileSync(storePath, 'utf8')) : {}
const persist = () => writeFileSync(storePath, JSON.stringify(meetings))
const hex = (n) => randomBytes(n).toString('hex')

function append(m, actor, type, data, id = randomUUID()) {
  const event = { seq: m.events.length + 1, id, type, actor, ts: Date.now(), data }
  m.events.push(event)
  m.ids[id] = event.seq
  persist()
  return event
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' }
const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (req.method === 'POST' && url.pathname === '/api/meetings') {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const input = JSON.parse(body || '{}')
      if (!input.title) return send(res, 400, { error: 'title_empty' })
      const id = hex(16)
      const m = (meetings[id] = { token: hex(16), events: [], participants: {}, ids: {} })
      append(m, { pid: 'server', name: 'server' }, 'meeting_created', {
        title: input.title, votes_per_person: input.votes_per_person ?? 3, timebox_s: input.timebox_s ?? 300,
      })
      send(res, 201, { id, facilitator_token: m.token, url: `/m/${id}` })
    })
    return
  }
  const ev = /^\/api\/meetings\/([^/]+)\/events$/.exec(url.pathname)
  if (ev) {
    const m = meetings[ev[1]]
    if (!m) return send(res, 404, { error: 'not_found' })
    const after = Number(url.searchParams.get('after') ?? 0)
    const limit = Number(url.searchParams.get('limit') ?? 1000)
    return send(res, 200, { events: m.events.filter((e) => e.seq > after).slice(0, limit), head_seq: m.events.length })
  }
  if (url.pathname === '/healthz') return send(res, 200, { ok: true })
  // Static files with SPA fallback.
  let file = normalize(join(webDir, url.pathname))
  if (!file.startsWith(normalize(webDir)) || !existsSync(file) || statSync(file).isDirectory()) file = join(webDir, 'index.html')
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' })
  res.end(readFileSync(file))
})

// topic → Set of {ws, joinRef, pid, name, phxRef}
const members = new Map()
const frame = (joinRef, ref, topic, event, payload) => JSON.stringify([joinRef, ref, topic, event, payload])
const broadcast = (topic, event, payload) => {
  const bytes = frame(null, null, topic, event, payload)
  for (const m of members.get(topic) ?? []) m.ws.send(bytes)
}
const presenceOf = (topic) => {
  const state = {}
  for (const m of members.get(topic) ?? []) {
    state[m.pid] ??= { metas: [] }
    state[m.pid].metas.push({ name: m.name, online_at: m.at, phx_ref: m.phxRef })
  }
  return state
}

const wss = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/socket/websocket')) return socket.destroy()
  wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws))
})

function onSocket(ws) {
  const joined = new Map() // topic → member
  const leave = (topic) => {
    const me = joined.get(topic)
    if (!me) return
    joined.delete(topic)
    members.get(topic)?.delete(me)
    broadcast(topic, 'presence_diff', { joins: {}, leaves: { [me.pid]: { metas: [{ name: me.name, online_at: me.at, phx_ref: me.phxRef }] } } })
  }
  ws.on('close', () => [...joined.keys()].forEach(leave))
  ws.on('message', (raw) => {
    let msg
    try { msg = JSON.parse(String(raw)) } catch { return }
    const [joinRef, ref, topic, event, payload] = msg
    const reply = (status, response) => ws.send(frame(joinRef, ref, topic, 'phx_reply', { status, response }))
    if (topic === 'phoenix' && event === 'heartbeat') return reply('ok', {})
    const id = /^meeting:(.+)$/.exec(topic)?.[1]
    const m = id && meetings[id]
    if (event === 'phx_join') {
      if (!m) return reply('error', { reason: 'not_found' })
      let pid = payload.pid
      let secret
      if (pid) {
        if (m.participants[pid]?.secret !== payload.secret) return reply('error', { reason: 'bad_credentials' })
      } else {
        pid = `p_${hex(8)}`
        secret = hex(16)
        m.participants[pid] = { name: payload.name, secret }
        const e = append(m, { pid, name: payload.name }, 'participant_joined', { name: payload.name })
        broadcast(topic, 'event', e)
      }
      const role = payload.token === m.token ? 'facilitator' : 'participant'
      const since = Number.isInteger(payload.since) ? payload.since : undefined
      const resumed = since !== undefined && since <= m.events.length
      const from = resumed ? since : 0
      const events = m.events.filter((e) => e.seq > from && STATE.has(e.type))
      leave(topic)
      const me = { ws, joinRef, pid, name: payload.name, at: Date.now(), phxRef: hex(6) }
      reply('ok', { pid, ...(secret ? { secret } : {}), role, head_seq: m.events.length, resumed, events })
      joined.set(topic, me)
      if (!members.has(topic)) members.set(topic, new Set())
      members.get(topic).add(me)
      ws.send(frame(joinRef, null, topic, 'presence_state', presenceOf(topic)))
      broadcast(topic, 'presence_diff', { joins: { [pid]: { metas: [{ name: me.name, online_at: me.at, phx_ref: me.phxRef }] } }, leaves: {} })
      return
    }
    if (event === 'phx_leave') {
      leave(topic)
      return reply('ok', {})
    }
    const me = joined.get(topic)
    if (!me || !m) return reply('error', { reason: 'not_joined' })
    if (event === 'event') {
      if (m.ids[payload.id]) return reply('ok', { seq: m.ids[payload.id] })
      const actor = { pid: me.pid, name: me.name }
      if (payload.type === 'typing') {
        reply('ok', {})
        return broadcast(topic, 'event', { id: payload.id, type: 'typing', actor, ts: Date.now(), data: payload.data ?? {} })
      }
      const e = append(m, actor, payload.type, payload.data ?? {}, payload.id)
      reply('ok', { seq: e.seq })
      broadcast(topic, 'event', e)
    }
  })
}

server.listen(Number(port), host, () => console.log(`mock confab listening on http://${host}:${port}/`))
const stop = () => { for (const c of wss.clients) c.terminate(); server.close(); process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
