// Acked means durable: push many events pipelined from many sockets, kill -9 the server right after
// the last ack, restart on the same database, and find every acked event, in order, once. A client
// that stayed connected through the crash resumes with `since` and sees no event twice: the state of
// its first join plus every broadcast ("event" or "events") and resumed event after it cover the log
// exactly once.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect, createMeeting, getEvents, join, onEvents, push, startServer, tempDir, waitUntil } from "./lib.mjs";

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
  // What it holds is a state at some seq plus the events after it: each event must be the next seq.
  let identity = null;
  let lastSeq = 0;
  const anomalies = [];
  const frames = { event: 0, events: 0 };
  let taken = 0;
  const joins = [];
  const sinces = [];
  const take = (seq, via) => {
    if (seq !== lastSeq + 1) anomalies.push(`${seq} via ${via} after ${lastSeq}`);
    lastSeq = Math.max(lastSeq, seq);
    taken++;
  };
  const channel = watcher.channel(`meeting:${m.id}`, () => {
    if (!identity) return { name: "Watcher" };
    sinces.push(lastSeq);
    return { name: "Watcher", ...identity, since: lastSeq };
  });
  onEvents(channel, (e, frame) => {
    if (e.seq === undefined) return;
    take(e.seq, frame);
  });
  // Frames counted for the report only: whether commits get batched depends on timing.
  channel.on("event", () => frames.event++);
  channel.on("events", () => frames.events++);
  channel.join().receive("ok", (r) => {
    joins.push(r);
    identity ??= { pid: r.pid, secret: r.secret };
    if (r.resumed) {
      for (const e of r.events) take(e.seq, "join");
    } else {
      // A state replaces whatever the watcher held: it covers everything up to head_seq.
      if (r.state?.last_seq !== r.head_seq) anomalies.push(`state at ${r.state?.last_seq}, head_seq ${r.head_seq}`);
      if (r.head_seq < lastSeq) anomalies.push(`state at ${r.head_seq} behind what the watcher held (${lastSeq})`);
      lastSeq = r.head_seq;
    }
    if (lastSeq !== r.head_seq) anomalies.push(`join reply ends at ${lastSeq}, head_seq ${r.head_seq}`);
  });
  await waitUntil(() => joins.length === 1, { what: "watcher join" });
  assert.equal(joins[0].resumed, false);
  const firstHead = joins[0].head_seq;

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
  assert.equal(joins[1].head_seq, head);
  // Every event here is state-class: within the resume window (256) the rejoin replays what the
  // watcher missed, further behind it gets the state.
  const since = sinces.at(-1);
  assert.equal(joins[1].resumed, head - since <= 256, `since ${since}, head ${head}`);
  if (joins[1].resumed) {
    assert.deepEqual(
      joins[1].events.map((e) => e.seq),
      Array.from({ length: head - since }, (_, i) => since + 1 + i),
    );
  }
  console.log(
    `# watcher: state at ${firstHead}, ${frames.event} "event" + ${frames.events} "events" frames, ` +
      `rejoined with since ${since} of ${head} (resumed: ${joins[1].resumed})`,
  );
  assert.deepEqual(anomalies, [], "the watcher saw no seq twice and missed none");
  assert.equal(lastSeq, head);
  if (joins[1].resumed) assert.equal(taken, head - firstHead, "every seq after the first state, once");
});
