// The HTTP side of `confab serve` against the real binary: meetings API, event paging and NDJSON,
// JSON error bodies, /healthz, /metrics, static files with the SPA fallback, and the WebSocket
// upgrade rules (vsn, subprotocol). Only Node built-ins and `ws` (for the upgrade checks).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { CONFAB_BIN, freePort, waitUntil } from "./lib.mjs";

let server; // {base, port, dir, proc, output()}

// Starts the binary with a temp SQLite store and a temp web dir; ready once /healthz answers 200.
async function start() {
  const dir = mkdtempSync(path.join(tmpdir(), "confab-http-"));
  const web = path.join(dir, "web");
  mkdirSync(path.join(web, "assets"), { recursive: true });
  writeFileSync(path.join(web, "index.html"), "<!doctype html><title>confab-test-index</title>");
  writeFileSync(path.join(web, "assets", "app-1a2b3c.js"), "console.log('app');\n");
  writeFileSync(path.join(web, "assets", "app-1a2b3c.css"), "body{}\n");
  writeFileSync(path.join(web, "logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  writeFileSync(path.join(dir, "secret.txt"), "outside the web root");
  const port = await freePort();
  const proc = spawn(
    CONFAB_BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--store", `sqlite:${path.join(dir, "confab.db")}`, "--web", web],
    { stdio: ["ignore", "pipe", "pipe"] },
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
        return (await fetch(`${base}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    { what: "/healthz", timeoutMs: 15000, everyMs: 20 },
  );
  return { base, port, dir, proc, exited, output: () => output, dead: () => dead };
}

// A request with full control of method, path and headers (fetch normalises paths like /../).
function rawRequest(method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: server.port, method, path: target, headers }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function postMeeting(body) {
  return fetch(`${server.base}/api/meetings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function assertJsonError(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type"), /^application\/json/);
  const body = await res.json();
  assert.equal(body.error, code, JSON.stringify(body));
  return body;
}

before(async () => {
  server = await start();
});

after(async () => {
  if (server && !server.dead()) {
    server.proc.kill("SIGTERM");
    const t = setTimeout(() => server.proc.kill("SIGKILL"), 5000);
    const { code } = await server.exited;
    clearTimeout(t);
    assert.equal(code, 0, `graceful exit\n${server.output()}`);
  }
  if (server) rmSync(server.dir, { recursive: true, force: true });
});

describe("meetings", () => {
  test("POST creates a meeting: 201, 128-bit id, token, url", async () => {
    const res = await postMeeting({ title: "  Sprint retro  ", votes_per_person: 5, timebox_s: 120 });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.match(body.id, /^[0-9a-f]{32}$/);
    assert.match(body.facilitator_token, /^[0-9a-f]{32}$/);
    assert.notEqual(body.facilitator_token, body.id);
    assert.equal(body.url, `/m/${body.id}`);
    assert.equal(res.headers.get("location"), `/api/meetings/${body.id}`);

    const again = await (await postMeeting({ title: "Another" })).json();
    assert.notEqual(again.id, body.id, "ids are random");
  });

  test("GET returns the live meeting", async () => {
    const before = Date.now();
    const { id } = await (await postMeeting({ title: "Planning" })).json();
    const res = await fetch(`${server.base}/api/meetings/${id}`);
    assert.equal(res.status, 200);
    const m = await res.json();
    assert.equal(m.id, id);
    assert.equal(m.title, "Planning");
    assert.equal(m.phase, "collect");
    assert.equal(m.head_seq, 1);
    assert.ok(m.created_ts >= before - 1000 && m.created_ts <= Date.now() + 1000, `created_ts ${m.created_ts}`);
    assert.ok(Array.isArray(m.participants));
  });

  test("unknown meeting → 404 not_found", async () => {
    await assertJsonError(await fetch(`${server.base}/api/meetings/${"0".repeat(32)}`), 404, "not_found");
    await assertJsonError(await fetch(`${server.base}/api/meetings/${"0".repeat(32)}/events`), 404, "not_found");
  });

  test("request validation: title, settings, body", async () => {
    await assertJsonError(await postMeeting({ title: "   " }), 400, "title_empty");
    await assertJsonError(await postMeeting({ title: "" }), 400, "title_empty");
    await assertJsonError(await postMeeting({ title: "x".repeat(141) }), 400, "title_too_long");
    // 140 code points that are 4 bytes each: length counts code points, not bytes.
    assert.equal((await postMeeting({ title: "😀".repeat(140) })).status, 201);
    await assertJsonError(await postMeeting({ title: "😀".repeat(141) }), 400, "title_too_long");
    await assertJsonError(await postMeeting({}), 400, "invalid_payload");
    await assertJsonError(await postMeeting({ title: 7 }), 400, "invalid_payload");
    await assertJsonError(await postMeeting("{not json"), 400, "invalid_payload");
    await assertJsonError(await postMeeting("[1,2]"), 400, "invalid_payload");
    for (const votes_per_person of [0, 21, 2.5, "3"]) {
      await assertJsonError(await postMeeting({ title: "t", votes_per_person }), 400, "invalid_payload");
    }
    for (const timebox_s of [29, 3601, "300"]) {
      await assertJsonError(await postMeeting({ title: "t", timebox_s }), 400, "invalid_payload");
    }
    assert.equal((await postMeeting({ title: "edge", votes_per_person: 20, timebox_s: 3600 })).status, 201);
  });

  test("a body over 1 MiB → 413 with a JSON error", async () => {
    const res = await rawRequest("POST", "/api/meetings", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "big", pad: "x".repeat((1 << 20) + 10) }),
    });
    assert.equal(res.status, 413);
    assert.equal(typeof JSON.parse(res.body).error, "string");
  });

  test("unknown API path → 404, wrong method → 405, both JSON", async () => {
    await assertJsonError(await fetch(`${server.base}/api/nothing-here`), 404, "not_found");
    await assertJsonError(await fetch(`${server.base}/api/meetings`, { method: "DELETE" }), 405, "method_not_allowed");
    await assertJsonError(await fetch(`${server.base}/api/meetings`), 405, "method_not_allowed");
    await assertJsonError(await fetch(`${server.base}/healthz`, { method: "POST" }), 405, "method_not_allowed");
    // Outside /api the static files answer GET and HEAD only.
    await assertJsonError(await fetch(`${server.base}/m/abc`, { method: "POST" }), 405, "method_not_allowed");
    await assertJsonError(await fetch(`${server.base}/api/meetings/%zz`), 400, "invalid_payload");
  });
});

describe("events", () => {
  test("the first event is meeting_created with the settings", async () => {
    const { id } = await (await postMeeting({ title: "Events", votes_per_person: 4 })).json();
    const res = await fetch(`${server.base}/api/meetings/${id}/events`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.head_seq, 1);
    assert.equal(body.events.length, 1);
    const e = body.events[0];
    assert.deepEqual(Object.keys(e).sort(), ["actor", "data", "id", "seq", "ts", "type"]);
    assert.equal(e.seq, 1);
    assert.equal(e.type, "meeting_created");
    assert.deepEqual(e.actor, { pid: "system", name: "Confab" });
    assert.deepEqual(e.data, { title: "Events", votes_per_person: 4, timebox_s: 300 });
    assert.match(e.id, /^[0-9a-f-]{36}$/);
  });

  test("paging with after and limit; NDJSON streams the rest", async () => {
    const { id } = await (await postMeeting({ title: "Paging" })).json();
    const page = async (q) => (await fetch(`${server.base}/api/meetings/${id}/events?${q}`)).json();
    assert.equal((await page("after=1")).events.length, 0);
    assert.equal((await page("after=0&limit=1")).events.length, 1);
    assert.equal((await page("after=99")).head_seq, 1);

    const res = await fetch(`${server.base}/api/meetings/${id}/events?format=ndjson`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^application\/x-ndjson/);
    const lines = (await res.text()).split("\n").filter(Boolean);
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]).type, "meeting_created");
    const empty = await (await fetch(`${server.base}/api/meetings/${id}/events?format=ndjson&after=1`)).text();
    assert.equal(empty, "");
  });

  test("bad paging parameters → 400 invalid_payload", async () => {
    const { id } = await (await postMeeting({ title: "Bad params" })).json();
    for (const q of ["after=-1", "after=abc", "limit=0", "limit=1x", "after=1e3", "format=xml"]) {
      await assertJsonError(await fetch(`${server.base}/api/meetings/${id}/events?${q}`), 400, "invalid_payload");
    }
  });
});

describe("operations", () => {
  test("/healthz reports the store", async () => {
    const res = await fetch(`${server.base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok", store: "ok", writer: "ok", last_error: null, since: null });
  });

  test("/metrics is Prometheus text with the counters", async () => {
    await postMeeting({ title: "Counted" });
    const res = await fetch(`${server.base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/plain/);
    const text = await res.text();
    const value = (name) => {
      const m = text.match(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, "m"));
      assert.ok(m, `${name} missing in\n${text}`);
      return Number(m[1]);
    };
    for (const name of [
      "confab_connections_open",
      "confab_joins_total",
      "confab_pushes_total",
      "confab_deliveries_total",
      "confab_slow_consumer_closes_total",
      "confab_rooms_loaded",
      "confab_store_commits_total",
    ]) {
      value(name);
    }
    assert.ok(value("confab_store_appends_total") >= 1, "the meetings created above were appended");
    assert.ok(value("confab_store_events_total") >= 1);
    assert.match(text, /^# TYPE confab_store_appends_total counter$/m);
  });
});

describe("static files", () => {
  test("index.html, assets with types and cache headers", async () => {
    const index = await fetch(`${server.base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /^text\/html/);
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /confab-test-index/);

    const js = await fetch(`${server.base}/assets/app-1a2b3c.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type"), /^text\/javascript/);
    assert.match(js.headers.get("cache-control"), /immutable/);
    assert.equal(await js.text(), "console.log('app');\n");

    const css = await fetch(`${server.base}/assets/app-1a2b3c.css`);
    assert.match(css.headers.get("content-type"), /^text\/css/);
    const svg = await fetch(`${server.base}/logo.svg`);
    assert.match(svg.headers.get("content-type"), /^image\/svg\+xml/);
  });

  test("SPA fallback: /m/ID and other app routes get index.html; missing assets 404", async () => {
    for (const p of ["/m/0123456789abcdef0123456789abcdef", "/some/app/route"]) {
      const res = await fetch(`${server.base}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(await res.text(), /confab-test-index/, p);
    }
    assert.equal((await fetch(`${server.base}/assets/missing-123.js`)).status, 404);
  });

  test("no path traversal", async () => {
    const secret = path.join(server.dir, "secret.txt"); // absolute: "//tmp/…" must not escape the root
    for (const p of ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                     `/${secret}`, `/%2f${secret.slice(1)}`]) {
      const res = await rawRequest("GET", p);
      assert.ok(!res.body.includes("outside the web root"), `${p} leaked a file`);
      assert.ok(res.status === 404 || res.status === 400 || /confab-test-index/.test(res.body), `${p}: ${res.status}`);
    }
  });
});

describe("websocket upgrade", () => {
  // The raw upgrade answer: {status, headers} (101 when accepted; the socket is then closed).
  function upgrade(query, protocols) {
    const headers = {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": Buffer.from("0123456789abcdef").toString("base64"),
    };
    if (protocols !== undefined) headers["Sec-WebSocket-Protocol"] = protocols;
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: server.port, path: `/socket/websocket${query}`, headers });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode, headers: res.headers, body: "" });
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  test("vsn other than 2.x, or none, is refused with 403 and a reason", async () => {
    for (const q of ["?vsn=1.0.0", "", "?vsn=3.0.0"]) {
      const res = await upgrade(q);
      assert.equal(res.status, 403, q);
      assert.match(res.body, /vsn=2\.0\.0/, q);
    }
  });

  test("subprotocol: phoenix echoed when offered, token never echoed, absent when not offered", async () => {
    const offered = await upgrade("?vsn=2.0.0", "phoenix, base64url.bearer.phx.czNjcjN0");
    assert.equal(offered.status, 101);
    assert.equal(offered.headers["sec-websocket-protocol"], "phoenix");

    const tight = await upgrade("?vsn=2.0.0", "base64url.bearer.phx.czNjcjN0,phoenix");
    assert.equal(tight.status, 101);
    assert.equal(tight.headers["sec-websocket-protocol"], "phoenix");

    const none = await upgrade("?vsn=2.0.0");
    assert.equal(none.status, 101);
    assert.equal(none.headers["sec-websocket-protocol"], undefined);
  });
});

describe("HTTP details", () => {
  test("HEAD answers like GET without a body", async () => {
    const { id } = await (await postMeeting({ title: "Head" })).json();
    const get = await rawRequest("GET", `/api/meetings/${id}`);
    const head = await rawRequest("HEAD", `/api/meetings/${id}`);
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], String(Buffer.byteLength(get.body)));
    assert.match(head.headers["content-type"], /^application\/json/);

    const index = await rawRequest("HEAD", "/m/anything");
    assert.equal(index.status, 200);
    assert.equal(index.body, "");
    assert.match(index.headers["content-type"], /^text\/html/);
  });

  test("keep-alive: several requests on one connection", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = [];
      const { id } = await (await postMeeting({ title: "Keep-alive" })).json();
      for (const target of ["/healthz", `/api/meetings/${id}`, `/api/meetings/${id}/events`, "/", "/nope/x"]) {
        const { status, localPort, reused } = await new Promise((resolve, reject) => {
          const req = http.get({ host: "127.0.0.1", port: server.port, path: target, agent }, (res) => {
            const localPort = res.socket.localPort; // the socket goes back to the agent at "end"
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode, localPort, reused: req.reusedSocket }));
          });
          req.on("error", reject);
        });
        assert.equal(status, 200, target);
        ports.push({ localPort, reused });
      }
      assert.equal(new Set(ports.map((p) => p.localPort)).size, 1, JSON.stringify(ports));
      assert.deepEqual(ports.map((p) => p.reused), [false, true, true, true, true]);
    } finally {
      agent.destroy();
    }
  });

  test("a 413 closes the connection (the rest of the body is never read as a request)", async () => {
    const res = await rawRequest("POST", "/api/meetings", {
      headers: { "content-type": "application/json", "content-length": String((1 << 20) + 1) },
      body: "x".repeat((1 << 20) + 1),
    });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error, "message_too_large");
    assert.equal(res.headers.connection, "close");
  });

  test("error bodies are JSON with a code", async () => {
    const { id } = await (await postMeeting({ title: "Errors" })).json();
    await assertJsonError(await fetch(`${server.base}/api/meetings/${id}/events?limit=0`), 400, "invalid_payload");
    await assertJsonError(await fetch(`${server.base}/api/meetings/${id}/nothing`), 404, "not_found");
    await assertJsonError(await fetch(`${server.base}/assets/nope-1.js`), 404, "not_found");
    await assertJsonError(await fetch(`${server.base}/socket/longpoll`), 404, "not_found");
    const body = await assertJsonError(await postMeeting({ title: 5 }), 400, "invalid_payload");
    assert.equal(typeof body.detail, "string");
  });

  test("state at a seq or a time", async () => {
    const { id } = await (await postMeeting({ title: "Time travel" })).json();
    const res = await fetch(`${server.base}/api/meetings/${id}/state?seq=1`);
    assert.equal(res.status, 200);
    const s = await res.json();
    assert.equal(s.seq, 1);
    assert.equal(s.head_seq, 1);
    assert.equal(s.state.title, "Time travel");
    const before = await (await fetch(`${server.base}/api/meetings/${id}/state?at=2000-01-01`)).json();
    assert.equal(before.seq, 0);
    const past = await (await fetch(`${server.base}/api/meetings/${id}/state?seq=2`)).json();
    assert.deepEqual([past.seq, past.head_seq], [1, 1], "a seq past the head answers the head");
    await assertJsonError(await fetch(`${server.base}/api/meetings/${id}/state`), 400, "invalid_payload");
    await assertJsonError(await fetch(`${server.base}/api/meetings/${id}/state?at=soon`), 400, "invalid_payload");
  });
});

describe("websocket upgrade with the ws client", () => {
  // Resolves with the HTTP status of a refused upgrade, or rejects if the socket opened.
  function refusedStatus(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.on("unexpected-response", (_req, res) => {
        res.resume();
        resolve(res.statusCode);
        ws.terminate();
      });
      ws.on("open", () => {
        ws.close();
        reject(new Error(`${url} was accepted`));
      });
      ws.on("error", () => {}); // terminate() after unexpected-response reports an error
    });
  }

  function opened(url, protocols) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.on("open", () => resolve(ws));
      ws.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.on("error", reject);
    });
  }

  function closed(ws) {
    return new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve();
      else ws.on("close", () => resolve());
      ws.close();
    });
  }

  test("vsn=1.0.0 and a missing vsn are refused with 403", async () => {
    const url = `ws://127.0.0.1:${server.port}/socket/websocket`;
    assert.equal(await refusedStatus(`${url}?vsn=1.0.0`), 403);
    assert.equal(await refusedStatus(url), 403);
    assert.equal(await refusedStatus(`${url}?vsn=2`), 403);
  });

  test("the phoenix subprotocol is echoed when offered, absent when not", async () => {
    const url = `ws://127.0.0.1:${server.port}/socket/websocket?vsn=2.0.0`;
    const withProto = await opened(url, ["phoenix"]);
    assert.equal(withProto.protocol, "phoenix");
    await closed(withProto);
    const without = await opened(url);
    assert.equal(without.protocol, "");
    await closed(without);
  });
});

describe("graceful shutdown and the log tools", () => {
  // One Phoenix V2 frame, answered by the reply with the same ref.
  function call(ws, frame) {
    return new Promise((resolve, reject) => {
      const onMessage = (raw) => {
        const msg = JSON.parse(raw.toString());
        if (msg[1] === frame[1] && msg[3] === "phx_reply") {
          ws.off("message", onMessage);
          resolve(msg[4]);
        }
      };
      ws.on("message", onMessage);
      ws.on("error", reject);
      ws.send(JSON.stringify(frame));
    });
  }

  function cli(args) {
    const r = spawnSync(CONFAB_BIN, args, { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test("SIGTERM closes sockets with 1001 and exits 0; export → import → check round trip", async () => {
    const srv = await start();
    const db = `sqlite:${path.join(srv.dir, "confab.db")}`;
    try {
      const created = await (
        await fetch(`${srv.base}/api/meetings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: "Shutdown" }),
        })
      ).json();
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket/websocket?vsn=2.0.0`);
      await new Promise((resolve, reject) => {
        ws.on("open", resolve);
        ws.on("error", reject);
      });
      const topic = `meeting:${created.id}`;
      const joined = await call(ws, ["1", "1", topic, "phx_join", { name: "Ada", token: created.facilitator_token }]);
      assert.equal(joined.status, "ok", JSON.stringify(joined));
      const pushed = await call(ws, [
        "1",
        "2",
        topic,
        "event",
        { id: "it-shutdown-1", type: "card_added", data: { card_id: "k1", title: "Ship it" } },
      ]);
      assert.equal(pushed.status, "ok", JSON.stringify(pushed));
      const closeCode = new Promise((resolve) => ws.on("close", (code) => resolve(code)));

      srv.proc.kill("SIGTERM");
      assert.equal(await closeCode, 1001);
      const { code, signal } = await srv.exited;
      assert.equal(signal, null, srv.output());
      assert.equal(code, 0, srv.output());

      // The store after a graceful stop: export the meeting, import it as a new one, check all.
      const exported = cli(["export", created.id, "--store", db]);
      assert.equal(exported.code, 0, exported.stderr);
      const lines = exported.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((e) => e.type),
        ["meeting_created", "participant_joined", "card_added"],
      );
      assert.deepEqual(lines.map((e) => e.seq), [1, 2, 3]);
      const file = path.join(srv.dir, "export.ndjson");
      writeFileSync(file, exported.stdout);

      const imported = cli(["import", file, "--store", db]);
      assert.equal(imported.code, 0, imported.stderr);
      const summary = JSON.parse(imported.stdout.trim());
      assert.equal(summary.events, 3);
      assert.match(summary.id, /^[0-9a-f]{32}$/);
      assert.notEqual(summary.id, created.id);
      assert.match(summary.facilitator_token, /^[0-9a-f]{32}$/);

      const again = cli(["export", summary.id, "--store", db]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, readFileSync(file, "utf8"), "the imported log exports to the same bytes");

      const check = cli(["check", "--store", db]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /checked 2 meetings, 6 events/);

      // Importing the same file under an existing id is refused and writes nothing.
      const dup = cli(["import", file, "--meeting", summary.id, "--store", db]);
      assert.equal(dup.code, 1);
      assert.equal(cli(["check", "--store", db]).code, 0);
      assert.equal(cli(["export", "no-such-meeting", "--store", db]).code, 1);
    } finally {
      if (!srv.dead()) srv.proc.kill("SIGKILL");
      await srv.exited;
      rmSync(srv.dir, { recursive: true, force: true });
    }
  });
});
