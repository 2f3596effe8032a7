// A real Confab cluster for the integration tests: PostgreSQL 15 (own temp data directory), nats-server,
// N `confab serve` nodes and HAProxy in front, each on a free port, all real processes from the Debian
// packages, started and stopped through scripts/lib/services.sh (nodes are our child processes).
//
//   const cluster = await startCluster({ nodes: 3 });
//   after(() => cluster.stop());        // also run on process exit and on SIGINT/SIGTERM
//
// cluster.{url, base, socketUrl}      HAProxy (server-like: usable with ../lib.mjs helpers)
// cluster.nodes[i].{name, url, base, socketUrl, kill9(), stop(), start(), restart(), alive}
// cluster.pg.{url, start(), stop({mode}), restart({mode})}   mode: "fast" (default) or "immediate"
// cluster.nats.{url, start(), stop({signal}), restart(), connections()}
// cluster.haproxy.{servers(), waitUp(names)}                  from HAProxy's stats page
// cluster.query(sql, params)  rows (arrays of strings) from psql; $1.. are passed as psql variables
// cluster.log(meetingId)      [{seq, id}] of the meeting's stored events, in seq order
// cluster.stop()              stops everything (idempotent); cluster.orphans() lists survivors
//
// Env: CONFAB_BIN (the binary), CONFAB_THREADS (io threads per node, default 1: the machine has two
// cores for three nodes), CONFAB_CLUSTER_KEEP=1 keeps the temp directory (logs, data) after stop.
import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFAB_BIN, freePort, waitUntil } from "../lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const SERVICES = path.resolve(here, "../../../scripts/lib/services.sh");
const KEEP = process.env.CONFAB_CLUSTER_KEEP === "1";

// Runs one services.sh function; resolves its stdout (trimmed), rejects with its stderr.
function svc(fn, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [SERVICES, fn, ...args.map(String)],
      { env: { ...process.env, ...env }, timeout: 120000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`services.sh ${fn} ${args.join(" ")} failed: ${stderr || err.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

function svcSync(fn, args) {
  try {
    execFileSync("bash", [SERVICES, fn, ...args.map(String)], { stdio: "ignore", timeout: 60000 });
  } catch {
    // best effort: this runs while the process exits
  }
}

// Every cluster not yet stopped, so that an exiting test process takes nothing with it.
const live = new Set();
let hooked = false;
function hookProcessExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const c of live) c.stopSync();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(sig, () => {
      for (const c of live) c.stopSync();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
    });
  }
}

// One `confab serve` child process; its output goes to DIR/logs/NAME.log (appended across restarts).
class Node {
  constructor({ name, port, dir, args }) {
    this.name = name;
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.url = this.base = `http://${this.host}`;
    this.socketUrl = `ws://${this.host}/socket`;
    this.args = args;
    this.logPath = path.join(dir, "logs", `${name}.log`);
    this.proc = null;
    this.exited = null;
    this.tail = "";
  }

  get alive() {
    return this.proc !== null;
  }

  // Starts the process and waits until GET /healthz says it can append (200).
  async start({ timeoutMs = 30000 } = {}) {
    if (this.proc) return;
    const log = createWriteStream(this.logPath, { flags: "a" });
    log.write(`--- ${new Date().toISOString()} ${CONFAB_BIN} ${this.args.join(" ")}\n`);
    const proc = spawn(CONFAB_BIN, this.args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    const keep = (d) => {
      log.write(d);
      this.tail = (this.tail + d).slice(-8000);
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
    this.exited = new Promise((resolve) => {
      const gone = (how) => {
        log.end(`--- ${how}\n`);
        if (this.proc === proc) this.proc = null;
        resolve(how);
      };
      proc.on("exit", (code, signal) => gone(`exited code=${code} signal=${signal}`));
      // Spawning failed (no such binary): there will be no exit event.
      proc.on("error", (e) => {
        this.tail += `${e.message}\n`;
        if (proc.pid === undefined) gone(`not started: ${e.message}`);
      });
    });
    await waitUntil(
      async () => {
        if (this.proc !== proc) throw new Error(`${this.name} exited during start-up:\n${this.tail}`);
        return (await httpStatus(`${this.base}/healthz`)) === 200;
      },
      { what: `${this.name} /healthz 200`, timeoutMs, everyMs: 50 },
    );
  }

  // Graceful stop (SIGTERM: confab flushes and closes sockets with 1001), SIGKILL after 10 s.
  async stop() {
    const proc = this.proc;
    if (!proc) return;
    const exited = this.exited;
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(t);
  }

  // The crash case: nothing is flushed, sockets are reset.
  async kill9() {
    const proc = this.proc;
    if (!proc) return;
    const exited = this.exited;
    proc.kill("SIGKILL");
    await exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  killSync() {
    if (this.proc) this.proc.kill("SIGKILL");
  }
}

export async function httpStatus(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

// Starts the whole cluster. Options: nodes (default 3); threads (io threads per node); t (a test
// context: its `after` stops the cluster); serveArgs(i, ctx) to replace the flags after
// `serve --listen HOST:PORT` (ctx: {pgUrl, natsUrl, name, dir}).
export async function startCluster({ nodes = 3, threads = process.env.CONFAB_THREADS ?? 1, t, serveArgs } = {}) {
  if (!existsSync(CONFAB_BIN)) throw new Error(`no confab binary at ${CONFAB_BIN} (set CONFAB_BIN)`);
  hookProcessExit();
  const dir = mkdtempSync(path.join(tmpdir(), "confab-cluster-"));
  chmodSync(dir, 0o755); // the `postgres` user must reach its data directory below
  mkdirSync(path.join(dir, "logs"));
  const cluster = new Cluster(dir);
  live.add(cluster);
  t?.after(() => cluster.stop());
  try {
    await cluster.init({ nodes, threads, serveArgs });
  } catch (e) {
    const logs = cluster.logTails();
    await cluster.stop();
    e.message += `\n${logs}`;
    throw e;
  }
  return cluster;
}

class Cluster {
  constructor(dir) {
    this.dir = dir;
    this.nodes = [];
    this.sockets = new Set();
    this.stopping = null;
  }

  async init({ nodes, threads, serveArgs }) {
    const dir = this.dir;
    const [pgPort, natsPort, natsMonitor, front, stats] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const pgData = path.join(dir, "pg", "data");

    const pg = {
      port: pgPort,
      dataDir: pgData,
      url: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      start: () => svc("pg_start", [pgData, pgPort], { SVC_PG_INITDB_NOSYNC: "1" }),
      stop: ({ mode = "fast" } = {}) => svc("pg_stop", [pgData, mode]),
      restart: async ({ mode = "fast" } = {}) => {
        await pg.stop({ mode });
        await pg.start();
      },
      stopSync: () => svcSync("pg_stop", [pgData, "immediate"]),
    };
    this.pg = pg;

    const natsDir = path.join(dir, "nats");
    const nats = {
      port: natsPort,
      url: `nats://127.0.0.1:${natsPort}`,
      monitorPort: natsMonitor,
      start: () => svc("nats_start", [natsDir, natsPort, natsMonitor]),
      stop: ({ signal = "TERM" } = {}) => svc("nats_stop", [natsDir, signal]),
      restart: async () => {
        await nats.stop();
        await nats.start();
      },
      stopSync: () => svcSync("nats_stop", [natsDir, "KILL"]),
      // Client connections nats-server holds now (its monitoring endpoint /connz); 0 when down.
      connections: async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${natsMonitor}/connz`, { signal: AbortSignal.timeout(2000) });
          return (await res.json()).num_connections;
        } catch {
          return 0;
        }
      },
    };
    this.nats = nats;

    const hapDir = path.join(dir, "haproxy");
    this.url = this.base = `http://127.0.0.1:${front}`;
    this.socketUrl = `ws://127.0.0.1:${front}/socket`;
    const haproxy = {
      port: front,
      statsPort: stats,
      dir: hapDir,
      start: (backends) => svc("haproxy_start", [hapDir, front, stats, ...backends]),
      stop: () => svc("haproxy_stop", [hapDir]),
      stopSync: () => svcSync("haproxy_stop", [hapDir]),
      // [{name, status, check, sessions}] for every node, from the stats CSV.
      servers: async () => {
        const res = await fetch(`http://127.0.0.1:${stats}/stats;csv`, { signal: AbortSignal.timeout(2000) });
        const lines = (await res.text()).split("\n");
        const cols = lines[0].replace(/^# /, "").split(",");
        const at = (name) => cols.indexOf(name);
        return lines
          .slice(1)
          .map((l) => l.split(","))
          .filter((f) => f[0] === "confab_nodes" && f[1] !== "BACKEND" && f[1] !== "FRONTEND")
          .map((f) => ({
            name: f[1],
            status: f[at("status")],
            check: f[at("check_status")],
            sessions: Number(f[at("scur")]),
          }));
      },
      // Waits until the given nodes (default: all) are UP after a passed health check and the others DOWN.
      waitUp: async (names = this.nodes.map((n) => n.name), { timeoutMs = 20000 } = {}) =>
        waitUntil(
          async () => {
            const servers = await haproxy.servers().catch(() => []);
            if (servers.length !== this.nodes.length) return false;
            return servers.every((s) =>
              names.includes(s.name) ? s.status === "UP" && s.check === "L7OK" : s.status.startsWith("DOWN"),
            );
          },
          { what: `HAProxy sees exactly ${names.join(", ")} UP`, timeoutMs, everyMs: 100 },
        ),
    };
    this.haproxy = haproxy;

    await pg.start();
    await nats.start();
    for (let i = 1; i <= nodes; i++) {
      const name = `node${i}`;
      const port = await freePort();
      const ctx = { pgUrl: pg.url, natsUrl: nats.url, name, dir };
      const flags = serveArgs
        ? serveArgs(i, ctx)
        : ["--store", pg.url, "--bus", nats.url, "--node-id", name, "--threads", String(threads)];
      // HAProxy (on 127.0.0.1) names each client in X-Forwarded-For: the per-address limits count the
      // client, not the proxy (docs/operations.md § Quotas and limits).
      const args = ["serve", "--listen", `127.0.0.1:${port}`, "--trusted-proxies", "127.0.0.1", ...flags];
      this.nodes.push(new Node({ name, port, dir, args }));
    }
    // One after the other: the first one may create the schema.
    for (const n of this.nodes) await n.start();
    await haproxy.start(this.nodes.map((n) => n.host));
    await haproxy.waitUp();
  }

  // psql as a subprocess. $1, $2, ... in `sql` become psql variables (quoted as literals by psql).
  query(sql, params = []) {
    const text = sql.replace(/\$(\d+)/g, (_, n) => `:'p${n}'`);
    const vars = params.flatMap((v, i) => ["-v", `p${i + 1}=${v}`]);
    return new Promise((resolve, reject) => {
      const proc = execFile(
        "psql",
        [this.pg.url, "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", ...vars, "-f", "-"],
        { timeout: 30000, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`psql: ${stderr || err.message}\n${sql}`));
          resolve(
            stdout
              .split("\n")
              .filter((l) => l !== "")
              .map((l) => l.split("\x1f")),
          );
        },
      );
      proc.stdin.end(text);
    });
  }

  // The stored log of one meeting: [{seq, id}] in seq order.
  async log(meetingId) {
    const rows = await this.query("SELECT seq, id FROM events WHERE meeting_id = $1 ORDER BY seq", [meetingId]);
    return rows.map(([seq, id]) => ({ seq: Number(seq), id }));
  }

  // Phoenix sockets given here are disconnected by stop(), before the servers go.
  track(socket) {
    this.sockets.add(socket);
    return socket;
  }

  logTails() {
    const parts = [];
    for (const n of this.nodes) parts.push(`--- ${n.name} (${n.logPath}):\n${n.tail.slice(-3000)}`);
    for (const f of ["pg/pg-run/postgres.log", "nats/nats.log", "haproxy/haproxy.log"]) {
      try {
        parts.push(`--- ${f}:\n${readFileSync(path.join(this.dir, f), "utf8").slice(-3000)}`);
      } catch {
        // not started
      }
    }
    return parts.join("\n");
  }

  // Stops everything; safe to call again. Until it has finished, the process exit hook still runs
  // stopSync(), so an interrupted stop leaves nothing behind either.
  async stop() {
    if (this.stopping) return this.stopping;
    this.stopping = this.#stop();
    return this.stopping;
  }

  async #stop() {
    for (const s of this.sockets) s.disconnect();
    this.sockets.clear();
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.haproxy?.stop().catch(() => {});
    await this.nats?.stop().catch(() => {});
    await this.pg?.stop({ mode: "fast" }).catch(() => this.pg.stop({ mode: "immediate" }).catch(() => {}));
    live.delete(this);
    if (KEEP) console.log(`# cluster kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  // For process exit: synchronous, forceful.
  stopSync() {
    if (!live.has(this)) return;
    for (const n of this.nodes) n.killSync();
    this.haproxy?.stopSync();
    this.nats?.stopSync();
    this.pg?.stopSync();
    live.delete(this);
    if (!KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  // Command lines of processes that still belong to this cluster (its directory or a node's port).
  orphans() {
    const patterns = [this.dir, ...this.nodes.map((n) => `--listen ${n.host}`)];
    const found = [];
    for (const p of patterns) {
      try {
        found.push(...execFileSync("pgrep", ["-af", "--", p], { encoding: "utf8" }).trim().split("\n"));
      } catch {
        // pgrep exits 1 when nothing matches
      }
    }
    return found.filter((l) => l && !l.includes("pgrep"));
  }
}

// Every stored event of a meeting as one node (or HAProxy) serves it over HTTP, page by page: [{seq, id}].
export async function httpLog(server, meetingId) {
  const events = [];
  let after = 0;
  for (;;) {
    const res = await fetch(`${server.base}/api/meetings/${meetingId}/events?after=${after}`);
    if (!res.ok) throw new Error(`GET events from ${server.base}: ${res.status}`);
    const page = await res.json();
    if (page.events.length === 0) return events;
    events.push(...page.events.map((e) => ({ seq: e.seq, id: e.id })));
    after = page.events.at(-1).seq;
  }
}
