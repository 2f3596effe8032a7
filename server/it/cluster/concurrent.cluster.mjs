// Contention: many clients on every node push into ONE meeting at once, with client-chosen ids. Every
// push ends acked (retried with the same id when the server gave up: "unavailable" or a timeout), the
// log is 1..N without duplicates, every ack matches the log, and every client received every event
// exactly once, in seq order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { startCluster } from "./harness.mjs";
import { checkLog, Member, pushMany } from "./member.mjs";

// 3 nodes x 4 clients x 250 = 3000 pushes. A socket may send 20 messages/s (burst 40), so the pushes
// per client set the duration: ~15 s at the client-side pace of 15/s.
const CLIENTS_PER_NODE = Number(process.env.CLUSTER_CLIENTS_PER_NODE ?? 4);
const PER_CLIENT = Number(process.env.CLUSTER_PUSHES_PER_CLIENT ?? 250);

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

test(`${3 * CLIENTS_PER_NODE * PER_CLIENT} concurrent pushes into one meeting through three nodes`, { timeout: 240000 }, async () => {
  const m = await createMeeting(cluster, "Contention");
  const members = [];
  for (const node of cluster.nodes) {
    for (let k = 0; k < CLIENTS_PER_NODE; k++) {
      members.push(await Member.join(node, m.id, { name: `${node.name}-${k}`, cluster, pushTimeoutMs: 15000 }));
    }
  }
  // One card to hang the notes on: notes have no per-meeting limit (cards stop at 500).
  const card = await members[0].pushUntilAcked("card_added", { card_id: "k", title: "Contention" }, "c-card");

  const counts = {};
  const started = performance.now();
  const acks = (
    await Promise.all(
      members.map((mb, i) =>
        pushMany(
          mb,
          PER_CLIENT,
          (k) => ({
            type: "note_added",
            data: { card_id: "k", note_id: `n-${i}-${k}`, text: `note ${i}/${k}`, kind: "takeaway" },
            id: `c-${i}-${k}`,
          }),
          { window: 8, counts },
        ),
      ),
    )
  ).flat();
  const elapsed = performance.now() - started;
  console.log(`${acks.length} acked in ${elapsed.toFixed(0)} ms; retried: ${JSON.stringify(counts)}`);

  const acked = [card, ...acks];
  assert.equal(new Set(acked.map((a) => a.seq)).size, acked.length, "every ack has its own seq");
  const log = await cluster.log(m.id);
  await waitUntil(() => members.every((mb) => mb.lastSeq >= log.length), {
    what: `every client at seq ${log.length}`,
    timeoutMs: 30000,
  });
  assert.deepEqual(checkLog(log, { acks: acked, members }), []);
  const batched = members.reduce((n, mb) => n + mb.received.filter((r) => r.via === "events").length, 0);
  const all = members.reduce((n, mb) => n + mb.received.length, 0);
  console.log(`${batched} of the ${all} events the members received came in "events" batches`);
  const ours = new Set(acked.map((a) => a.id));
  assert.equal(log.filter((e) => ours.has(e.id)).length, acked.length, "every push stored exactly once");
});
