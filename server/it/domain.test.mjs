// The meeting domain through the real socket (docs/domain.md): every rejection reason the domain can
// produce, each in a realistic scenario, and proof that a rejected push changes nothing; identity and
// votes across a resume; state-at-seq over HTTP against a fold computed here from what was pushed; and
// a whole meeting, collect → vote → discuss → done. Waits are on replies and broadcasts only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, getEvents, join, onEvents, push, reply, startServer, waitUntil } from "./lib.mjs";

let server;
const sockets = [];
async function open() {
  const s = await connect(server);
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

// --- HTTP ---------------------------------------------------------------------------------------------

async function getJson(path) {
  const res = await fetch(`${server.base}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

async function newMeeting(body = {}) {
  const res = await fetch(`${server.base}/api/meetings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Retro", ...body }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

const headSeq = async (id) => (await getJson(`/api/meetings/${id}`)).head_seq;
const stateAt = async (id, seq) => getJson(`/api/meetings/${id}/state?seq=${seq}`);
const stateNow = async (id) => (await stateAt(id, await headSeq(id))).state;
const votesUsed = (state, pid) => state.cards.reduce((n, c) => n + (c.votes[pid] ?? 0), 0);
const cardOf = (state, cardId) => state.cards.find((c) => c.card_id === cardId);

// Everything the HTTP side says about a meeting that a push could change.
async function snapshot(id) {
  const meeting = await getJson(`/api/meetings/${id}`);
  const state = await stateAt(id, meeting.head_seq);
  return { meeting, state };
}

// --- socket -------------------------------------------------------------------------------------------

// Joins on a socket of its own; returns {channel, pid, secret, role, reply}.
async function person(id, params) {
  const j = await join(await open(), id, params);
  assert.equal(j.status, "ok", `join ${JSON.stringify(params)}: ${JSON.stringify(j.response)}`);
  const { pid, secret, role } = j.response;
  return { channel: j.channel, pid, secret, role, reply: j.response };
}

// A meeting with a facilitator (Fay) and two participants (Ada, Pat), each on their own socket.
async function board(settings = {}) {
  const m = await newMeeting(settings);
  const fay = await person(m.id, { name: "Fay", token: m.facilitator_token });
  const ada = await person(m.id, { name: "Ada" });
  const pat = await person(m.id, { name: "Pat" });
  assert.deepEqual([fay.role, ada.role, pat.role], ["facilitator", "participant", "participant"]);
  return { id: m.id, token: m.facilitator_token, fay, ada, pat };
}

// Pushes an event that must be accepted; returns its seq.
async function ok(who, type, data = {}) {
  const r = await push(who.channel, type, data);
  assert.equal(r.status, "ok", `${type} ${JSON.stringify(data)}: ${JSON.stringify(r.response)}`);
  assert.equal(typeof r.response.seq, "number");
  return r.response.seq;
}

// Sends `payload` as an "event" push and asserts the error `reason`, and that nothing changed: the
// same head_seq and meeting summary, the same state at the head, no event after the head in the log.
async function rejected(m, who, payload, reason) {
  const before = await snapshot(m.id);
  const r = await reply(who.channel.push("event", payload));
  assert.equal(r.status, "error", `${JSON.stringify(payload)} was accepted: ${JSON.stringify(r.response)}`);
  assert.equal(r.response.reason, reason, `${JSON.stringify(payload).slice(0, 200)}`);
  const after = await snapshot(m.id);
  assert.deepEqual(after, before, `${payload.type} changed the meeting`);
  assert.deepEqual((await getEvents(server, m.id, before.meeting.head_seq)).events, []);
  return r.response;
}

let n = 0;
const fresh = () => `dom-${process.pid}-${++n}`;
const event = (type, data) => ({ id: fresh(), type, data });
// Shorthand for the common case: a well-formed push with data.
const refuse = (m, who, type, data, reason) => rejected(m, who, event(type, data), reason);

const card = (id, title = `Card ${id}`) => ({ card_id: id, title });

// --- every reason ---------------------------------------------------------------------------------------

describe("every domain rejection reason, through the socket", () => {
  test("not_facilitator: a participant tries the facilitator's moves (checked before the payload)", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await refuse(m, m.pat, "phase_changed", { phase: "vote" }, "not_facilitator");
    await refuse(m, m.pat, "meeting_renamed", { title: "Pat's meeting" }, "not_facilitator");
    await refuse(m, m.pat, "settings_changed", { votes_per_person: 20 }, "not_facilitator");
    // A bad payload on an F-only type still says not_facilitator: payload rules are not leaked.
    await refuse(m, m.pat, "timer_started", { seconds: "soon" }, "not_facilitator");
    await refuse(m, m.ada, "discussion_started", { card_id: "k1" }, "not_facilitator");
    // The same move by the facilitator goes through.
    await ok(m.fay, "phase_changed", { phase: "vote" });
    assert.equal((await stateNow(m.id)).phase, "vote");
  });

  test("no_votes_left: a fourth vote with three per person; the others keep their budget", async () => {
    const m = await board({ votes_per_person: 3 });
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.pat, "card_added", card("k2"));
    await ok(m.fay, "phase_changed", { phase: "vote" });
    await ok(m.ada, "card_voted", { card_id: "k1" });
    await ok(m.ada, "card_voted", { card_id: "k1" });
    await ok(m.ada, "card_voted", { card_id: "k2" });
    await refuse(m, m.ada, "card_voted", { card_id: "k2" }, "no_votes_left");
    await refuse(m, m.ada, "card_voted", { card_id: "k1" }, "no_votes_left");
    await ok(m.pat, "card_voted", { card_id: "k1" });
    // Withdrawing one gives it back.
    await ok(m.ada, "vote_withdrawn", { card_id: "k1" });
    await ok(m.ada, "card_voted", { card_id: "k2" });
    const s = await stateNow(m.id);
    assert.equal(votesUsed(s, m.ada.pid), 3);
    assert.deepEqual(cardOf(s, "k1").votes, { [m.ada.pid]: 1, [m.pat.pid]: 1 });
    assert.deepEqual(cardOf(s, "k2").votes, { [m.ada.pid]: 2 });
  });

  test("not_author: editing, deleting or merging someone else's card; the facilitator may", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1", "Flaky CI"));
    await ok(m.pat, "card_added", card("k2", "Slow CI"));
    await refuse(m, m.pat, "card_edited", card("k1", "Pat was here"), "not_author");
    await refuse(m, m.pat, "card_deleted", { card_id: "k1" }, "not_author");
    // Pat wrote k2 but not k1: a merge needs both.
    await refuse(m, m.pat, "card_merged", { card_id: "k2", into_card_id: "k1" }, "not_author");
    await ok(m.pat, "note_added", { card_id: "k1", note_id: "n1", text: "seen it too", kind: "takeaway" });
    await refuse(m, m.ada, "note_deleted", { card_id: "k1", note_id: "n1" }, "not_author");
    await ok(m.fay, "card_edited", card("k1", "Flaky CI (again)"));
    await ok(m.fay, "card_merged", { card_id: "k2", into_card_id: "k1" });
    const s = await stateNow(m.id);
    assert.deepEqual(
      s.cards.map((c) => [c.card_id, c.title, c.author]),
      [["k1", "Flaky CI (again)", m.ada.pid]],
    );
  });

  test("wrong_phase: voting while collecting, adding while discussing, editing a done card, same phase", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await refuse(m, m.ada, "card_voted", { card_id: "k1" }, "wrong_phase");
    await refuse(m, m.ada, "vote_withdrawn", { card_id: "k1" }, "wrong_phase");
    await refuse(m, m.fay, "phase_changed", { phase: "collect" }, "wrong_phase");
    await refuse(m, m.fay, "discussion_started", { card_id: "k1" }, "wrong_phase");
    await ok(m.fay, "phase_changed", { phase: "discuss" });
    await refuse(m, m.pat, "card_added", card("k2"), "wrong_phase");
    await refuse(m, m.ada, "card_merged", { card_id: "k1", into_card_id: "k9" }, "wrong_phase");
    await ok(m.fay, "discussion_started", { card_id: "k1" });
    await ok(m.fay, "discussion_finished", { card_id: "k1" });
    assert.equal(cardOf(await stateNow(m.id), "k1").status, "done");
    await refuse(m, m.ada, "card_edited", card("k1", "rewrite history"), "wrong_phase");
    await refuse(m, m.fay, "discussion_started", { card_id: "k1" }, "wrong_phase");
  });

  test("no_such_card: votes, edits and notes naming a card that is not there", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.ada, "card_added", card("k2"));
    await ok(m.ada, "note_added", { card_id: "k1", note_id: "n1", text: "a note", kind: "action" });
    await ok(m.ada, "card_deleted", { card_id: "k2" });
    await refuse(m, m.ada, "card_edited", card("k2", "back from the dead"), "no_such_card");
    await refuse(m, m.ada, "card_merged", { card_id: "k1", into_card_id: "k2" }, "no_such_card");
    const hi = { card_id: "k2", note_id: "n2", text: "hi", kind: "takeaway" };
    await refuse(m, m.pat, "note_added", hi, "no_such_card");
    // The note exists, but not on that card: the pair does not exist.
    await ok(m.ada, "card_added", card("k3"));
    await refuse(m, m.ada, "note_deleted", { card_id: "k3", note_id: "n1" }, "no_such_card");
    await refuse(m, m.pat, "reaction", { emoji: "👍", card_id: "k2" }, "no_such_card");
    await ok(m.fay, "phase_changed", { phase: "vote" });
    await refuse(m, m.pat, "card_voted", { card_id: "k2" }, "no_such_card");
    await refuse(m, m.pat, "card_voted", { card_id: "K1" }, "no_such_card");
  });

  test("duplicate_id: a card_id or note_id in use (a deleted card's id is free again)", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1", "Ada's"));
    await refuse(m, m.pat, "card_added", card("k1", "Pat's"), "duplicate_id");
    await ok(m.ada, "note_added", { card_id: "k1", note_id: "n1", text: "first", kind: "takeaway" });
    await ok(m.pat, "card_added", card("k2", "Pat's"));
    await refuse(m, m.pat, "note_added", { card_id: "k2", note_id: "n1", text: "x", kind: "action" }, "duplicate_id");
    await ok(m.pat, "card_deleted", { card_id: "k2" });
    await ok(m.pat, "card_added", card("k2", "Pat's, again"));
    assert.deepEqual(
      (await stateNow(m.id)).cards.map((c) => c.title),
      ["Ada's", "Pat's, again"],
    );
  });

  test("title_empty: blank card titles, names and note text (kept as sent otherwise)", async () => {
    const m = await board();
    await refuse(m, m.ada, "card_added", card("k1", ""), "title_empty");
    await refuse(m, m.ada, "card_added", card("k1", " \t\n\u00a0\u3000"), "title_empty");
    await ok(m.ada, "card_added", card("k1", "  padded  "));
    await refuse(m, m.ada, "card_edited", card("k1", "   "), "title_empty");
    await refuse(m, m.ada, "participant_renamed", { name: " " }, "title_empty");
    await refuse(m, m.fay, "meeting_renamed", { title: "" }, "title_empty");
    const blank = { card_id: "k1", note_id: "n1", text: "\u2003", kind: "takeaway" };
    await refuse(m, m.pat, "note_added", blank, "title_empty");
    assert.equal(cardOf(await stateNow(m.id), "k1").title, "  padded  ");
  });

  test("title_too_long: 141 code points for a title, 41 for a name (counted in code points)", async () => {
    const m = await board();
    await refuse(m, m.ada, "card_added", card("k1", "x".repeat(141)), "title_too_long");
    // 140 four-byte code points fit; 141 do not.
    await ok(m.ada, "card_added", card("k1", "🎉".repeat(140)));
    await refuse(m, m.ada, "card_edited", card("k1", "🎉".repeat(141)), "title_too_long");
    await refuse(m, m.fay, "meeting_renamed", { title: "é".repeat(141) }, "title_too_long");
    await refuse(m, m.pat, "participant_renamed", { name: "p".repeat(41) }, "title_too_long");
    await ok(m.pat, "participant_renamed", { name: "p".repeat(40) });
    const s = await stateNow(m.id);
    assert.equal(cardOf(s, "k1").title, "🎉".repeat(140));
    assert.equal(s.participants[m.pat.pid].name, "p".repeat(40));
  });

  test("text_too_long: a note over 500 code points", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    const note = (id, text) => ({ card_id: "k1", note_id: id, text, kind: "action" });
    await refuse(m, m.pat, "note_added", note("n1", "y".repeat(501)), "text_too_long");
    await refuse(m, m.pat, "note_added", note("n1", "ü".repeat(501)), "text_too_long");
    await ok(m.pat, "note_added", note("n1", "ü".repeat(500)));
    assert.equal(cardOf(await stateNow(m.id), "k1").notes[0].text.length, 500);
  });

  test("no_vote_to_withdraw: withdrawing a vote one never cast (someone else's does not count)", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.fay, "phase_changed", { phase: "vote" });
    await refuse(m, m.ada, "vote_withdrawn", { card_id: "k1" }, "no_vote_to_withdraw");
    await ok(m.ada, "card_voted", { card_id: "k1" });
    await refuse(m, m.pat, "vote_withdrawn", { card_id: "k1" }, "no_vote_to_withdraw");
    await ok(m.ada, "vote_withdrawn", { card_id: "k1" });
    await refuse(m, m.ada, "vote_withdrawn", { card_id: "k1" }, "no_vote_to_withdraw");
  });

  test("same_card: merging a card into itself", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await refuse(m, m.ada, "card_merged", { card_id: "k1", into_card_id: "k1" }, "same_card");
    // Even for an unknown id and the facilitator: same_card comes before existence and authorship.
    await refuse(m, m.fay, "card_merged", { card_id: "zz", into_card_id: "zz" }, "same_card");
  });

  test("discussion_in_progress: leaving discuss, a second discussion, deleting the card discussed", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.ada, "card_added", card("k2"));
    await ok(m.fay, "phase_changed", { phase: "discuss" });
    await ok(m.fay, "discussion_started", { card_id: "k1" });
    await refuse(m, m.fay, "phase_changed", { phase: "done" }, "discussion_in_progress");
    await refuse(m, m.fay, "discussion_started", { card_id: "k2" }, "discussion_in_progress");
    await refuse(m, m.ada, "card_deleted", { card_id: "k1" }, "discussion_in_progress");
    await ok(m.ada, "card_deleted", { card_id: "k2" });
    await ok(m.fay, "discussion_finished", { card_id: "k1", outcome: "parked" });
    await ok(m.fay, "phase_changed", { phase: "done" });
  });

  test("no_discussion: continue votes, timers, finishing with nothing (or another card) discussed", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.ada, "card_added", card("k2"));
    await ok(m.fay, "phase_changed", { phase: "discuss" });
    await refuse(m, m.pat, "continue_voted", { vote: "up" }, "no_discussion");
    await refuse(m, m.fay, "timer_started", { seconds: 60 }, "no_discussion");
    await refuse(m, m.fay, "discussion_finished", { card_id: "k1" }, "no_discussion");
    await ok(m.fay, "discussion_started", { card_id: "k1" });
    await refuse(m, m.fay, "discussion_finished", { card_id: "k2" }, "no_discussion");
    await ok(m.pat, "continue_voted", { vote: "up" });
  });

  test("no_timer: extending when no discussion (hence no timer) runs", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    await refuse(m, m.fay, "timer_extended", { seconds: 60 }, "no_timer");
    await ok(m.fay, "phase_changed", { phase: "discuss" });
    await refuse(m, m.fay, "timer_extended", { seconds: 60 }, "no_timer");
    await ok(m.fay, "discussion_started", { card_id: "k1" });
    await ok(m.fay, "timer_extended", { seconds: 60 });
    await ok(m.fay, "discussion_finished", { card_id: "k1" });
    await refuse(m, m.fay, "timer_extended", { seconds: 60 }, "no_timer");
  });

  test("too_many_cards: 500 cards pipelined by the facilitator over 25 sockets, then the 501st", async () => {
    const m = await newMeeting({ title: "Big board" });
    const first = await person(m.id, { name: "Fay", token: m.facilitator_token });
    const again = { name: "Fay", token: m.facilitator_token, pid: first.pid, secret: first.secret };
    // 25 sockets × 20 cards: each socket stays inside its rate-limit burst (40).
    const fays = [first, ...(await Promise.all(Array.from({ length: 24 }, () => person(m.id, again))))];
    for (const f of fays) assert.deepEqual([f.pid, f.role], [first.pid, "facilitator"]);
    const replies = await Promise.all(
      fays.flatMap((f, i) =>
        Array.from({ length: 20 }, (_, j) => push(f.channel, "card_added", card(`c${i}-${j}`, `Card ${i}.${j}`))),
      ),
    );
    assert.deepEqual(
      replies.filter((r) => r.status !== "ok"),
      [],
    );
    const seqs = replies.map((r) => r.response.seq).sort((a, b) => a - b);
    const head = await headSeq(m.id);
    assert.equal(new Set(seqs).size, 500);
    assert.deepEqual([seqs[0], seqs[499]], [head - 499, head]);
    assert.equal((await stateNow(m.id)).cards.length, 500);

    await refuse(m, fays[0], "card_added", card("one-too-many"), "too_many_cards");
    // Still too many after a phase change; room again once one goes.
    await ok(fays[1], "phase_changed", { phase: "vote" });
    await refuse(m, fays[2], "card_added", card("one-too-many"), "too_many_cards");
    await ok(fays[3], "card_deleted", { card_id: "c0-0" });
    await ok(fays[4], "card_added", card("one-too-many"));
    await refuse(m, fays[5], "card_added", card("and-another"), "too_many_cards");
  });

  test("unknown_type: types outside the catalogue, server-only types and unknown channel events", async () => {
    const m = await board();
    await refuse(m, m.ada, "card_painted", { card_id: "k1" }, "unknown_type");
    await refuse(m, m.ada, "meeting_created", { title: "Mine now" }, "unknown_type");
    await refuse(m, m.ada, "participant_joined", { name: "Mallory" }, "unknown_type");
    // Even the facilitator cannot write server events.
    await refuse(m, m.fay, "participant_joined", { name: "Mallory" }, "unknown_type");
    await refuse(m, m.ada, "Card_Added", card("k1"), "unknown_type");
    const before = await snapshot(m.id);
    const r = await reply(m.ada.channel.push("shout", { id: fresh(), type: "card_added", data: card("k1") }));
    assert.deepEqual([r.status, r.response.reason], ["error", "unknown_type"]);
    assert.deepEqual(await snapshot(m.id), before);
  });

  test("invalid_payload: malformed envelopes and data for each kind of rule", async () => {
    const m = await board();
    await ok(m.ada, "card_added", card("k1"));
    const bad = [
      // The envelope.
      [m.ada, { type: "card_added", data: card("k2") }],
      [m.ada, { id: "", type: "card_added", data: card("k2") }],
      [m.ada, { id: "i".repeat(65), type: "card_added", data: card("k2") }],
      [m.ada, { id: fresh(), type: 7, data: card("k2") }],
      [m.ada, { id: fresh(), type: "card_added", data: [card("k2")] }],
      [m.ada, { id: fresh(), type: "card_added", data: "k2" }],
      // Ids and strings.
      [m.ada, event("card_added", { card_id: "", title: "x" })],
      [m.ada, event("card_added", { card_id: "k".repeat(65), title: "x" })],
      [m.ada, event("card_added", { card_id: 2, title: "x" })],
      [m.ada, event("card_added", { card_id: "k2" })],
      [m.ada, event("card_edited", { card_id: "k1", title: null })],
      [m.pat, event("participant_renamed", {})],
      [m.pat, event("note_added", { card_id: "k1", note_id: "n1", text: "x", kind: "todo" })],
      // Enumerations and numbers.
      [m.fay, event("phase_changed", { phase: "later" })],
      [m.fay, event("settings_changed", {})],
      [m.fay, event("settings_changed", { votes_per_person: 21 })],
      [m.fay, event("settings_changed", { votes_per_person: 2.5 })],
      [m.fay, event("settings_changed", { timebox_s: 29 })],
      [m.fay, event("settings_changed", { anonymous_votes: "yes" })],
      // The payload is checked before the discussion: invalid_payload, not no_discussion.
      [m.fay, event("timer_started", { seconds: 5 })],
      [m.fay, event("timer_extended", { seconds: 3601 })],
      [m.pat, event("continue_voted", { vote: "maybe" })],
      [m.fay, event("discussion_finished", { card_id: "k1", outcome: "shelved" })],
      // ❤ without the variation selector is not in the set.
      [m.pat, event("reaction", { emoji: "\u2764" })],
      [m.pat, event("reaction", { emoji: "👍", card_id: 1 })],
    ];
    for (const [who, payload] of bad) await rejected(m, who, payload, "invalid_payload");
    // The well-formed versions go through.
    await ok(m.fay, "settings_changed", { votes_per_person: 5 });
    await ok(m.pat, "reaction", { emoji: "\u2764\ufe0f", card_id: "k1" });
    assert.equal((await stateNow(m.id)).settings.votes_per_person, 5);
  });
});

// --- resume ------------------------------------------------------------------------------------------------

describe("resume", () => {
  test("a participant who rejoins with pid, secret and since keeps identity and votes", async () => {
    const m = await board({ votes_per_person: 3 });
    await ok(m.ada, "card_added", card("k1"));
    await ok(m.ada, "card_added", card("k2"));
    await ok(m.fay, "phase_changed", { phase: "vote" });

    const s1 = await open();
    const first = await join(s1, m.id, { name: "Vic" });
    assert.equal(first.status, "ok");
    const vic = { channel: first.channel, pid: first.response.pid };
    await ok(vic, "card_voted", { card_id: "k1" });
    const lastSeen = await ok(vic, "card_voted", { card_id: "k2" });
    const participants = Object.keys((await stateNow(m.id)).participants).length;

    // Vic drops out; the room goes on without him.
    const gone = new Promise((resolve) => s1.disconnect(resolve));
    await gone;
    const missed = [await ok(m.ada, "card_voted", { card_id: "k1" }), await ok(m.pat, "card_added", card("k3"))];

    const back = await join(await open(), m.id, {
      name: "Vic",
      pid: first.response.pid,
      secret: first.response.secret,
      since: lastSeen,
    });
    assert.equal(back.status, "ok");
    assert.equal(back.response.pid, vic.pid);
    assert.equal(back.response.secret, undefined);
    assert.equal(back.response.role, "participant");
    assert.equal(back.response.resumed, true);
    assert.equal(back.response.state, undefined);
    assert.deepEqual(
      back.response.events.map((e) => e.seq),
      missed,
    );
    assert.equal(back.response.head_seq, missed[1]);

    const s = (await stateAt(m.id, back.response.head_seq)).state;
    assert.equal(Object.keys(s.participants).length, participants, "no new participant");
    assert.equal(s.participants[vic.pid].name, "Vic");
    assert.equal(votesUsed(s, vic.pid), 2);

    const vic2 = { channel: back.channel, pid: vic.pid };
    await ok(vic2, "card_voted", { card_id: "k3" });
    await refuse(m, vic2, "card_voted", { card_id: "k3" }, "no_votes_left");
    const end = await stateNow(m.id);
    assert.equal(votesUsed(end, vic.pid), 3);
    assert.deepEqual(
      end.cards.map((c) => c.votes[vic.pid]),
      [1, 1, 1],
    );
  });
});

// --- state at seq ---------------------------------------------------------------------------------------

// The fold this test expects, over the events it caused (a subset of the catalogue, no discussions):
// starts from the state after meeting_created.
function expectedFold(title, log, upTo) {
  const s = {
    title,
    phase: "collect",
    participants: {},
    facilitator: null,
    cards: [],
    discussion: null,
    settings: { votes_per_person: 3, timebox_s: 300, anonymous_votes: false, anonymous_cards: false, hide_totals: false },
    last_seq: 1,
  };
  const find = (id) => s.cards.find((c) => c.card_id === id);
  for (const e of log) {
    if (e.seq > upTo) break;
    s.last_seq = e.seq;
    const d = e.data;
    switch (e.type) {
      case "participant_joined":
      case "participant_renamed":
        s.participants[e.pid] = { name: d.name };
        break;
      case "meeting_renamed":
        s.title = d.title;
        break;
      case "settings_changed":
        Object.assign(s.settings, d);
        break;
      case "phase_changed":
        s.phase = d.phase;
        break;
      case "card_added":
        s.cards.push({ ...d, author: e.pid, status: "todo", votes: {}, discussed_ms: 0, notes: [] });
        break;
      case "card_edited":
        find(d.card_id).title = d.title;
        break;
      case "card_deleted":
        s.cards = s.cards.filter((c) => c.card_id !== d.card_id);
        break;
      case "card_voted":
        find(d.card_id).votes[e.pid] = (find(d.card_id).votes[e.pid] ?? 0) + 1;
        break;
      case "vote_withdrawn": {
        const v = find(d.card_id).votes;
        if (--v[e.pid] === 0) delete v[e.pid];
        break;
      }
      case "note_added":
        find(d.card_id).notes.push({ note_id: d.note_id, text: d.text, kind: d.kind, author: e.pid });
        break;
      case "reaction":
        break;
      default:
        throw new Error(`expectedFold: ${e.type}`);
    }
  }
  return s;
}

describe("state at seq", () => {
  test("GET /state?seq=K equals the fold of the first K events, for every K", async () => {
    const title = "Time travel";
    const m = await newMeeting({ title });
    const log = [];
    const enter = async (params) => {
      const p = await person(m.id, params);
      // The reply carries the state at head_seq; the join's own event is in the log (nothing else is
      // pushed meanwhile here, so it is the head).
      const joined = (await getEvents(server, m.id, p.reply.head_seq - 1)).events[0];
      assert.deepEqual([joined.type, joined.actor.pid, joined.seq], ["participant_joined", p.pid, p.reply.head_seq]);
      log.push({ seq: joined.seq, type: "participant_joined", pid: p.pid, data: { name: params.name } });
      assert.equal(p.reply.resumed, false);
      assert.equal(p.reply.events, undefined);
      const { created_ts, last_ts, ...rest } = p.reply.state;
      assert.deepEqual(rest, expectedFold(title, log, p.reply.head_seq), `join reply state at ${p.reply.head_seq}`);
      assert.equal(last_ts, joined.ts);
      assert.equal(typeof created_ts, "number");
      return p;
    };
    const did = async (who, type, data) => log.push({ seq: await ok(who, type, data), type, pid: who.pid, data });

    const fay = await enter({ name: "Fay", token: m.facilitator_token });
    const ada = await enter({ name: "Ada" });
    await did(ada, "card_added", card("k1", "Flaky CI"));
    await did(ada, "card_added", card("k2", "Standups"));
    const pat = await enter({ name: "Pat" });
    await did(pat, "card_added", card("k3", "Docs"));
    await rejected(m, pat, event("card_added", card("k3", "Docs again")), "duplicate_id");
    await did(pat, "note_added", { card_id: "k1", note_id: "n1", text: "nightly too", kind: "takeaway" });
    await did(ada, "card_edited", card("k2", "Shorter standups"));
    await did(fay, "meeting_renamed", { title: "Retro, week 48" });
    await did(pat, "reaction", { emoji: "🔥", card_id: "k1" });
    assert.deepEqual((await push(pat.channel, "typing", { card_id: "k1" })).response, {});
    await did(fay, "settings_changed", { votes_per_person: 2 });
    await did(fay, "phase_changed", { phase: "vote" });
    await did(ada, "card_voted", { card_id: "k1" });
    await did(pat, "card_voted", { card_id: "k1" });
    await did(pat, "card_voted", { card_id: "k3" });
    await did(ada, "card_voted", { card_id: "k2" });
    await did(ada, "vote_withdrawn", { card_id: "k2" });
    await did(pat, "participant_renamed", { name: "Patricia" });
    await did(ada, "card_deleted", { card_id: "k2" });
    await did(fay, "phase_changed", { phase: "collect" });

    // Seqs are dense: the rejected push and typing took none.
    const head = await headSeq(m.id);
    assert.deepEqual(
      log.map((e) => e.seq),
      Array.from({ length: head - 1 }, (_, i) => i + 2),
    );
    const stored = (await getEvents(server, m.id)).events;
    const created = stored[0];
    assert.equal(created.type, "meeting_created");

    for (let k = 1; k <= head; k++) {
      const got = await stateAt(m.id, k);
      assert.deepEqual([got.seq, got.head_seq], [k, head]);
      const { created_ts, last_ts, ...rest } = got.state;
      assert.deepEqual(rest, expectedFold(title, log, k), `state at seq ${k}`);
      assert.equal(created_ts, created.ts);
      assert.equal(last_ts, stored[k - 1].ts, `last_ts at seq ${k}`);
    }
    // Before the first event: the initial state.
    const zero = await stateAt(m.id, 0);
    assert.equal(zero.seq, 0);
    assert.deepEqual([zero.state.title, zero.state.last_seq, zero.state.cards], ["", 0, []]);
  });
});

// --- a whole meeting ------------------------------------------------------------------------------------

describe("a whole meeting through the socket", () => {
  test("collect → vote → discuss (timer, extension, continue votes) → done", async () => {
    const m = await newMeeting({ title: "Sprint 12 retro", timebox_s: 120 });
    const fay = await person(m.id, { name: "Fay", token: m.facilitator_token });
    const ada = await person(m.id, { name: "Ada" });
    const pat = await person(m.id, { name: "Pat" });
    const everyone = [fay, ada, pat];
    // What each socket receives from here on.
    for (const p of everyone) {
      p.seen = [];
      onEvents(p.channel, (e) => p.seen.push(e));
    }
    const firstSeq = pat.reply.head_seq + 1;
    const bySeq = new Map();
    const act = async (who, type, data) => {
      const seq = await ok(who, type, data);
      // Every socket gets the broadcast; take its ts from the sender's copy.
      const e = await waitUntil(() => who.seen.find((x) => x.seq === seq), { what: `broadcast of ${seq}` });
      assert.deepEqual([e.type, e.actor.pid, e.data], [type, who.pid, data]);
      bySeq.set(seq, e);
      return e;
    };

    // Collect.
    await act(ada, "card_added", card("ci", "Flaky CI"));
    await act(pat, "card_added", card("docs", "Onboarding docs are stale"));
    await act(ada, "card_added", card("ci2", "CI takes 40 minutes"));
    assert.deepEqual((await push(ada.channel, "typing", { card_id: "ci" })).response, {});
    await act(fay, "phase_changed", { phase: "vote" });

    // Vote; Ada merges her two CI cards, votes move along.
    await act(ada, "card_voted", { card_id: "ci" });
    await act(ada, "card_voted", { card_id: "ci2" });
    await act(pat, "card_voted", { card_id: "docs" });
    await act(pat, "card_voted", { card_id: "docs" });
    await act(pat, "card_voted", { card_id: "ci2" });
    await act(fay, "card_voted", { card_id: "docs" });
    await act(pat, "vote_withdrawn", { card_id: "docs" });
    await act(ada, "card_merged", { card_id: "ci2", into_card_id: "ci" });
    await act(ada, "card_voted", { card_id: "docs" });
    await act(fay, "phase_changed", { phase: "discuss" });

    // Discuss CI (3 votes) first.
    const start = await act(fay, "discussion_started", { card_id: "ci" });
    let s = (await stateAt(m.id, start.seq)).state;
    assert.deepEqual(s.discussion, {
      card_id: "ci",
      started_ts: start.ts,
      timer: { seconds: 120, started_ts: start.ts, ends_ts: start.ts + 120000 },
      continue_votes: {},
    });
    assert.equal(cardOf(s, "ci").status, "discussing");
    const timer = await act(fay, "timer_started", { seconds: 60 });
    await act(ada, "continue_voted", { vote: "up" });
    await act(pat, "continue_voted", { vote: "down" });
    const up = await act(pat, "continue_voted", { vote: "sideways" });
    s = (await stateAt(m.id, up.seq)).state;
    assert.deepEqual(s.discussion.timer, { seconds: 60, started_ts: timer.ts, ends_ts: timer.ts + 60000 });
    assert.deepEqual(s.discussion.continue_votes, { [ada.pid]: "up", [pat.pid]: "sideways" });
    const ext = await act(fay, "timer_extended", { seconds: 30 });
    s = (await stateAt(m.id, ext.seq)).state;
    assert.deepEqual(s.discussion.timer, { seconds: 90, started_ts: timer.ts, ends_ts: timer.ts + 90000 });
    assert.deepEqual(s.discussion.continue_votes, {}, "a new time slice asks the room afresh");
    await act(ada, "continue_voted", { vote: "up" });
    await act(pat, "reaction", { emoji: "👏", card_id: "ci" });
    await act(ada, "note_added", { card_id: "ci", note_id: "n1", text: "Cache the toolchain", kind: "action" });
    const n2 = { card_id: "ci", note_id: "n2", text: "Flakes are mostly timeouts", kind: "takeaway" };
    await act(fay, "note_added", n2);
    const ciDone = await act(fay, "discussion_finished", { card_id: "ci" });

    // Docs: parked, then picked up again and finished.
    const d1 = await act(fay, "discussion_started", { card_id: "docs" });
    const d1end = await act(fay, "discussion_finished", { card_id: "docs", outcome: "parked" });
    assert.equal(cardOf((await stateAt(m.id, d1end.seq)).state, "docs").status, "parked");
    const d2 = await act(fay, "discussion_started", { card_id: "docs" });
    await act(pat, "note_added", { card_id: "docs", note_id: "n3", text: "Pat rewrites the README", kind: "action" });
    const d2end = await act(fay, "discussion_finished", { card_id: "docs", outcome: "done" });
    const end = await act(fay, "phase_changed", { phase: "done" });

    // Every socket saw every seq since the last join, once and in order.
    const head = await headSeq(m.id);
    assert.equal(head, end.seq);
    const expected = Array.from({ length: head - firstSeq + 1 }, (_, i) => firstSeq + i);
    for (const p of everyone) {
      await waitUntil(() => p.seen.some((e) => e.seq === head), { what: `${p.pid} caught up` });
      // (A join broadcast from before the listeners were attached may be there too.)
      const seqs = p.seen.filter((e) => e.seq >= firstSeq).map((e) => e.seq);
      assert.deepEqual(seqs, expected);
      assert.ok(p.seen.some((e) => e.type === "typing" && e.seq === undefined));
    }

    // The final state, computed from what was pushed and the broadcast timestamps.
    const final = await stateNow(m.id);
    assert.equal(final.title, "Sprint 12 retro");
    assert.equal(final.phase, "done");
    assert.equal(final.discussion, null);
    assert.equal(final.last_seq, head);
    assert.equal(final.last_ts, end.ts);
    assert.deepEqual(final.settings, {
      votes_per_person: 3,
      timebox_s: 120,
      anonymous_votes: false,
      anonymous_cards: false,
      hide_totals: false,
    });
    assert.deepEqual(final.participants, {
      [fay.pid]: { name: "Fay" },
      [ada.pid]: { name: "Ada" },
      [pat.pid]: { name: "Pat" },
    });
    assert.deepEqual(final.cards, [
      {
        card_id: "ci",
        title: "Flaky CI",
        author: ada.pid,
        status: "done",
        votes: { [ada.pid]: 2, [pat.pid]: 1 },
        discussed_ms: ciDone.ts - start.ts,
        merged: [{ card_id: "ci2", title: "CI takes 40 minutes", author: ada.pid }],
        notes: [
          { note_id: "n1", text: "Cache the toolchain", kind: "action", author: ada.pid },
          { note_id: "n2", text: "Flakes are mostly timeouts", kind: "takeaway", author: fay.pid },
        ],
      },
      {
        card_id: "docs",
        title: "Onboarding docs are stale",
        author: pat.pid,
        status: "done",
        votes: { [pat.pid]: 1, [fay.pid]: 1, [ada.pid]: 1 },
        discussed_ms: d1end.ts - d1.ts + (d2end.ts - d2.ts),
        notes: [{ note_id: "n3", text: "Pat rewrites the README", kind: "action", author: pat.pid }],
      },
    ]);
    assert.deepEqual(
      everyone.map((p) => votesUsed(final, p.pid)),
      [1, 3, 2],
    );

    // The meeting summary agrees, and a late joiner folds the same log (reactions not replayed).
    const summary = await getJson(`/api/meetings/${m.id}`);
    assert.deepEqual([summary.phase, summary.head_seq], ["done", head]);
    // A late joiner gets that final state, its own participant_joined folded in.
    const late = await person(m.id, { name: "Late" });
    assert.equal(late.reply.head_seq, head + 1);
    assert.equal(late.reply.resumed, false);
    const lateJoined = (await getEvents(server, m.id, head)).events[0];
    assert.deepEqual([lateJoined.type, lateJoined.actor.pid], ["participant_joined", late.pid]);
    assert.deepEqual(late.reply.state, {
      ...final,
      participants: { ...final.participants, [late.pid]: { name: "Late" } },
      last_seq: head + 1,
      last_ts: lateJoined.ts,
    });
    assert.deepEqual(late.reply.state, (await stateAt(m.id, head + 1)).state);
  });
});
