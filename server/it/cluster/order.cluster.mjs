// One meeting, members on three nodes: everyone sees the same events in the same order, which is the
// order of the log in PostgreSQL; a push retried on another node is the same event, not a new one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { httpLog, startCluster } from "./harness.mjs";
import { checkLog, Member, pushMany } from "./member.mjs";

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

const PER_MEMBER = 20;

test("members on node1, node2 and node3 receive the log's events, in the log's order", { timeout: 120000 }, async () => {
  const m = await createMeeting(cluster, "Order");
  const members = [];
  for (const node of cluster.nodes) {
    for (const k of [1, 2]) members.push(await Member.join(node, m.id, { name: `${node.name}-${k}`, cluster }));
  }

  const acks = (
    await Promise.all(
      members.map((mb, i) =>
        pushMany(mb, PER_MEMBER, (k) => ({
          type: "card_added",
          data: { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` },
          id: `order-${i}-${k}`,
        }), { window: 4 }),
      ),
    )
  ).flat();

  const log = await cluster.log(m.id);
  const head = log.length;
  assert.ok(head >= members.length * PER_MEMBER, `log has ${head} events`);
  await waitUntil(() => members.every((mb) => mb.lastSeq >= head), {
    what: `every member at seq ${head}`,
    timeoutMs: 20000,
  });
  assert.deepEqual(checkLog(await cluster.log(m.id), { acks, members }), []);

  // The same sequence everywhere, from the point all of them had joined.
  const from = Math.max(...members.map((mb) => mb.firstHead));
  const seen = (mb) => mb.received.filter((r) => r.seq > from).map((r) => `${r.seq}:${r.id}`);
  const expected = log.filter((e) => e.seq > from).map((e) => `${e.seq}:${e.id}`);
  for (const mb of members) assert.deepEqual(seen(mb), expected, `${mb.name} saw the log's order`);

  // Every node serves that same log over HTTP.
  for (const node of cluster.nodes) assert.deepEqual(await httpLog(node, m.id), log, `${node.name} GET events`);
});

test("a push retried (same id) on another node replies the original seq and is stored once", { timeout: 60000 }, async () => {
  const m = await createMeeting(cluster, "Retry");
  const ada1 = await Member.join(cluster.nodes[0], m.id, { name: "Ada", cluster });
  const data = { card_id: "k1", title: "Why are builds slow?" };
  const first = await ada1.push("card_added", data, "retry-1");
  assert.equal(first.status, "ok", JSON.stringify(first));
  const seq = first.response.seq;

  // The same person, reconnected to node2 (and then node3), sends it again: same event, same seq.
  const ada2 = await Member.join(cluster.nodes[1], m.id, { name: "Ada", identity: ada1.identity, cluster });
  assert.deepEqual(await ada2.push("card_added", data, "retry-1"), { status: "ok", response: { seq } });
  const ada3 = await Member.join(cluster.nodes[2], m.id, { name: "Ada", identity: ada1.identity, cluster });
  assert.deepEqual(await ada3.push("card_added", data, "retry-1"), { status: "ok", response: { seq } });

  // A new event after the retries gets the next seq (nothing was appended by them).
  const next = await ada3.push("card_added", { card_id: "k2", title: "Flaky tests" }, "retry-2");
  assert.equal(next.status, "ok", JSON.stringify(next));
  const log = await cluster.log(m.id);
  assert.deepEqual(checkLog(log), []);
  assert.equal(log.filter((e) => e.id === "retry-1").length, 1, "stored once");
  assert.equal(log.find((e) => e.id === "retry-1").seq, seq);
  assert.equal(next.response.seq, log.at(-1).seq);
  assert.ok(log.every((e) => e.seq <= next.response.seq));
});
