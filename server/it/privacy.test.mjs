// Anonymous cards and the facilitator role through the real socket and HTTP API (docs/domain.md §
// Anonymous cards, § Facilitator). An anonymous card's author must not be learnable by any other member,
// nor from any HTTP answer (events, state, audit, summary, analytics), while the author keeps editing it
// and gets it back as "own" on every join. The role moves by facilitator_changed and the token holder
// can take it back. Waits are on replies and broadcasts only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, createMeeting, getEvents, join, onEvents, push, startServer, waitUntil } from "./lib.mjs";

let server;
const sockets = [];
before(async () => {
  server = await startServer();
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await server?.stop();
});

async function person(meetingId, params) {
  const socket = await connect(server);
  sockets.push(socket);
  const j = await join(socket, meetingId, params);
  assert.equal(j.status, "ok", JSON.stringify(j.response));
  const seen = [];
  onEvents(j.channel, (e) => seen.push(e));
  return { socket, channel: j.channel, reply: j.response, pid: j.response.pid, secret: j.response.secret, seen };
}

async function text(path) {
  const res = await fetch(`${server.base}${path}`);
  assert.equal(res.status, 200, path);
  return res.text();
}

const ok = async (p) => {
  const r = await p;
  assert.equal(r.status, "ok", JSON.stringify(r.response));
  return r.response;
};
const rejected = async (p, reason) => {
  const r = await p;
  assert.equal(r.status, "error", `expected ${reason}, got ${JSON.stringify(r)}`);
  assert.equal(r.response.reason, reason);
};

describe("anonymous cards", () => {
  let meeting, fran, ada, bo;
  before(async () => {
    meeting = await createMeeting(server, "Privacy");
    fran = await person(meeting.id, { name: "Fran", token: meeting.facilitator_token });
    ada = await person(meeting.id, { name: "Adalind" });
    bo = await person(meeting.id, { name: "Bo" });
    await ok(push(fran.channel, "settings_changed", { anonymous_cards: true }));
  });

  test("the card's events name nobody, on the wire and in the log, and carry a seal", async () => {
    const { seq } = await ok(push(ada.channel, "card_added", { card_id: "k1", title: "Pay is unfair" }));
    const got = await waitUntil(() => bo.seen.find((e) => e.seq === seq), { what: "k1 at Bo" });
    assert.deepEqual(got.actor, { pid: "anonymous", name: "Anonymous" });
    assert.match(got.data.seal, /^[0-9a-f]{32}$/);
    const frames = JSON.stringify(bo.socket.received.filter((f) => JSON.stringify(f).includes('"k1"')));
    assert.ok(!frames.includes(ada.pid) && !frames.includes("Adalind"), frames);

    const stored = (await getEvents(server, meeting.id)).events.find((e) => e.seq === seq);
    assert.deepEqual(stored.actor, { pid: "anonymous", name: "Anonymous" });
  });

  test("only the author (by seal) and the facilitator may edit it; the author's edit stays anonymous", async () => {
    await rejected(push(bo.channel, "card_edited", { card_id: "k1", title: "Mine now" }), "not_author");
    const { seq } = await ok(push(ada.channel, "card_edited", { card_id: "k1", title: "Pay is unclear" }));
    const got = await waitUntil(() => bo.seen.find((e) => e.seq === seq), { what: "edit at Bo" });
    assert.equal(got.actor.pid, "anonymous");
    await ok(push(fran.channel, "card_edited", { card_id: "k1", title: "Pay is unclear." }));
  });

  test("merging two of one's own anonymous cards is allowed and anonymous; others may not", async () => {
    await ok(push(ada.channel, "card_added", { card_id: "k2", title: "Salary bands" }));
    await rejected(push(bo.channel, "card_merged", { card_id: "k2", into_card_id: "k1" }), "not_author");
    const { seq } = await ok(push(ada.channel, "card_merged", { card_id: "k2", into_card_id: "k1" }));
    const got = await waitUntil(() => bo.seen.find((e) => e.seq === seq), { what: "merge at Bo" });
    assert.equal(got.actor.pid, "anonymous");
  });

  test("typing while cards are anonymous names nobody", async () => {
    await ok(push(ada.channel, "typing", {}));
    const typing = await waitUntil(() => bo.seen.find((e) => e.type === "typing"), { what: "typing at Bo" });
    assert.equal(typing.actor.pid, "anonymous");
  });

  test("a rejoin gets the card back as its own; nobody else does", async () => {
    const again = await person(meeting.id, { name: "Adalind", pid: ada.pid, secret: ada.secret });
    assert.deepEqual(again.reply.own_cards, ["k1"]);
    const card = again.reply.state.cards.find((c) => c.card_id === "k1");
    assert.equal(card.author, "anonymous");
    assert.equal(card.anonymous, true);
    const boAgain = await person(meeting.id, { name: "Bo", pid: bo.pid, secret: bo.secret });
    assert.equal(boAgain.reply.own_cards, undefined);
    const franAgain = await person(meeting.id, { name: "Fran", pid: fran.pid, secret: fran.secret, token: meeting.facilitator_token });
    assert.equal(franAgain.reply.own_cards, undefined);
  });

  test("turning the setting off keeps earlier cards anonymous and attributes new ones", async () => {
    await ok(push(fran.channel, "settings_changed", { anonymous_cards: false }));
    await ok(push(ada.channel, "card_added", { card_id: "k3", title: "Signed card" }));
    const { events } = await getEvents(server, meeting.id);
    assert.equal(events.find((e) => e.type === "card_added" && e.data.card_id === "k3").actor.pid, ada.pid);
    assert.equal(events.find((e) => e.type === "card_added" && e.data.card_id === "k1").actor.pid, "anonymous");
  });

  test("no HTTP view ties the anonymous cards to their author", async () => {
    const base = `/api/meetings/${meeting.id}`;
    const { events } = await getEvents(server, meeting.id);
    const anonSeqs = events.filter((e) => ["k1", "k2"].includes(e.data.card_id) && e.type.startsWith("card_")).map((e) => e.seq);
    assert.ok(anonSeqs.length >= 4);

    const audit = JSON.parse(await text(`${base}/audit?format=json`));
    const rows = audit.events;
    for (const seq of anonSeqs) {
      const row = rows.find((r) => r.seq === seq);
      assert.ok(row, `audit row ${seq}`);
      if (row.actor_pid === fran.pid) continue; // the facilitator's own edit is hers
      assert.equal(row.actor_pid, "anonymous", JSON.stringify(row));
      assert.ok(!JSON.stringify(row).includes("Adalind"), JSON.stringify(row));
    }
    const csv = await text(`${base}/audit?format=csv`);
    for (const line of csv.split("\n").filter((l) => /card_(added|edited|merged)/.test(l) && /\bk[12]\b|Pay is|Salary/.test(l))) {
      assert.ok(!line.includes("Adalind") || line.includes("Signed card"), line);
    }

    const state = JSON.parse(await text(`${base}/state?seq=${events.at(-1).seq}`)).state;
    assert.equal(state.cards.find((c) => c.card_id === "k1").author, "anonymous");

    const summary = await text(`${base}/summary.md`);
    const k1Line = summary.split("\n").find((l) => l.includes("Pay is unclear"));
    assert.ok(!k1Line || !k1Line.includes("Adalind"), k1Line);

    // Participation counts only the card Ada signed; the anonymous ones count for "anonymous".
    const analytics = JSON.parse(await text(`${base}/analytics`));
    assert.equal(analytics.participation.find((p) => p.pid === ada.pid)?.cards ?? 0, 1);
  });
});

describe("facilitator role", () => {
  let meeting, fran, ada, bo;
  before(async () => {
    meeting = await createMeeting(server, "Roles");
    fran = await person(meeting.id, { name: "Fran", token: meeting.facilitator_token });
    ada = await person(meeting.id, { name: "Ada" });
    bo = await person(meeting.id, { name: "Bo" });
  });

  test("a participant cannot take the role", async () => {
    await rejected(push(ada.channel, "facilitator_changed", { pid: ada.pid }), "not_facilitator");
  });

  test("the role goes to a participant only", async () => {
    await rejected(push(fran.channel, "facilitator_changed", { pid: "p_nobody" }), "no_such_participant");
    await rejected(push(fran.channel, "facilitator_changed", {}), "invalid_payload");
  });

  test("handing over moves every facilitator right; the token holder can take it back", async () => {
    const { seq } = await ok(push(fran.channel, "facilitator_changed", { pid: bo.pid }));
    const seen = await waitUntil(() => ada.seen.find((e) => e.seq === seq), { what: "hand-over at Ada" });
    assert.equal(seen.data.pid, bo.pid);

    await ok(push(bo.channel, "phase_changed", { phase: "vote" }));
    await rejected(push(fran.channel, "phase_changed", { phase: "collect" }), "not_facilitator");
    await rejected(push(ada.channel, "phase_changed", { phase: "collect" }), "not_facilitator");
    // Bo may pass it on without a token.
    await ok(push(bo.channel, "facilitator_changed", { pid: ada.pid }));
    await ok(push(ada.channel, "meeting_renamed", { title: "Roles, by Ada" }));
    await rejected(push(bo.channel, "meeting_renamed", { title: "Bo's" }), "not_facilitator");

    await ok(push(fran.channel, "facilitator_changed", { pid: fran.pid }));
    await ok(push(fran.channel, "phase_changed", { phase: "collect" }));
    await rejected(push(ada.channel, "phase_changed", { phase: "vote" }), "not_facilitator");

    const fresh = await person(meeting.id, { name: "Cy" });
    assert.equal(fresh.reply.state.facilitator, fran.pid);
  });

  test("the audit shows who held the role when", async () => {
    const audit = JSON.parse(await text(`/api/meetings/${meeting.id}/audit?format=json`));
    const rows = audit.events.filter((r) => r.type === "facilitator_changed");
    assert.deepEqual(rows.map((r) => r.actor), ["Fran", "Bo", "Fran"]);
    assert.match(rows[0].summary, /Bo/);
    assert.match(rows[1].summary, /Ada/);
  });
});
