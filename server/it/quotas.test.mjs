// The abuse quotas (docs/operations.md § Quotas, issue 12) against the real binary with the official
// phoenix client: meeting creations per address (HTTP 429), members per meeting (`meeting_full`) and
// events per meeting over all its sockets (`rate_limited`). Each server here starts with low quotas.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { connect, createMeeting, getEvents, join, push, startServer } from "./lib.mjs";

const servers = [];
const sockets = [];
async function serve(args) {
  const s = await startServer({ args });
  servers.push(s);
  return s;
}
async function open(server) {
  const s = await connect(server, { reconnectAfterMs: () => 60000 });
  sockets.push(s);
  return s;
}
after(async () => {
  for (const s of sockets) s.disconnect();
  for (const s of servers) await s.stop();
});

function post(server, body = { title: "Retro" }) {
  return fetch(`${server.base}/api/meetings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("meetings per address per minute", () => {
  test("the N+1th creation is 429 rate_limited with Retry-After; a bad request does not count", async () => {
    const server = await serve(["--meetings-per-address-per-minute", "3"]);
    assert.equal((await post(server, {})).status, 400);
    for (let i = 0; i < 3; i++) assert.equal((await post(server)).status, 201, `creation ${i + 1}`);
    const res = await post(server);
    assert.equal(res.status, 429);
    assert.match(res.headers.get("content-type"), /^application\/json/);
    const body = await res.json();
    assert.equal(body.error, "rate_limited");
    assert.equal(typeof body.detail, "string");
    // A token comes back every 60 s / 3: whole seconds until then.
    const retry = res.headers.get("retry-after");
    assert.match(retry, /^[0-9]+$/);
    assert.ok(Number(retry) >= 1 && Number(retry) <= 20, `Retry-After ${retry}`);
  });
});

describe("members and events per meeting", () => {
  test("a new participant past members_per_meeting gets meeting_full; a member rejoins", async () => {
    const server = await serve(["--members-per-meeting", "3"]);
    const m = await createMeeting(server);
    const members = [];
    for (const name of ["Ada", "Bob", "Cy"]) {
      const j = await join(await open(server), m.id, { name });
      assert.equal(j.status, "ok", JSON.stringify(j.response));
      members.push(j.response);
    }
    const refused = await join(await open(server), m.id, { name: "Eve" });
    assert.deepEqual([refused.status, refused.response], ["error", { reason: "meeting_full" }]);
    // The facilitator's token does not make a fourth participant either.
    const fay = await join(await open(server), m.id, { name: "Fay", token: m.facilitator_token });
    assert.deepEqual([fay.status, fay.response], ["error", { reason: "meeting_full" }]);

    const back = await join(await open(server), m.id, { name: "Ada", pid: members[0].pid, secret: members[0].secret });
    assert.equal(back.status, "ok", JSON.stringify(back.response));
    assert.equal(back.response.pid, members[0].pid);
    const { events } = await getEvents(server, m.id);
    assert.deepEqual(
      events.filter((e) => e.type === "participant_joined").map((e) => e.actor.pid),
      members.map((r) => r.pid),
    );
    const info = await (await fetch(`${server.base}/api/meetings/${m.id}`)).json();
    assert.equal(info.participants.length, 3);
  });

  test("many sockets together past events_per_meeting_per_second get rate_limited; nothing refused is stored", async () => {
    // 10 a second, burst 20; 5 sockets × 8 pushes sent at once, each socket far inside its own 20/s
    // (burst 40): only the meeting's limit can refuse them.
    const server = await serve(["--events-per-meeting-per-second", "10"]);
    const m = await createMeeting(server);
    const channels = [];
    for (let i = 0; i < 5; i++) {
      const j = await join(await open(server), m.id, { name: `P${i}` });
      assert.equal(j.status, "ok");
      channels.push(j.channel);
    }
    const sent = [];
    channels.forEach((ch, i) => {
      for (let k = 0; k < 8; k++) {
        const id = `q-${i}-${k}`;
        sent.push(push(ch, "card_added", { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` }, id).then((r) => ({ id, ...r })));
      }
    });
    const results = await Promise.all(sent);
    const ok = results.filter((r) => r.status === "ok");
    const limited = results.filter((r) => r.status !== "ok");
    for (const r of limited) assert.deepEqual([r.status, r.response], ["error", { reason: "rate_limited" }], r.id);
    assert.ok(ok.length >= 20, `the burst of 20 is accepted (got ${ok.length})`);
    assert.ok(limited.length >= 1, "40 pushes at once exceed a burst of 20");

    const { events } = await getEvents(server, m.id);
    const stored = new Set(events.filter((e) => e.type === "card_added").map((e) => e.id));
    assert.deepEqual([...stored].sort(), ok.map((r) => r.id).sort());
    for (const r of limited) assert.ok(!stored.has(r.id), `${r.id} was refused but stored`);
  });
});
