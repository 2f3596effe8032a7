// NATS restarted while clients push on every node. NATS is only the fast path between nodes: events
// appended meanwhile reach the other nodes' clients later, read from PostgreSQL when a node notices the
// seq gap, so every client still ends with every event, once and in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { startCluster } from "./harness.mjs";
import { checkLog, Member, pushMany } from "./member.mjs";

const PER_NODE = 2;
const PER_PHASE = 15;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

test("NATS restart mid-stream: delivery resumes and every client gets every event in order", { timeout: 180000 }, async () => {
  const m = await createMeeting(cluster, "Bus restart");
  const members = [];
  for (const node of cluster.nodes) {
    for (let k = 0; k < PER_NODE; k++) {
      members.push(await Member.join(node, m.id, { name: `${node.name}-${k}`, cluster, pushTimeoutMs: 10000 }));
    }
  }
  const connected = await cluster.nats.connections();
  const counts = {};
  const phase = (name) =>
    Promise.all(
      members.map((mb, i) =>
        pushMany(
          mb,
          PER_PHASE,
          (k) => ({
            type: "card_added",
            data: { card_id: `k-${name}-${i}-${k}`, title: `Card ${name} ${i}/${k}` },
            id: `nats-${name}-${i}-${k}`,
          }),
          { window: 3, counts },
        ),
      ),
    ).then((a) => a.flat());

  // Before: the bus carries everything.
  const acks = await phase("before");
  // During: the bus goes away while pushes are in flight; appends go on (the log is PostgreSQL).
  const during = phase("during");
  await cluster.nats.stop();
  acks.push(...(await during));
  // After: the bus is back and every node has reconnected to it; more events reveal any gap.
  await cluster.nats.start();
  await waitUntil(async () => (await cluster.nats.connections()) >= connected, {
    what: `${connected} NATS connections again`,
    timeoutMs: 30000,
    everyMs: 100,
  });
  acks.push(...(await phase("after")));
  console.log(`${acks.length} acked; NATS connections before the restart: ${connected}; retried: ${JSON.stringify(counts)}`);

  const log = await cluster.log(m.id);
  await waitUntil(() => members.every((mb) => mb.lastSeq >= log.length), {
    what: `every client at seq ${log.length}`,
    timeoutMs: 30000,
  });
  assert.deepEqual(checkLog(log, { acks, members }), []);
  assert.equal(acks.length, 3 * members.length * PER_PHASE);
});
