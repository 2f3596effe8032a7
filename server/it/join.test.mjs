// What a join costs and what it carries (docs/protocol.md § Join), through the official phoenix client:
// a first join gets the meeting's state at head_seq, whose size depends on the board, not on how many
// events built it; a rejoin with `since` at most 256 state-class events behind (rooms::kResumeWindow)
// gets exactly the events it missed, further behind (or ahead of the log) the state; and committed
// events reach a watcher once and in order, whether one by one ("event") or batched ("events").
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Serializer } from "phoenix";
import {
  CONFAB_BIN,
  connect,
  createMeeting,
  getEvents,
  getState,
  join,
  onEvents,
  push,
  startServer,
  tempDir,
  waitUntil,
} from "./lib.mjs";

const RESUME_WINDOW = 256; // rooms::kResumeWindow

const servers = [];
const sockets = [];
after(async () => {
  for (const s of sockets) s.disconnect();
  for (const s of servers) await s.stop();
});

async function open(server, opts) {
  const s = await connect(server, opts);
  sockets.push(s);
  return s;
}

// A socket that also keeps the raw text of every frame it receives, to weigh the join reply.
async function openWeighing(server) {
  const raw = [];
  const s = await open(server, {
    decode: (text, cb) => {
      raw.push(text);
      return Serializer.decode(text, cb);
    },
  });
  s.raw = raw;
  return s;
}

// The byte size of the reply to `channel`'s join, as it came over the wire.
function replyBytes(socket, channel) {
  const ref = channel.joinRef();
  const text = socket.raw.find((t) => {
    const f = JSON.parse(t);
    return f[3] === "phx_reply" && f[1] === ref;
  });
  assert.ok(text, `no reply frame for join ref ${ref}`);
  return Buffer.byteLength(text);
}

// Every stored event of a meeting, page by page.
async function wholeLog(server, meetingId) {
  const events = [];
  for (;;) {
    const page = await getEvents(server, meetingId, events.at(-1)?.seq ?? 0);
    if (page.events.length === 0) return events;
    events.push(...page.events);
  }
}

const isStateClass = (e) => e.type !== "reaction"; // the one moment type; typing is never stored

// --- a: the state, bounded ----------------------------------------------------------------------------

// An importable log: a meeting, one participant (Ana), CARDS cards, then `edits` card_edited of card c0
// (the last one to "Final"), with the other cards re-edited to their own titles and reactions in
// between. With edits = 1 that is the smallest log reaching the same board.
const CARDS = 40;
function meetingLog(edits) {
  const t0 = 1732770000000;
  const ana = { pid: "p_00000000000000a1", name: "Ana" };
  const lines = [
    { type: "meeting_created", actor: { pid: "system", name: "Confab" }, data: { title: "Big", votes_per_person: 3, timebox_s: 300 } },
    { type: "participant_joined", actor: ana, data: { name: "Ana" } },
  ];
  for (let i = 0; i < CARDS; i++) lines.push({ type: "card_added", actor: ana, data: { card_id: `c${i}`, title: `Card ${i}` } });
  for (let k = 1; k < edits; k++) {
    lines.push({ type: "card_edited", actor: ana, data: { card_id: "c0", title: `Draft ${k}` } });
    if (k % 4 === 0) {
      const i = 1 + (k % (CARDS - 1));
      lines.push({ type: "card_edited", actor: ana, data: { card_id: `c${i}`, title: `Card ${i}` } });
    }
    if (k % 3 === 0) lines.push({ type: "reaction", actor: ana, data: { emoji: "👍", card_id: `c${k % CARDS}` } });
  }
  lines.push({ type: "card_edited", actor: ana, data: { card_id: "c0", title: "Final" } });
  return lines.map((l, i) => ({ seq: i + 1, id: `e${i + 1}`, type: l.type, actor: l.actor, ts: t0 + i, data: l.data }));
}

function importLog(dbPath, dir, meetingId, events) {
  const file = path.join(dir, `${meetingId}.ndjson`);
  fs.writeFileSync(file, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const out = JSON.parse(execFileSync(CONFAB_BIN, ["import", file, "--meeting", meetingId, "--store", `sqlite:${dbPath}`]));
  assert.equal(out.events, events.length);
}

describe("a join costs the state, not the history", () => {
  test("a member joining a meeting of thousands of events gets its state, as big as a short log's", async () => {
    const dir = tempDir();
    const dbPath = path.join(dir, "confab.db");
    const many = meetingLog(2000);
    const once = meetingLog(1);
    assert.ok(many.length > 3000, `${many.length} events`);
    // Ids of the same length, so that only the board and the numbers can make the replies differ.
    importLog(dbPath, dir, "edited-many", many);
    importLog(dbPath, dir, "edited-once", once);
    const server = await startServer({ dir });
    servers.push(server);

    const joined = {};
    for (const id of ["edited-many", "edited-once"]) {
      const s = await openWeighing(server); // a fresh socket each: the same refs on the wire
      const j = await join(s, id, { name: "Late" });
      assert.equal(j.status, "ok", JSON.stringify(j.response));
      joined[id] = { ...j.response, bytes: replyBytes(s, j.channel) };
    }

    const ndjson = await (await fetch(`${server.base}/api/meetings/edited-many/events?format=ndjson`)).text();
    const logBytes = Buffer.byteLength(ndjson);
    const { bytes: manyBytes, ...r } = joined["edited-many"];
    const onceBytes = joined["edited-once"].bytes;
    console.log(`# ${many.length + 1} events (${logBytes} B NDJSON): join reply ${manyBytes} B; ${once.length + 1} events: ${onceBytes} B`);

    // The shape: state at head_seq (the joiner's own participant_joined is the head), no events.
    assert.equal(r.resumed, false);
    assert.equal(r.events, undefined);
    assert.equal(r.head_seq, many.length + 1);
    assert.equal(r.state.last_seq, r.head_seq);
    // The right state: what the server answers over HTTP at that seq, and what the log folds to here.
    assert.deepEqual(r.state, (await getState(server, "edited-many", r.head_seq)).state);
    assert.equal(r.state.title, "Big");
    assert.deepEqual(
      r.state.cards.map((c) => [c.card_id, c.title, c.author]),
      Array.from({ length: CARDS }, (_, i) => [`c${i}`, i === 0 ? "Final" : `Card ${i}`, "p_00000000000000a1"]),
    );
    assert.deepEqual(r.state.participants, { p_00000000000000a1: { name: "Ana" }, [r.pid]: { name: "Late" } });
    const lateJoined = (await getEvents(server, "edited-many", many.length)).events[0];
    assert.deepEqual([lateJoined.type, lateJoined.actor.pid], ["participant_joined", r.pid]);
    assert.equal(r.state.last_ts, lateJoined.ts);

    // Bounded: a small fraction of the log.
    assert.ok(manyBytes < logBytes / 10, `join reply ${manyBytes} B, log ${logBytes} B`);
    // Independent of the number of events: the same board reached in 44 events costs as much, but for
    // the digits of head_seq and last_seq (the timestamps have as many digits in both).
    const o = joined["edited-once"];
    const norm = (st, pid) => {
      const { last_seq, last_ts, participants, ...rest } = st;
      const { [pid]: late, ...others } = participants;
      return { ...rest, late, others };
    };
    assert.deepEqual(norm(r.state, r.pid), norm(o.state, o.pid), "the same board");
    const digits = 2 * (String(r.head_seq).length - String(o.head_seq).length);
    assert.equal(String(r.state.last_ts).length, String(o.state.last_ts).length);
    assert.ok(manyBytes <= onceBytes + digits, `${manyBytes} B after ${r.head_seq} events, ${onceBytes} B after ${o.head_seq}`);
  });
});

// --- b: resume window ----------------------------------------------------------------------------------

describe("rejoin with since", () => {
  let server;
  before(async () => {
    server = await startServer();
    servers.push(server);
  });

  test("at most 256 state-class events behind: resumed with exactly those; further behind: the state", async () => {
    const m = await createMeeting(server, "Window");
    // Ada on ten sockets (one identity: she may edit her own card from any of them).
    const first = await join(await open(server), m.id, { name: "Ada" });
    assert.equal(first.status, "ok");
    const ada = { name: "Ada", pid: first.response.pid, secret: first.response.secret };
    const channels = [first.channel];
    for (let i = 1; i < 10; i++) {
      const j = await join(await open(server), m.id, ada);
      assert.equal(j.status, "ok");
      channels.push(j.channel);
    }
    assert.equal((await push(first.channel, "card_added", { card_id: "k", title: "Edit me" })).status, "ok");

    // 300 edits and 30 reactions, pipelined from the ten sockets (33 pushes each: within the burst).
    const acks = [];
    for (let n = 0; n < 33; n++) {
      channels.forEach((ch, i) => {
        const r = n % 11 === 10
          ? push(ch, "reaction", { emoji: "🎉", card_id: "k" })
          : push(ch, "card_edited", { card_id: "k", title: `t${i}-${n}` });
        acks.push(r);
      });
    }
    for (const r of await Promise.all(acks)) assert.equal(r.status, "ok", JSON.stringify(r.response));

    const log = await wholeLog(server, m.id);
    const head = log.at(-1).seq;
    const stateEvents = log.filter(isStateClass);
    // The oldest seq a client may hold and still be resumed: 256 state-class events after it.
    const edge = stateEvents.at(-RESUME_WINDOW - 1).seq;
    assert.ok(head - edge > RESUME_WINDOW, "reactions inside the window (only state-class events count)");

    const rejoin = async (since) => {
      const j = await join(await open(server), m.id, { ...ada, since });
      assert.equal(j.status, "ok", JSON.stringify(j.response));
      assert.equal(j.response.pid, ada.pid);
      assert.equal(j.response.head_seq, head, "a rejoin appends nothing");
      j.channel.leave();
      return j.response;
    };
    const missed = (since) => log.filter((e) => e.seq > since && isStateClass(e));
    const expectResumed = (r, since) => {
      assert.equal(r.resumed, true, `since ${since}`);
      assert.equal(r.state, undefined);
      assert.deepEqual(r.events, missed(since), `the state-class events after ${since}, as stored`);
    };
    const headState = (await getState(server, m.id, head)).state;
    const expectState = (r, since) => {
      assert.equal(r.resumed, false, `since ${since}`);
      assert.equal(r.events, undefined);
      assert.deepEqual(r.state, headState);
    };

    // A few events behind, none, and the edge of the window: resumed.
    expectResumed(await rejoin(head - 3), head - 3);
    expectResumed(await rejoin(head), head);
    const atEdge = await rejoin(edge);
    expectResumed(atEdge, edge);
    assert.equal(atEdge.events.length, RESUME_WINDOW);
    // One more state-class event missed, far behind, from scratch, or ahead of the log: the state.
    for (const since of [edge - 1, 2, 0, head + 5]) expectState(await rejoin(since), since);
    assert.equal(headState.last_seq, head);
    assert.equal(headState.cards.find((c) => c.card_id === "k").title, stateEvents.at(-1).data.title);
  });

  test("a room opened from a snapshot: resumed within the window, the state further behind", async () => {
    // An imported meeting opens from the snapshot the import wrote at seq 1000 (kSnapshotEvery) and
    // folds the 100 events after it.
    const dir = tempDir();
    const dbPath = path.join(dir, "confab.db");
    const events = meetingLog(1).slice(0, -1);
    while (events.length < 1100) {
      const seq = events.length + 1;
      events.push({ ...events[1], seq, id: `e${seq}`, ts: events[0].ts + seq, type: "card_edited", data: { card_id: "c1", title: `t${seq}` } });
    }
    importLog(dbPath, dir, "snapshotted", events);
    const srv = await startServer({ dir });
    servers.push(srv);
    const first = await join(await open(srv), "snapshotted", { name: "Bo" });
    assert.equal(first.status, "ok");
    const bo = { name: "Bo", pid: first.response.pid, secret: first.response.secret };
    const head = first.response.head_seq;
    assert.equal(head, events.length + 1);
    const rejoin = async (since) => {
      const j = await join(await open(srv), "snapshotted", { ...bo, since });
      assert.equal(j.status, "ok", JSON.stringify(j.response));
      assert.equal(j.response.head_seq, head);
      return j.response;
    };
    const stored = await wholeLog(srv, "snapshotted");
    const headState = (await getState(srv, "snapshotted", head)).state;
    // Behind the head, after the snapshot: resumed with exactly what was missed, Bo's own
    // participant_joined included.
    for (const since of [head - 1, 1000, 1050]) {
      const r = await rejoin(since);
      assert.equal(r.resumed, true, `since ${since}, head ${head}`);
      assert.equal(r.state, undefined);
      assert.deepEqual(r.events, stored.filter((e) => e.seq > since));
    }
    // 150 behind, from before the snapshot: within the window, but those events are not in the room's
    // memory. The server answers the state (docs/protocol.md: "only when"); either answer is correct,
    // anything else is not.
    {
      const since = head - 150;
      const r = await rejoin(since);
      if (r.resumed) assert.deepEqual(r.events, stored.filter((e) => e.seq > since));
      else assert.deepEqual(r.state, headState);
      console.log(`# since ${since} (snapshot at 1000, head ${head}): resumed ${r.resumed}`);
    }
    // Further behind than the window: the state.
    for (const since of [head - RESUME_WINDOW - 1, 1]) {
      const r = await rejoin(since);
      assert.equal(r.resumed, false, `since ${since}`);
      assert.equal(r.events, undefined);
      assert.deepEqual(r.state, headState);
    }
  });
});

// --- c: batched broadcasts -----------------------------------------------------------------------------

describe("broadcasts, one by one or batched", () => {
  let server;
  before(async () => {
    server = await startServer();
    servers.push(server);
  });

  test("pushes pipelined from several sockets reach a watcher once each, in seq order", async () => {
    const m = await createMeeting(server, "Batches");
    const watcher = await join(await open(server), m.id, { name: "Watcher" });
    assert.equal(watcher.status, "ok");
    const firstHead = watcher.response.head_seq;
    const got = [];
    const frames = { event: 0, events: 0 };
    const batchSizes = [];
    onEvents(watcher.channel, (e, frame) => got.push({ e, frame }));
    watcher.channel.on("event", () => frames.event++);
    watcher.channel.on("events", (p) => {
      frames.events++;
      batchSizes.push(p.events.length);
    });

    const SOCKETS = 8;
    const PER_SOCKET = 30;
    const pushers = [];
    for (let i = 0; i < SOCKETS; i++) {
      const j = await join(await open(server), m.id, { name: `P${i}` });
      assert.equal(j.status, "ok");
      pushers.push(j.channel);
    }
    // All sent in one tick: many appends in flight at once, committed in store batches.
    const acks = [];
    for (let k = 0; k < PER_SOCKET; k++) {
      pushers.forEach((ch, i) => acks.push(push(ch, "card_added", { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` })));
    }
    const results = await Promise.all(acks);
    for (const r of results) assert.equal(r.status, "ok", JSON.stringify(r.response));

    const log = await wholeLog(server, m.id);
    const head = log.at(-1).seq;
    assert.equal(head, firstHead + SOCKETS + SOCKETS * PER_SOCKET);
    await waitUntil(() => got.at(-1)?.e.seq === head, { what: `watcher at seq ${head}` });
    // Exactly the log after the watcher's state, event for event, in order.
    assert.deepEqual(
      got.map((g) => g.e),
      log.filter((e) => e.seq > firstHead),
    );
    assert.equal(got.filter((g) => g.frame === "events").length, batchSizes.reduce((a, b) => a + b, 0));
    assert.equal(frames.event + batchSizes.reduce((a, b) => a + b, 0), head - firstHead);
    assert.ok(batchSizes.every((n) => n >= 2), `batches of ${batchSizes}`);
    // 240 appends in flight are committed in store batches: some arrive as one "events" frame (every
    // one of 40 runs, on one io thread and on two, had at least one, up to 11).
    assert.ok(frames.events >= 1, `no "events" frame among ${frames.event} frames`);
    console.log(`# ${head - firstHead} events: ${frames.event} "event" frames, ${frames.events} "events" frames (sizes ${batchSizes.join(",")})`);
  });
});
