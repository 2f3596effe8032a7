// The io threads never wait on storage: while one meeting with 100k events is opened cold (its log
// folded on the reader pool) and another long log is being exported, other meetings keep flowing.
// Progress is asserted by order (a live ack before the cold join's reply), never by elapsed time.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  CONFAB_BIN, startServer, tempDir, waitUntil, createMeeting, connect, join, push, reply, onEvents, getEvents,
  getState,
} from "./lib.mjs";

const EVENTS = 100_000;
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
});

// An importable log: meeting_created, one participant, 50 cards, then edits of their titles.
function writeLongMeeting(file) {
  const t0 = 1732770000000;
  const actor = { pid: "p_big", name: "Ana" };
  const lines = [
    { seq: 1, id: "e1", type: "meeting_created", actor: { pid: "system", name: "Confab" }, ts: t0,
      data: { title: "Long one", votes_per_person: 3, timebox_s: 300 } },
    { seq: 2, id: "e2", type: "participant_joined", actor, ts: t0 + 1, data: { name: "Ana" } },
  ];
  for (let seq = 3; seq <= EVENTS; seq++) {
    const card = `c${seq % 50}`;
    const type = seq < 53 ? "card_added" : "card_edited";
    lines.push({ seq, id: `e${seq}`, type, actor, ts: t0 + seq, data: { card_id: card, title: `Title ${seq}` } });
  }
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
}

test("a cold 100k-event meeting and a streaming export do not stall other meetings", async () => {
  const dir = tempDir();
  const dbPath = path.join(dir, "confab.db");
  const ndjson = path.join(dir, "long.ndjson");
  writeLongMeeting(ndjson);
  execFileSync(CONFAB_BIN, ["import", ndjson, "--meeting", "longone", "--store", `sqlite:${dbPath}`]);
  // As a store from before snapshots: opening this meeting folds all of it, the worst cold case.
  execFileSync("sqlite3", [dbPath, "DELETE FROM snapshots"]);
  const server = await startServer({ dir });
  servers.push(server);

  const live = await createMeeting(server, "Live");
  const a = await connect(server);
  const b = await connect(server);
  const cold = await connect(server, { timeout: 120000 });
  try {
    await exercise(server, live, a, b, cold);
  } finally {
    for (const s of [a, b, cold]) s.disconnect();
  }
});

async function exercise(server, live, a, b, cold) {
  const ja = await join(a, live.id, { name: "A" });
  const jb = await join(b, live.id, { name: "B" });
  assert.equal(ja.status, "ok");
  assert.equal(jb.status, "ok");
  const seen = [];
  const liveTs = new Map();
  onEvents(jb.channel, (e) => {
    seen.push(e.seq);
    liveTs.set(e.seq, e.ts);
  });

  // A long export, started and then left unread: the server must not hold an io thread for it.
  const res = await fetch(`${server.base}/api/meetings/longone/events?format=ndjson`);
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const first = await reader.read();
  assert.ok(!first.done && first.value.length > 0);

  // The cold open: its join frame leaves before any of the live pushes below.
  const acks = [];
  const coldJoin = reply(cold.channel("meeting:longone", { name: "Late" }).join());

  // Live traffic while both are in flight. The server stamps every event with its clock when it
  // sequences it; that order is what is checked below (client-side arrival order would not do: the
  // cold reply waits for the whole log to be folded whatever the server did).
  for (let i = 0; i < 20; i++) {
    const r = await push(ja.channel, "card_added", { card_id: `k${i}`, title: `Live ${i}` });
    assert.equal(r.status, "ok", JSON.stringify(r));
    acks.push(r.response.seq);
  }
  for (let i = 1; i < acks.length; i++) assert.equal(acks[i], acks[i - 1] + 1);

  const cj = await coldJoin;
  assert.equal(cj.status, "ok");
  // The late joiner's own participant_joined is the event after the imported ones.
  assert.equal(cj.response.head_seq, EVENTS + 1);
  // The reply is the state the 100k events fold to (50 cards), not the log.
  assert.equal(cj.response.resumed, false);
  assert.equal(cj.response.state.last_seq, EVENTS + 1);
  assert.equal(cj.response.state.cards.length, 50);
  assert.deepEqual(cj.response.state, (await getState(server, "longone", EVENTS + 1)).state);
  // The late joiner's participant_joined was sequenced once its meeting had loaded. A server that
  // loaded it on its io thread sequences no live push (but one that raced the join frame) before it.
  const lateJoined = (await getEvents(server, "longone", EVENTS)).events[0];
  assert.deepEqual([lateJoined.type, lateJoined.actor.pid], ["participant_joined", cj.response.pid]);
  assert.equal(cj.response.state.last_ts, lateJoined.ts);
  const lateTs = lateJoined.ts;
  await waitUntil(() => acks.every((s) => liveTs.has(s)), { what: "B to see the live events" });
  const sequencedFirst = acks.filter((s) => liveTs.get(s) < lateTs).length;
  assert.ok(sequencedFirst >= 3, `only ${sequencedFirst} of 20 live pushes were sequenced while the cold meeting loaded`);
  // B saw every live event, in order, exactly once.
  assert.deepEqual(seen.filter((s) => acks.includes(s)), acks);

  // The export resumes and ends with every line.
  let text = new TextDecoder().decode(first.value);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  // Every stored event in order; the export reads page by page, so the late joiner's event, committed
  // while it was paused, may be at its end.
  const seqs = text.trimEnd().split("\n").map((l) => JSON.parse(l).seq);
  assert.ok(seqs.length === EVENTS || seqs.length === EVENTS + 1, `${seqs.length} lines`);
  seqs.forEach((seq, i) => assert.equal(seq, i + 1));
}
