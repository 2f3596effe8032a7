// PostgreSQL restarted (fast shutdown, then start) while clients push on every node: meanwhile pushes
// fail ("unavailable") or time out and are retried with the same id; the nodes recover by themselves
// (no node is restarted) and nothing acked is lost.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { httpStatus, startCluster } from "./harness.mjs";
import { checkLog, Member, pushMany } from "./member.mjs";

const PER_NODE = 2;
const PER_CLIENT = 60;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

test("PostgreSQL restart mid-stream: pushes fail meanwhile, then succeed again; nothing acked is lost", { timeout: 180000 }, async () => {
  const m = await createMeeting(cluster, "Store restart");
  const members = [];
  for (const node of cluster.nodes) {
    for (let k = 0; k < PER_NODE; k++) {
      members.push(
        await Member.join(node, m.id, {
          name: `${node.name}-${k}`,
          cluster,
          pushTimeoutMs: 5000,
          socket: { reconnectAfterMs: () => 100, rejoinAfterMs: () => 100 },
        }),
      );
    }
  }
  const total = members.length * PER_CLIENT;
  const counts = {};
  let acked = 0;
  let outage = null;
  const failed = () => (counts.unavailable ?? 0) + (counts.timeout ?? 0);
  const restartStore = async () => {
    await cluster.pg.stop({ mode: "fast" });
    // Down until pushes have visibly failed: the outage is observed, not assumed.
    await waitUntil(() => failed() >= members.length, { what: "pushes failing while the store is down", timeoutMs: 60000 });
    await cluster.pg.start();
  };

  const acks = (
    await Promise.all(
      members.map((mb, i) =>
        pushMany(
          mb,
          PER_CLIENT,
          (k) => ({ type: "card_added", data: { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` }, id: `pg-${i}-${k}` }),
          {
            window: 2,
            counts,
            deadlineMs: 120000,
            onAck: () => {
              if (++acked === Math.floor(total / 3)) outage = restartStore();
            },
          },
        ),
      ),
    )
  ).flat();
  await outage;
  console.log(`PostgreSQL restarted after ${Math.floor(total / 3)} acks; retried: ${JSON.stringify(counts)}`);
  assert.ok(failed() > 0, "pushes failed while the store was down");

  // The nodes are ready again by themselves (no node was restarted), and HAProxy routes to all.
  for (const node of cluster.nodes) assert.ok(node.alive, `${node.name} still running`);
  await waitUntil(async () => (await Promise.all(cluster.nodes.map((n) => httpStatus(`${n.base}/healthz`)))).every((s) => s === 200), {
    what: "every node's /healthz 200",
    timeoutMs: 30000,
  });
  await cluster.haproxy.waitUp();

  const log = await cluster.log(m.id);
  await waitUntil(() => members.every((mb) => mb.lastSeq >= log.length && mb.joined), {
    what: `every client joined and at seq ${log.length}`,
    timeoutMs: 30000,
  });
  assert.deepEqual(checkLog(log, { acks, members }), []);
  assert.equal(acks.length, total);
});
