// Network limits (docs/operations.md § Quotas and limits, § Descriptors): the descriptor cap (no spin
// at the limit, health checks still answered, recovery), connections per client address (429, counted
// per forwarded address behind a trusted proxy) and the deadlines for a WebSocket message and an HTTP
// request (a byte now and then does not keep either open).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { CONFAB_BIN, connect, createMeeting, freePort, join, push, startServer, tempDir, waitUntil } from "./lib.mjs";

const wsPath = "/socket/websocket?vsn=2.0.0";

// A raw `ws` upgrade: resolves {open: ws} or {status, headers, body} when refused.
function upgrade(port, { localAddress, headers } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${wsPath}`, { localAddress, headers });
  ws.on("error", () => {});
  return new Promise((resolve) => {
    ws.once("open", () => resolve({ open: ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
  });
}

function closeAll(sockets) {
  for (const ws of sockets) ws.terminate();
}

// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks).
const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

describe("descriptor limit", () => {
  let proc, port, dir, output = "", exited;
  const sockets = [];
  const raw = [];

  before(async () => {
    port = await freePort();
    dir = tempDir();
    // prlimit execs confab in its own process: the pid is the server's. Idle HTTP connections must
    // stay for the whole measurement, so the handshake timeout is long here.
    proc = spawn(
      "prlimit",
      ["--nofile=128:128", "--", CONFAB_BIN, "serve", "--listen", `127.0.0.1:${port}`,
        "--store", `sqlite:${path.join(dir, "confab.db")}`, "--threads", "2", "--reader-threads", "2",
        "--connections-per-address", "0", "--handshake-timeout-s", "120"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE: "0" } },
    );
    proc.stdout.on("data", (d) => (output += d));
    proc.stderr.on("data", (d) => (output += d));
    exited = new Promise((resolve) => proc.on("exit", resolve));
    await waitUntil(async () => {
      if (proc.exitCode !== null) throw new Error(`confab exited:\n${output}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/livez`)).ok;
      } catch {
        return false;
      }
    }, { what: "/livez", timeoutMs: 15000 });
  });

  after(async () => {
    closeAll(sockets);
    for (const s of raw) s.destroy();
    if (proc?.exitCode === null) {
      proc.kill("SIGTERM");
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the cap holds without spinning, health checks answer, and it recovers", async (t) => {
    const m = output.match(/at most (\d+) connections, the last (\d+) for plain HTTP/);
    assert.ok(m, `no descriptor line in the log:\n${output}`);
    const [cap, httpSlots] = [Number(m[1]), Number(m[2])];
    assert.ok(cap < 128 && httpSlots > 0, `cap ${cap}, http slots ${httpSlots}`);

    // WebSockets fill the cap but its last slots: the next upgrade is refused, with a reason.
    for (let i = 0; i < cap - httpSlots; i++) {
      const r = await upgrade(port);
      assert.ok(r.open, `socket ${i + 1} of ${cap - httpSlots} refused: ${r.status} ${r.body}`);
      sockets.push(r.open);
    }
    const refused = await upgrade(port);
    assert.equal(refused.status, 503, JSON.stringify(refused));
    assert.equal(JSON.parse(refused.body).error, "server_full");
    assert.ok(Number(refused.headers["retry-after"]) > 0, JSON.stringify(refused.headers));
    // The slots kept for plain HTTP answer the probes.
    assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

    // Now more idle TCP connections than descriptors: the rest of the cap fills, the others wait in
    // the backlog, and the server must not spin on them.
    for (let i = 0; i < 200; i++) {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => {});
      raw.push(s);
    }
    await waitUntil(() => /at the connection cap/.test(output), { what: "the cap to be reached" });
    const linesBefore = output.split("\n").filter((l) => /accept/.test(l)).length;
    const cpu0 = cpuSeconds(proc.pid);
    const wall0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000)); // a measurement window, not a synchronisation
    const cpu = cpuSeconds(proc.pid) - cpu0;
    const wall = (Date.now() - wall0) / 1000;
    const acceptLines = output.split("\n").filter((l) => /accept/.test(l)).length;
    t.diagnostic(`at the cap: ${cpu.toFixed(3)} s CPU in ${wall.toFixed(2)} s; ${acceptLines} accept log lines (${linesBefore} before the window)`);
    assert.ok(cpu < 0.25 * wall, `the server burnt ${cpu} s of CPU in ${wall} s at the cap`);
    assert.ok(acceptLines <= 5, `accept log lines: ${acceptLines}\n${output.slice(-2000)}`);
    assert.equal(proc.exitCode, null, "the server died");

    // The idle connections go: the server accepts again (the backlog drains) and answers.
    for (const s of raw) s.destroy();
    await waitUntil(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    }, { what: "/livez after the flood", timeoutMs: 20000 });
    closeAll(sockets);
    sockets.length = 0;
    // Once the server has seen those closes, upgrades are accepted again.
    const probe = await waitUntil(async () => (await upgrade(port)).open ?? null, { what: "a free socket slot", everyMs: 50 });
    probe.close();

    // New clients join a meeting normally.
    const server = { base: `http://127.0.0.1:${port}`, socketUrl: `ws://127.0.0.1:${port}/socket` };
    const meeting = await createMeeting(server, "After the flood");
    const socket = await connect(server);
    try {
      const j = await join(socket, meeting.id, { name: "Back" });
      assert.equal(j.status, "ok", JSON.stringify({ status: j.status, response: j.response }));
      const r = await push(j.channel, "card_added", { card_id: "c1", title: "works" });
      assert.equal(r.status, "ok", JSON.stringify(r));
    } finally {
      socket.disconnect();
    }
  });
});

describe("connections per address", () => {
  let server;
  const open = [];
  before(async () => {
    // 127.0.0.2 is a trusted proxy; the tests come from other loopback addresses, so the start-up
    // probe's own connection (from 127.0.0.1) counts for nobody here.
    server = await startServer({ args: ["--connections-per-address", "3", "--trusted-proxies", "127.0.0.2"] });
  });
  after(async () => {
    closeAll(open);
    await server?.stop();
  });

  test("the 4th connection of an address gets 429 JSON with Retry-After; a freed place is reused", async () => {
    const from = { localAddress: "127.0.0.5" };
    for (let i = 0; i < 3; i++) {
      const r = await upgrade(server.port, from);
      assert.ok(r.open, JSON.stringify(r));
      open.push(r.open);
    }
    // A direct client's X-Forwarded-For is not believed.
    const fourth = await upgrade(server.port, { ...from, headers: { "X-Forwarded-For": "10.9.9.9" } });
    assert.equal(fourth.status, 429, JSON.stringify(fourth));
    assert.equal(fourth.headers["retry-after"], "10");
    assert.equal(fourth.headers["content-type"], "application/json");
    const body = JSON.parse(fourth.body);
    assert.equal(body.error, "too_many_connections");
    assert.match(body.detail, /3/);
    // Plain HTTP counts too.
    const raw = await new Promise((resolve) => {
      const s = net.connect({ port: server.port, host: "127.0.0.1", localAddress: "127.0.0.5" });
      let data = "";
      s.on("data", (d) => (data += d));
      s.on("close", () => resolve(data));
      s.on("error", () => {});
      s.write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    assert.match(raw, /^HTTP\/1\.1 429 /);
    // Another address is not affected.
    const other = await upgrade(server.port, { localAddress: "127.0.0.6" });
    assert.ok(other.open, JSON.stringify(other));
    open.push(other.open);
    // One of the three closes: a new one gets its place (once the server has seen the close).
    open.shift().close();
    const again = await waitUntil(async () => {
      const r = await upgrade(server.port, from);
      return r.open ?? null;
    }, { what: "a place freed by a close", everyMs: 50 });
    open.push(again);
  });

  test("behind a trusted proxy each forwarded address has its own count", async () => {
    const via = (client) => ({ localAddress: "127.0.0.2", headers: { "X-Forwarded-For": `6.6.6.6, ${client}` } });
    for (let i = 0; i < 3; i++) {
      const r = await upgrade(server.port, via("10.0.0.1"));
      assert.ok(r.open, `proxied connection ${i + 1}: ${JSON.stringify(r)}`);
      open.push(r.open);
    }
    const over = await upgrade(server.port, via("10.0.0.1"));
    assert.equal(over.status, 429, JSON.stringify(over));
    assert.equal(JSON.parse(over.body).error, "too_many_connections");
    // The proxy's own address is not the limit: another client through it gets in.
    const other = await upgrade(server.port, via("10.0.0.2"));
    assert.ok(other.open, JSON.stringify(other));
    open.push(other.open);
  });
});

describe("deadlines", () => {
  let server, meeting, good;
  before(async () => {
    server = await startServer({ args: ["--frame-timeout-s", "2"], env: { CONFAB_HANDSHAKE_TIMEOUT_S: "2" } });
    meeting = await createMeeting(server, "Deadlines");
    const socket = await connect(server);
    const j = await join(socket, meeting.id, { name: "Good" });
    assert.equal(j.status, "ok");
    good = { socket, channel: j.channel, n: 0 };
  });
  after(async () => {
    good?.socket.disconnect();
    await server?.stop();
  });

  async function goodStillWorks() {
    const n = ++good.n;
    const r = await push(good.channel, "card_added", { card_id: `good-${n}`, title: `fine ${n}` });
    assert.equal(r.status, "ok", JSON.stringify(r));
  }

  // A raw TCP client: `data` is everything received (bytes), `closed` resolves at the end.
  function rawClient() {
    const s = net.connect(server.port, "127.0.0.1");
    const c = { s, data: Buffer.alloc(0), ended: false };
    s.on("data", (d) => (c.data = Buffer.concat([c.data, d])));
    s.on("error", () => {});
    c.closed = new Promise((resolve) => s.on("close", () => resolve((c.ended = true))));
    return c;
  }

  const upgradeRequest =
    `GET ${wsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  // Upgrades a raw client; resolves with the offset of the first WebSocket byte in c.data.
  async function rawWebSocket() {
    const c = rawClient();
    c.s.write(upgradeRequest);
    await waitUntil(() => c.data.indexOf("\r\n\r\n") >= 0, { what: "101" });
    assert.match(c.data.toString("latin1"), /^HTTP\/1\.1 101 /);
    c.start = c.data.indexOf("\r\n\r\n") + 4;
    return c;
  }

  // A masked client text frame: its header, then the masked payload.
  function clientFrame(payload) {
    const body = Buffer.from(payload);
    const mask = Buffer.from([1, 2, 3, 4]);
    const len = body.length;
    const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 255]);
    const masked = Buffer.from(body.map((b, i) => b ^ mask[i % 4]));
    return Buffer.concat([head, mask, masked]);
  }

  const pause = (ms) => new Promise((r) => setTimeout(r, ms)); // pacing a client, not synchronising

  test("a 60 KB frame dripped slowly is cut with 1008 while another member keeps working", async () => {
    const c = await rawWebSocket();
    const frame = clientFrame(JSON.stringify([null, "1", "phoenix", "heartbeat", { pad: "x".repeat(60000) }]));
    let sent = 0;
    const drip = (async () => {
      while (!c.ended && sent < frame.length) {
        c.s.write(frame.subarray(sent, sent + 50)); // 50 bytes every 100 ms: 2 minutes for the frame
        sent += 50;
        await pause(100);
      }
    })();
    await goodStillWorks();
    await waitUntil(() => c.ended, { what: "the slow frame to be cut", timeoutMs: 15000 });
    await drip;
    assert.ok(sent < frame.length, "the whole frame went out before the server cut it");
    const ws = c.data.subarray(c.start);
    assert.equal(ws[0], 0x88, `expected a close frame, got ${ws.toString("hex").slice(0, 40)}`);
    assert.equal(ws.readUInt16BE(2), 1008);
    await goodStillWorks();
  });

  test("an upgrade request dripped slowly is answered 408 and closed", async () => {
    const c = rawClient();
    let sent = 0;
    const drip = (async () => {
      while (!c.ended && sent < upgradeRequest.length) {
        c.s.write(upgradeRequest.slice(sent, sent + 2));
        sent += 2;
        await pause(100);
      }
    })();
    await waitUntil(() => c.ended, { what: "the slow request to be cut", timeoutMs: 15000 });
    await drip;
    assert.ok(sent < upgradeRequest.length, "the whole request went out before the server cut it");
    const text = c.data.toString("latin1");
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /"error":"request_timeout"/);
    await goodStillWorks();
  });

  test("an idle connection that sends nothing is closed", async () => {
    const c = rawClient();
    await waitUntil(() => c.ended, { what: "the idle connection to be closed", timeoutMs: 15000 });
    assert.equal(c.data.length, 0);
  });

  test("a frame that arrives slowly but within the deadline is answered", async () => {
    const c = await rawWebSocket();
    const frame = clientFrame(JSON.stringify([null, "7", "phoenix", "heartbeat", {}]));
    const third = Math.ceil(frame.length / 3);
    for (let i = 0; i < 3; i++) {
      c.s.write(frame.subarray(i * third, (i + 1) * third));
      await pause(200);
    }
    await waitUntil(() => c.data.subarray(c.start).toString("latin1").includes('"phx_reply"'), { what: "the heartbeat reply" });
    assert.match(c.data.subarray(c.start).toString("latin1"), /\[null,"7","phoenix","phx_reply",\{"status":"ok"/);
    assert.equal(c.ended, false);
    c.s.destroy();
  });
});
