// Hostile and malformed input over raw `ws`: every case is answered or closed cleanly, and a
// well-behaved client on another socket keeps working throughout.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { connect, createMeeting, join, push, startServer, waitUntil } from "./lib.mjs";

let server;
let meeting;
let good; // {socket, channel}
let goodCount = 0;

before(async () => {
  server = await startServer();
  meeting = await createMeeting(server, "Hostile");
  const socket = await connect(server);
  const j = await join(socket, meeting.id, { name: "Good" });
  assert.equal(j.status, "ok");
  good = { socket, channel: j.channel };
});
after(async () => {
  good?.socket.disconnect();
  await server?.stop();
});

// The well-behaved client still gets acks (and the server is alive).
async function assertGoodClientWorks() {
  const n = ++goodCount;
  const r = await push(good.channel, "card_added", { card_id: `good-${n}`, title: `Still fine ${n}` });
  assert.equal(r.status, "ok", JSON.stringify(r));
  const rtt = await new Promise((resolve) => good.socket.ping(resolve));
  assert.equal(typeof rtt, "number");
}

// A raw V2 socket: `frames` are the parsed text frames received, `closed` resolves {code, reason}.
function raw() {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket/websocket?vsn=2.0.0`);
  const frames = [];
  ws.on("message", (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()));
  });
  const closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: `${reason}` })));
  ws.on("error", () => {}); // a server close mid-send can surface as an error; `closed` still resolves
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const replyTo = (ref) => waitUntil(() => frames.find((f) => f[3] === "phx_reply" && f[1] === ref), { what: `reply ${ref}` });
  return { ws, frames, closed, opened, replyTo };
}

// Resolves to "closed" (with the code) or "answered" with the reply to `ref`.
async function answeredOrClosed(r, ref) {
  let closedWith = null;
  r.closed.then((c) => (closedWith = c));
  const outcome = await waitUntil(
    () => (closedWith ? { closed: closedWith } : r.frames.find((f) => f[1] === ref) ? { answered: r.frames.find((f) => f[1] === ref) } : null),
    { what: `answer or close for ${ref}` },
  );
  return outcome;
}

test("oversized frame: closed with 1009 (or refused by the transport)", async () => {
  const r = raw();
  await r.opened;
  r.ws.send(JSON.stringify(["1", "1", `meeting:${meeting.id}`, "phx_join", { name: "x".repeat(200 * 1024) }]));
  const { code } = await r.closed;
  assert.ok([1009, 1008, 1006].includes(code), `close code ${code}`);
  await assertGoodClientWorks();
});

test("a frame over 16 KiB but under the frame limit is answered message_too_large", async () => {
  const r = raw();
  await r.opened;
  r.ws.send(JSON.stringify(["1", "1", `meeting:${meeting.id}`, "phx_join", { name: "x".repeat(20 * 1024) }]));
  const o = await answeredOrClosed(r, "1");
  assert.equal(o.answered?.[4].response.reason, "message_too_large", JSON.stringify(o));
  r.ws.close();
  await assertGoodClientWorks();
});

for (const [name, text] of [
  ["invalid JSON", "this is not json"],
  ["a JSON object instead of an array", JSON.stringify({ topic: "x", event: "y", payload: {}, ref: "1" })],
  ["wrong arity", JSON.stringify(["1", "1", "meeting:x", "phx_join"])],
  ["numeric refs", JSON.stringify([1, 1, "meeting:x", "phx_join", {}])],
  ["deep nesting", `["1","1","t","e",{"a":${"[".repeat(5000)}${"]".repeat(5000)}}]`],
]) {
  test(`${name}: the connection is closed cleanly`, async () => {
    const r = raw();
    await r.opened;
    r.ws.send(text);
    const { code } = await r.closed;
    assert.equal(code, 1008);
    await assertGoodClientWorks();
  });
}

test("non-UTF-8 bytes in a text frame: closed", async () => {
  const r = raw();
  await r.opened;
  const bytes = Buffer.concat([Buffer.from('["1","1","phoenix","heartbeat",{"a":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}]')]);
  r.ws.send(bytes, { binary: false });
  const { code } = await r.closed;
  assert.ok([1007, 1008].includes(code), `close code ${code}`);
  await assertGoodClientWorks();
});

test("payload that is not an object: answered invalid_payload", async () => {
  const r = raw();
  await r.opened;
  r.ws.send(JSON.stringify(["1", "1", `meeting:${meeting.id}`, "phx_join", [1, 2]]));
  assert.equal((await r.replyTo("1"))[4].response.reason, "invalid_payload");
  r.ws.close();
  await assertGoodClientWorks();
});

test("unknown topic, push before join, leave of an unjoined topic", async () => {
  const r = raw();
  await r.opened;
  r.ws.send(JSON.stringify(["1", "1", "room:lobby", "phx_join", {}]));
  assert.deepEqual(await r.replyTo("1"), [null, "1", "room:lobby", "phx_reply", { status: "error", response: { reason: "unmatched topic" } }]);
  const topic = `meeting:${meeting.id}`;
  r.ws.send(JSON.stringify([null, "2", topic, "event", { id: "x", type: "card_added", data: {} }]));
  assert.deepEqual(await r.replyTo("2"), [null, "2", topic, "phx_reply", { status: "error", response: { reason: "unmatched topic" } }]);
  r.ws.send(JSON.stringify(["9", "3", topic, "phx_leave", {}]));
  assert.deepEqual(await r.replyTo("3"), ["9", "3", topic, "phx_reply", { status: "ok", response: {} }]);
  r.ws.close();
  await assertGoodClientWorks();
});

test("stale join_ref is ignored, null join_ref is accepted", async () => {
  const r = raw();
  await r.opened;
  const topic = `meeting:${meeting.id}`;
  r.ws.send(JSON.stringify(["5", "5", topic, "phx_join", { name: "Raw" }]));
  assert.equal((await r.replyTo("5"))[4].status, "ok");
  r.ws.send(JSON.stringify(["4", "6", topic, "event", { id: "stale", type: "typing", data: {} }]));
  r.ws.send(JSON.stringify([null, "7", topic, "event", { id: "fresh", type: "typing", data: {} }]));
  const fresh = await r.replyTo("7");
  assert.deepEqual(fresh.slice(0, 2), ["5", "7"]);
  // Frames are answered in order, so had "6" been answered it would be here by now.
  assert.equal(r.frames.find((f) => f[1] === "6"), undefined);
  r.ws.close();
  await assertGoodClientWorks();
});

test("binary frames: a well-formed push gets an error reply, garbage is closed 1003", async () => {
  const r = raw();
  await r.opened;
  const topic = `meeting:${meeting.id}`;
  const header = Buffer.from([0, 1, 1, topic.length, 3]);
  r.ws.send(Buffer.concat([header, Buffer.from(`18${topic}bin`), Buffer.from([1, 2, 3])]), { binary: true });
  const rep = await r.replyTo("8");
  assert.equal(rep[4].status, "error");
  assert.equal(rep[4].response.reason, "invalid_payload");
  r.ws.send(Buffer.from([9, 9, 9]), { binary: true });
  assert.equal((await r.closed).code, 1003);
  await assertGoodClientWorks();
});

test("a flood is rate limited, not fatal", async () => {
  const r = raw();
  await r.opened;
  for (let i = 0; i < 200; i++) r.ws.send(JSON.stringify([null, `f${i}`, "nope:1", "event", {}]));
  await waitUntil(() => r.frames.filter((f) => f[1]?.startsWith("f")).length === 200, { what: "200 answers" });
  const limited = r.frames.filter((f) => f[4].response?.reason === "rate_limited").length;
  assert.ok(limited >= 100, `rate limited ${limited} of 200`);
  r.ws.close();
  await assertGoodClientWorks();
});

test("an unsupported vsn is refused", async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket/websocket?vsn=1.0.0`);
  const status = await new Promise((resolve) => {
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
    ws.on("open", () => resolve("open"));
    ws.on("error", () => {});
  });
  ws.terminate();
  assert.equal(status, 403);
  await assertGoodClientWorks();
});
