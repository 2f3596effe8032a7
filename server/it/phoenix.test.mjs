// The official phoenix client against the real server: join, push, broadcast, refs, heartbeat,
// presence, errors, resume and identity (CONTRACT §1, PHOENIX-PROTOCOL.md §10).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Presence } from "phoenix";
import { connect, createMeeting, getState, join, onEvents, push, reply, startServer, waitUntil } from "./lib.mjs";

let server;
const sockets = [];
async function open(opts) {
  const s = await connect(server, opts);
  sockets.push(s);
  return s;
}

before(async () => {
  server = await startServer();
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await server?.stop();
});

const card = (n) => ({ card_id: `k${n}`, title: `Card ${n}` });

describe("join", () => {
  test("a new participant gets pid, secret, role and the state; refs are echoed as strings", async () => {
    const m = await createMeeting(server, "Join");
    const s = await open();
    const { channel, status, response } = await join(s, m.id, { name: "Ada" });
    assert.equal(status, "ok");
    assert.match(response.pid, /^p_[0-9a-f]{16}$/);
    assert.match(response.secret, /^[0-9a-f]{32}$/);
    assert.equal(response.role, "participant");
    assert.equal(response.resumed, false);
    assert.equal(response.head_seq, 2);
    // The state at head_seq (its own participant_joined folded in), not the log.
    assert.equal(response.events, undefined);
    assert.deepEqual(response.state, (await getState(server, m.id, response.head_seq)).state);
    assert.equal(response.state.last_seq, 2);
    assert.equal(response.state.title, "Join");
    assert.deepEqual(response.state.participants, { [response.pid]: { name: "Ada" } });
    const joinRef = channel.joinRef();
    const frame = s.received.find((f) => f[3] === "phx_reply" && f[1] === joinRef);
    assert.deepEqual(frame.slice(0, 3), [joinRef, joinRef, `meeting:${m.id}`]);
    assert.equal(typeof frame[0], "string");
  });

  test("presence_state arrives after the join reply", async () => {
    const m = await createMeeting(server);
    const s = await open();
    const order = [];
    const channel = s.channel(`meeting:${m.id}`, { name: "Ada" });
    channel.on("presence_state", () => order.push("presence_state"));
    const r = await reply(channel.join().receive("ok", () => order.push("ok")));
    assert.equal(r.status, "ok");
    await waitUntil(() => order.length === 2, { what: "presence_state" });
    assert.deepEqual(order, ["ok", "presence_state"]);
  });

  test("an unroutable topic is an error, not a close", async () => {
    const s = await open();
    const channel = s.channel("room:lobby", {});
    const r = await reply(channel.join());
    channel.leave();
    assert.deepEqual(r, { status: "error", response: { reason: "unmatched topic" } });
  });

  test("unknown meeting and bad payloads", async () => {
    const s = await open();
    assert.equal((await join(s, "nope", { name: "Ada" })).response.reason, "not_found");
    const m = await createMeeting(server);
    assert.equal((await join(s, m.id, {})).response.reason, "invalid_payload");
    assert.equal((await join(s, m.id, { name: "x".repeat(41) })).response.reason, "invalid_payload");
  });

  test("identity is kept across rejoin; a bad secret is bad_credentials", async () => {
    const m = await createMeeting(server);
    const s1 = await open();
    const first = await join(s1, m.id, { name: "Ada" });
    const s2 = await open();
    const again = await join(s2, m.id, { name: "Ada", pid: first.response.pid, secret: first.response.secret });
    assert.equal(again.status, "ok");
    assert.equal(again.response.pid, first.response.pid);
    assert.equal(again.response.secret, undefined);
    // No second participant_joined for the same person: nothing was appended, one participant.
    assert.equal(again.response.resumed, false);
    assert.equal(again.response.head_seq, first.response.head_seq);
    assert.deepEqual(again.response.state, first.response.state);
    assert.deepEqual(Object.keys(again.response.state.participants), [first.response.pid]);
    const bad = await join(s2, m.id, { name: "Ada", pid: first.response.pid, secret: "0".repeat(32) });
    assert.deepEqual(bad, { channel: bad.channel, status: "error", response: { reason: "bad_credentials" } });
  });

  test("the facilitator token gives the facilitator role", async () => {
    const m = await createMeeting(server);
    const s = await open();
    const f = await join(s, m.id, { name: "Fay", token: m.facilitator_token });
    assert.equal(f.response.role, "facilitator");
    assert.equal((await push(f.channel, "phase_changed", { phase: "vote" })).status, "ok");
    const p = await join(await open(), m.id, { name: "Pat" });
    assert.equal(p.response.role, "participant");
    assert.deepEqual((await push(p.channel, "phase_changed", { phase: "discuss" })).response, {
      reason: "not_facilitator",
    });
    assert.equal((await join(await open(), m.id, { name: "Eve", token: "forged" })).response.reason, "bad_credentials");
  });
});

describe("push and broadcast", () => {
  test("push is acked with seq, broadcast reaches every socket (sender included), refs match", async () => {
    const m = await createMeeting(server);
    const a = await open();
    const b = await open();
    const ja = await join(a, m.id, { name: "Ada" });
    const jb = await join(b, m.id, { name: "Grace" });
    const seenA = [];
    const seenB = [];
    onEvents(ja.channel, (e) => seenA.push(e));
    onEvents(jb.channel, (e) => seenB.push(e));

    const r = await push(ja.channel, "card_added", card(1), "id-1");
    assert.deepEqual(r, { status: "ok", response: { seq: 4 } });
    const mine = (seen) => seen.find((e) => e.id === "id-1");
    await waitUntil(() => mine(seenA) && mine(seenB), { what: "broadcasts" });
    for (const e of [mine(seenA), mine(seenB)]) {
      assert.equal(e.seq, 4);
      assert.equal(e.id, "id-1");
      assert.equal(e.type, "card_added");
      assert.deepEqual(e.actor, { pid: ja.response.pid, name: "Ada" });
      assert.deepEqual(e.data, card(1));
      assert.equal(typeof e.ts, "number");
    }
    // Wire check: the reply echoes the push's join_ref and ref; the broadcast has both null.
    const sent = a.sent.find((msg) => msg.event === "event" && msg.payload.id === "id-1");
    const replyFrame = a.received.find((f) => f[3] === "phx_reply" && f[1] === sent.ref);
    assert.deepEqual(replyFrame.slice(0, 3), [sent.join_ref, sent.ref, `meeting:${m.id}`]);
    // A lone commit goes out as a plain "event" frame.
    const bcast = b.received.find((f) => f[3] === "event" && f[4].id === "id-1");
    assert.deepEqual(bcast.slice(0, 2), [null, null]);
  });

  test("a retried id gets the original seq and applies nothing", async () => {
    const m = await createMeeting(server);
    const { channel } = await join(await open(), m.id, { name: "Ada" });
    const one = await push(channel, "card_added", card(1), "same");
    const two = await push(channel, "card_added", card(1), "same");
    assert.equal(one.response.seq, 3);
    assert.deepEqual(two.response, { seq: 3 });
  });

  test("bad events get error replies with CONTRACT reasons", async () => {
    const m = await createMeeting(server);
    const { channel } = await join(await open(), m.id, { name: "Ada" });
    const reasons = [];
    reasons.push((await push(channel, "card_added", { card_id: "k1", title: "x".repeat(141) })).response.reason);
    reasons.push((await push(channel, "nonsense", {})).response.reason);
    reasons.push((await push(channel, "meeting_created", { title: "x" })).response.reason);
    reasons.push((await reply(channel.push("event", { id: "x", type: "card_added", data: 7 }))).response.reason);
    reasons.push((await reply(channel.push("event", { type: "card_added", data: {} }))).response.reason);
    reasons.push((await reply(channel.push("shout", {}))).response.reason);
    assert.deepEqual(reasons, [
      "title_too_long",
      "unknown_type",
      "unknown_type",
      "invalid_payload",
      "invalid_payload",
      "unknown_type",
    ]);
  });

  test("typing is broadcast without seq; reactions are durable but not replayed", async () => {
    const m = await createMeeting(server);
    const a = await open();
    const ja = await join(a, m.id, { name: "Ada" });
    const seen = [];
    onEvents(ja.channel, (e, frame) => seen.push({ ...e, frame }));
    assert.deepEqual((await push(ja.channel, "typing", {})).response, {});
    assert.equal((await push(ja.channel, "reaction", { emoji: "🎉" })).response.seq, 3);
    await waitUntil(() => seen.length === 2, { what: "two broadcasts" });
    assert.deepEqual([seen[0].type, seen[0].frame], ["typing", "event"]);
    assert.equal(seen[0].seq, undefined);
    assert.deepEqual([seen[1].type, seen[1].seq], ["reaction", 3]);
    // A late joiner gets the state: the reaction moved the head, nothing on the board.
    const late = await join(await open(), m.id, { name: "Late" });
    assert.equal(late.response.head_seq, 4);
    assert.equal(late.response.resumed, false);
    assert.deepEqual(late.response.state, (await getState(server, m.id, 4)).state);
    assert.equal(late.response.state.last_seq, 4);
    assert.deepEqual(late.response.state.cards, []);
    assert.deepEqual(Object.keys(late.response.state.participants).sort(), [ja.response.pid, late.response.pid].sort());
    // Ada resuming from seq 2 gets the state-class events she missed (Late's join), not the reaction.
    const back = await join(await open(), m.id, {
      name: "Ada",
      pid: ja.response.pid,
      secret: ja.response.secret,
      since: 2,
    });
    assert.equal(back.response.resumed, true);
    assert.equal(back.response.state, undefined);
    assert.deepEqual(
      back.response.events.map((e) => [e.seq, e.type, e.actor.pid]),
      [[4, "participant_joined", late.response.pid]],
    );
  });
});

describe("socket", () => {
  test("heartbeat: ping answers, and a fast heartbeat keeps the socket open", async () => {
    const s = await open({ heartbeatIntervalMs: 50 });
    const rtt = await new Promise((resolve) => s.ping(resolve));
    assert.equal(typeof rtt, "number");
    let closed = false;
    s.onClose(() => (closed = true));
    const beats = () => s.received.filter((f) => f[2] === "phoenix" && f[4].status === "ok").length;
    await waitUntil(() => beats() >= 5, { what: "5 heartbeat replies" });
    assert.equal(closed, false);
    for (const f of s.received.filter((f) => f[2] === "phoenix")) assert.equal(f[0], null);
  });

  test("leave: ok reply, then phx_close with ref = join_ref", async () => {
    const m = await createMeeting(server);
    const s = await open();
    const { channel } = await join(s, m.id, { name: "Ada" });
    const joinRef = channel.joinRef();
    const closed = new Promise((resolve) => channel.onClose(resolve));
    assert.equal((await reply(channel.leave())).status, "ok");
    await closed;
    await waitUntil(() => s.received.find((f) => f[3] === "phx_close"), { what: "phx_close" });
    const i = s.received.findIndex((f) => f[3] === "phx_close");
    assert.deepEqual(s.received[i].slice(0, 4), [joinRef, joinRef, `meeting:${m.id}`, "phx_close"]);
    assert.equal(s.received[i - 1][3], "phx_reply");
  });

  test("a second Channel object on the same topic replaces the first", async () => {
    const m = await createMeeting(server);
    const s = await open();
    const a = await join(s, m.id, { name: "Ada" });
    const aClosed = new Promise((resolve) => a.channel.onClose(resolve));
    const b = await join(s, m.id, { name: "Ada", pid: a.response.pid, secret: a.response.secret });
    assert.equal(b.status, "ok");
    await aClosed;
    const seen = [];
    onEvents(b.channel, (e) => seen.push(e));
    await push(b.channel, "card_added", card(1));
    await waitUntil(() => seen.length === 1, { what: "broadcast on b" });
  });
});

describe("presence", () => {
  test("onSync lists everyone; a leave removes only that meta", async () => {
    const m = await createMeeting(server);
    const a = await open();
    const chA = a.channel(`meeting:${m.id}`, { name: "Ada" });
    const presence = new Presence(chA);
    let syncs = 0;
    presence.onSync(() => syncs++);
    const ja = await reply(chA.join());
    const names = () =>
      presence
        .list((pid, { metas }) => metas.map((x) => `${pid}:${x.name}`))
        .flat()
        .sort();
    await waitUntil(() => syncs > 0, { what: "first onSync" });
    assert.deepEqual(names(), [`${ja.response.pid}:Ada`]);

    // Grace on two sockets: two metas under one pid.
    const g1 = await join(await open(), m.id, { name: "Grace" });
    const g2sock = await open();
    const g2 = await join(g2sock, m.id, { name: "Grace", pid: g1.response.pid, secret: g1.response.secret });
    const grace = g1.response.pid;
    await waitUntil(() => names().length === 3, { what: "three metas" });
    assert.deepEqual(names(), [`${ja.response.pid}:Ada`, `${grace}:Grace`, `${grace}:Grace`].sort());

    await reply(g2.channel.leave());
    await waitUntil(() => names().length === 2, { what: "one Grace meta gone" });
    assert.deepEqual(names(), [`${ja.response.pid}:Ada`, `${grace}:Grace`].sort());
    g1.channel.socket.disconnect();
    await waitUntil(() => names().length === 1, { what: "Grace gone" });
  });

  test("after a transport drop the client rejoins (params re-evaluated with since) and presence syncs again", async () => {
    const m = await createMeeting(server);
    const s = await open();
    let identity = null;
    let lastSeq = 0;
    const channel = s.channel(`meeting:${m.id}`, () =>
      identity ? { name: "Ada", ...identity, since: lastSeq } : { name: "Ada" },
    );
    const replies = [];
    const received = [];
    onEvents(channel, (e) => {
      received.push(e.seq);
      lastSeq = e.seq;
    });
    const presence = new Presence(channel);
    let syncs = 0;
    presence.onSync(() => syncs++);
    channel.join().receive("ok", (r) => {
      replies.push(r);
      identity ??= { pid: r.pid, secret: r.secret };
      if (r.resumed) for (const e of r.events) received.push(e.seq);
      lastSeq = r.head_seq;
    });
    await waitUntil(() => replies.length === 1 && syncs >= 1, { what: "first join" });
    // The first join holds the state at head 2; what follows arrives as broadcasts or a resume.
    assert.deepEqual([replies[0].resumed, replies[0].head_seq, replies[0].state.last_seq], [false, 2, 2]);

    const other = await join(await open(), m.id, { name: "Grace" });
    await push(other.channel, "card_added", card(1));
    await waitUntil(() => lastSeq === 4, { what: "seq 4 broadcast" });

    // Drop the transport; while it is down, Grace adds two cards.
    s.disconnect();
    await push(other.channel, "card_added", card(2));
    await push(other.channel, "card_added", card(3));
    const syncsBefore = syncs;
    s.connect();
    await waitUntil(() => replies.length === 2 && syncs > syncsBefore, { what: "rejoin" });
    const r2 = replies[1];
    assert.equal(r2.pid, identity.pid);
    assert.equal(r2.resumed, true);
    assert.deepEqual(
      r2.events.map((e) => e.seq),
      [5, 6],
    );
    assert.equal(r2.state, undefined);
    // Every seq after the first state seen exactly once across the whole session.
    assert.deepEqual(received, [3, 4, 5, 6]);
    assert.ok(presence.list().length === 2);
  });
});
