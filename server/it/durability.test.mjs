// Acked means durable: push many events pipelined from many sockets, kill -9 the server right after
// the last ack, restart on the same database, and find every acked event, in order, once. A client
// that stayed connected through the crash resumes with `since` and sees no event twice.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect, createMeeting, getEvents, join, push, startServer, tempDir, waitUntil } from "./lib.mjs";

const SOCKETS = 25;
const PER_SOCKET = 20; // within the per-socket burst, so nothing is rate limited
const TOTAL = SOCKETS * PER_SOCKET;

const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

async function allEvents(server, meetingId) {
  const events = [];
  let afterSeq = 0;
  for (;;) {
    const page = await getEvents(server, meetingId, afterSeq);
    if (page.events.length === 0) return { events, head: page.head_seq };
    events.push(...page.events);
    afterSeq = page.events.at(-1).seq;
  }
}

test(`${TOTAL} pipelined pushes survive kill -9; a connected client resumes without duplicates`, async () => {
  const dir = tempDir();
  let server = await startServer({ dir });
  const port = server.port;
  cleanup.push(() => server.stop());
  const m = await createMeeting(server, "Durability");

  // The watcher: rejoins by itself after the crash, with its identity and the last seq it saw.
  const watcher = await connect(server);
  cleanup.push(() => watcher.disconnect());
  let identity = null;
  let lastSeq = 0;
  const seen = [];
  const joins = [];
  const channel = watcher.channel(`meeting:${m.id}`, () =>
    identity ? { name: "Watcher", ...identity, since: lastSeq } : { name: "Watcher" },
  );
  channel.on("event", (e) => {
    if (e.seq === undefined) return;
    seen.push(e.seq);
    lastSeq = e.seq;
  });
  channel.join().receive("ok", (r) => {
    joins.push(r);
    identity ??= { pid: r.pid, secret: r.secret };
    for (const e of r.events) seen.push(e.seq);
    lastSeq = r.head_seq;
  });
  await waitUntil(() => joins.length === 1, { what: "watcher join" });

  const sockets = [];
  const channels = [];
  for (let i = 0; i < SOCKETS; i++) {
    const s = await connect(server, { reconnectAfterMs: () => 60000 });
    sockets.push(s);
    cleanup.push(() => s.disconnect());
    const j = await join(s, m.id, { name: `P${i}` });
    assert.equal(j.status, "ok");
    channels.push(j.channel);
  }

  // Fire everything without waiting: many appends in flight on every socket at once.
  const acks = [];
  const started = performance.now();
  for (let k = 0; k < PER_SOCKET; k++) {
    for (let i = 0; i < SOCKETS; i++) {
      const id = `d-${i}-${k}`;
      acks.push(push(channels[i], "card_added", { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` }, id).then((r) => ({ id, ...r })));
    }
  }
  const results = await Promise.all(acks);
  const elapsed = performance.now() - started;
  await server.kill9();
  console.log(`# ${TOTAL} acked appends from ${SOCKETS} sockets in ${elapsed.toFixed(0)} ms`);

  for (const r of results) assert.equal(r.status, "ok", `${r.id}: ${JSON.stringify(r.response)}`);
  const seqById = new Map(results.map((r) => [r.id, r.response.seq]));
  assert.equal(new Set(seqById.values()).size, TOTAL, "every ack has its own seq");
  for (const s of sockets) s.disconnect();

  server = await startServer({ dir, port });
  const { events, head } = await allEvents(server, m.id);
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: head }, (_, i) => i + 1),
    "contiguous seqs 1..head",
  );
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, "no duplicate ids");
  const stored = new Map(events.map((e) => [e.id, e.seq]));
  for (const [id, seq] of seqById) assert.equal(stored.get(id), seq, `acked ${id} at seq ${seq} is stored there`);

  // The watcher reconnects to the restarted server by itself and resumes.
  await waitUntil(() => joins.length === 2, { what: "watcher rejoin", timeoutMs: 15000 });
  assert.equal(joins[1].pid, identity.pid);
  assert.equal(joins[1].resumed, true);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: head }, (_, i) => i + 1),
    "the watcher saw every seq exactly once",
  );
});
