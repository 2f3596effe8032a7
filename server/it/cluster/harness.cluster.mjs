// The harness itself: the cluster comes up behind HAProxy, its services restart, and stop() leaves
// no process behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { httpStatus, startCluster } from "./harness.mjs";

test("a cluster starts, serves through HAProxy, survives service restarts and stops without orphans", { timeout: 120000 }, async (t) => {
  const cluster = await startCluster({ nodes: 3, t });
  assert.equal(cluster.nodes.length, 3);
  assert.equal(await httpStatus(`${cluster.url}/healthz`), 200);
  for (const n of cluster.nodes) assert.equal(await httpStatus(`${n.url}/livez`), 200, `${n.name} /livez`);
  assert.deepEqual(
    (await cluster.haproxy.servers()).map((s) => [s.name, s.status]),
    cluster.nodes.map((n) => [n.name, "UP"]),
  );

  const m = await createMeeting(cluster, "Harness");
  const log = await cluster.log(m.id);
  assert.deepEqual(log.map((e) => e.seq), [1], "meeting_created is in PostgreSQL");
  assert.deepEqual(await cluster.query("SELECT $1::text, $2::int + 1", ["it's", 41]), [["it's", "42"]]);

  await cluster.nats.restart();
  assert.ok((await cluster.nats.connections()) >= 0);
  await cluster.pg.restart({ mode: "immediate" });
  await waitUntil(async () => (await httpStatus(`${cluster.url}/healthz`)) === 200, {
    what: "ready again after the PostgreSQL crash",
    timeoutMs: 30000,
  });
  assert.deepEqual(await cluster.log(m.id), log, "the log survived an immediate shutdown");

  await cluster.nodes[0].kill9();
  await cluster.haproxy.waitUp(["node2", "node3"]);
  await cluster.nodes[0].restart();
  await cluster.haproxy.waitUp();

  await cluster.stop();
  assert.deepEqual(cluster.orphans(), [], "no process of the cluster is left");
});
