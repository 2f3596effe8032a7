// Shared helpers for the integration tests: start the real binary, create meetings over HTTP, drive
// the official phoenix client. Every wait is on an event or a condition, never a fixed sleep.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Serializer, Socket } from "phoenix";
import WebSocket from "ws";

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONFAB_BIN = process.env.CONFAB_BIN
  ? path.resolve(process.env.CONFAB_BIN)
  : path.resolve(here, "../build/confab");

// A port the OS says is free right now (the server binds it a moment later).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir() {
  return mkdtempSync(path.join(tmpdir(), "confab-it-"));
}

// Resolves once `check()` returns a truthy value (which is returned), polling every `everyMs`.
export async function waitUntil(check, { timeoutMs = 10000, everyMs = 10, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// Starts `confab serve` on a free loopback port with a SQLite file in `dir` (a new temp dir by
// default) and waits for /healthz. Returns {port, base, socketUrl, dbPath, stop(), kill9()}.
// `args` are more flags for `confab serve`; `env` more variables. Every test here comes from one
// address and creates meetings faster than a person would, so that quota is off unless a test sets it;
// so is the meeting event rate (several tests pipeline hundreds of pushes into one meeting at once).
export async function startServer({ dir = tempDir(), db = "confab.db", port, args = [], env = {} } = {}) {
  port ??= await freePort();
  const dbPath = path.join(dir, db);
  const proc = spawn(
    CONFAB_BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--store", `sqlite:${dbPath}`, ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE: "0", CONFAB_EVENTS_PER_MEETING_PER_SECOND: "0", ...env },
    },
  );
  let output = "";
  proc.stdout.on("data", (d) => (output += d));
  proc.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  let dead = false;
  exited.then(() => (dead = true));
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (dead) throw new Error(`confab exited during start-up:\n${output}`);
      try {
        const res = await fetch(`${base}/healthz`);
        return res.ok;
      } catch {
        return false;
      }
    },
    { what: "/healthz", timeoutMs: 15000 },
  );
  return {
    port,
    base,
    dir,
    dbPath,
    socketUrl: `ws://127.0.0.1:${port}/socket`,
    output: () => output,
    // Graceful stop (SIGTERM), then the temp dir goes unless `keep`.
    async stop({ keep = false } = {}) {
      if (!dead) {
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    // The crash case: no chance to flush anything.
    async kill9() {
      if (!dead) {
        proc.kill("SIGKILL");
        await exited;
      }
    },
  };
}

export async function createMeeting(server, title = "Retro") {
  const res = await fetch(`${server.base}/api/meetings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
  if (res.status !== 201) throw new Error(`POST /api/meetings: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function getEvents(server, meetingId, after = 0) {
  const res = await fetch(`${server.base}/api/meetings/${meetingId}/events?after=${after}`);
  if (!res.ok) throw new Error(`GET events: ${res.status}`);
  return res.json();
}

// An official client socket with fast timers and wire spies: `sent` holds every outgoing message,
// `received` every decoded incoming frame [join_ref, ref, topic, event, payload].
export function makeSocket(server, opts = {}) {
  const sent = [];
  const received = [];
  const socket = new Socket(server.socketUrl, {
    transport: WebSocket,
    timeout: 3000,
    heartbeatIntervalMs: 30000,
    rejoinAfterMs: () => 50,
    reconnectAfterMs: () => 50,
    encode: (msg, cb) => {
      sent.push(msg);
      return Serializer.encode(msg, cb);
    },
    decode: (raw, cb) => {
      if (typeof raw === "string") received.push(JSON.parse(raw));
      return Serializer.decode(raw, cb);
    },
    ...opts,
  });
  socket.sent = sent;
  socket.received = received;
  return socket;
}

export function connect(server, opts = {}) {
  const socket = makeSocket(server, opts);
  return new Promise((resolve, reject) => {
    const offOpen = socket.onOpen(() => {
      socket.off([offOpen, offErr]);
      resolve(socket);
    });
    const offErr = socket.onError((e) => {
      socket.off([offOpen, offErr]);
      socket.disconnect();
      reject(new Error(`socket error: ${e?.message ?? e}`));
    });
    socket.connect();
  });
}

// Resolves with the reply of a push (or join): {status, response}. Never rejects, so tests can assert
// on error replies as well.
export function reply(push) {
  return new Promise((resolve) => {
    push
      .receive("ok", (response) => resolve({ status: "ok", response }))
      .receive("error", (response) => resolve({ status: "error", response }))
      .receive("timeout", () => resolve({ status: "timeout" }));
  });
}

// Joins `meeting:ID` with `params` (an object or function). Resolves {channel, status, response};
// on error the channel is left so the client does not retry forever.
export async function join(socket, meetingId, params) {
  const channel = socket.channel(`meeting:${meetingId}`, params);
  const r = await reply(channel.join());
  if (r.status !== "ok") channel.leave();
  return { channel, ...r };
}

let counter = 0;
export function eventId() {
  return `it-${process.pid}-${Date.now()}-${++counter}`;
}

export function push(channel, type, data = {}, id = eventId()) {
  return reply(channel.push("event", { id, type, data }));
}

// Subscribes to the events a meeting channel receives, whatever the frame: fn(e, frame) for the one
// event of an "event" (a committed event, or a transient one without seq) and for each event of an
// "events" batch (2+ committed events, consecutive seqs), in order; frame is "event" or "events".
// Returns a function that unsubscribes.
export function onEvents(channel, fn) {
  const one = channel.on("event", (e) => fn(e, "event"));
  const many = channel.on("events", (payload) => {
    if (!Array.isArray(payload?.events)) throw new Error(`"events" frame without an events array: ${JSON.stringify(payload)}`);
    for (const e of payload.events) fn(e, "events");
  });
  return () => {
    channel.off("event", one);
    channel.off("events", many);
  };
}

// GET /api/meetings/ID/state?seq=SEQ: {seq, head_seq, state}.
export async function getState(server, meetingId, seq) {
  const res = await fetch(`${server.base}/api/meetings/${meetingId}/state?seq=${seq}`);
  if (!res.ok) throw new Error(`GET state: ${res.status}`);
  return res.json();
}
