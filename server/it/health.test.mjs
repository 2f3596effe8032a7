// Readiness follows the writer on a real full disk: the database lives on a small tmpfs, the test
// fills it, pushes get an error reply, /readyz answers 503 with the reason while /livez stays 200;
// once space is freed a push commits and /readyz is 200 again. No acknowledged event is lost.
// Needs root (mount); otherwise the test is skipped with the reason.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { connect, createMeeting, getEvents, join, push, startServer, waitUntil } from "./lib.mjs";

const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

// A 4 MiB tmpfs of our own, or why there is none.
function mountSmallDisk() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    return { skip: "needs root to mount a small tmpfs (no passwordless sudo is assumed)" };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "confab-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    rmdirSync(dir);
    return { skip: `mount -t tmpfs failed: ${String(e.stderr || e.message).trim()}` };
  }
  return { dir };
}

// Writes zeros to `file` until the file system refuses (ENOSPC).
function fill(file) {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if (e.code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

async function probe(server, route) {
  const res = await fetch(`${server.base}${route}`);
  return { status: res.status, body: await res.json() };
}

async function allEvents(server, meetingId) {
  const events = [];
  for (let afterSeq = 0; ; ) {
    const page = await getEvents(server, meetingId, afterSeq);
    if (page.events.length === 0) return events;
    events.push(...page.events);
    afterSeq = page.events.at(-1).seq;
  }
}

const disk = mountSmallDisk();

test("a full disk makes /readyz 503 (not /livez) until a write commits again", { skip: disk.skip }, async () => {
  cleanup.push(() => {
    execFileSync("umount", [disk.dir]);
    rmdirSync(disk.dir);
  });
  const server = await startServer({ dir: disk.dir });
  cleanup.push(() => server.stop({ keep: true }));
  const m = await createMeeting(server, "Full disk");
  const socket = await connect(server);
  cleanup.push(() => socket.disconnect());
  const { channel, status } = await join(socket, m.id, { name: "Ada" });
  assert.equal(status, "ok");

  const acked = [];
  let n = 0;
  const pushCard = async () => {
    const id = `full-${++n}`;
    const r = await push(channel, "card_added", { card_id: `k${n}`, title: "x".repeat(120) }, id);
    if (r.status === "ok") acked.push({ id, seq: r.response.seq });
    return r;
  };
  for (let i = 0; i < 10; i++) assert.equal((await pushCard()).status, "ok");
  assert.equal((await probe(server, "/readyz")).status, 200);

  const filler = path.join(disk.dir, "filler");
  fill(filler);
  // Whatever still fits commits; the first push that needs more space gets an error reply.
  const refused = await waitUntil(
    async () => {
      const r = await pushCard();
      return r.status === "error" ? r : null;
    },
    { what: "a push refused on the full disk", everyMs: 60 },
  );
  assert.equal(refused.response.reason, "unavailable");

  const ready = await probe(server, "/readyz");
  assert.equal(ready.status, 503, JSON.stringify(ready.body));
  assert.equal(ready.body.status, "error");
  assert.match(ready.body.writer, /full/, JSON.stringify(ready.body));
  assert.match(ready.body.last_error, /full/);
  assert.equal(typeof ready.body.since, "number");
  assert.equal((await probe(server, "/healthz")).status, 503);
  const live = await probe(server, "/livez");
  assert.equal(live.status, 200);
  assert.deepEqual(live.body, { status: "ok" });
  // Still full: another refused push keeps it 503.
  assert.equal((await pushCard()).status, "error");
  assert.equal((await probe(server, "/readyz")).status, 503);

  rmSync(filler);
  await waitUntil(async () => (await pushCard()).status === "ok", { what: "a push after space was freed", everyMs: 100 });
  const back = await probe(server, "/readyz");
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.writer, "ok");
  assert.match(back.body.last_error, /full/, "the last failure stays visible");

  // Every acknowledged event is in the log, at the seq its ack named, and the log has no gap.
  const events = await allEvents(server, m.id);
  const bySeq = new Map(events.map((e) => [e.seq, e.id]));
  for (const a of acked) assert.equal(bySeq.get(a.seq), a.id, `acked ${a.id} at seq ${a.seq}`);
  events.forEach((e, i) => assert.equal(e.seq, i + 1));
});
