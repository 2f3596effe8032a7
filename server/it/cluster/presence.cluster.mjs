// Presence across nodes, as phoenix.js Presence sees it: every client lists every member on every
// node; when a node is killed its members drop out of every other node's list; a member on the
// restarted node shows up everywhere again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { startCluster } from "./harness.mjs";
import { Member } from "./member.mjs";

const PER_NODE = 2;
// Generous: the assertion is on the lists, not on how fast they converge.
const CONVERGE_MS = 15000;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

async function everyoneLists(members, pids, what) {
  const want = [...pids].sort();
  try {
    await waitUntil(() => members.every((mb) => JSON.stringify(mb.presentPids()) === JSON.stringify(want)), {
      what,
      timeoutMs: CONVERGE_MS,
      everyMs: 50,
    });
  } catch (e) {
    const lists = members.map((mb) => `${mb.name}: ${mb.presentPids().join(" ")}`).join("\n");
    throw new Error(`${e.message}; wanted ${want.join(" ")}; lists:\n${lists}`);
  }
}

test("Presence lists members of every node; a killed node's members disappear everywhere", { timeout: 120000 }, async () => {
  const m = await createMeeting(cluster, "Presence");
  const members = [];
  for (const node of cluster.nodes) {
    for (let k = 0; k < PER_NODE; k++) {
      const mb = await Member.join(node, m.id, { name: `${node.name}-${k}`, cluster });
      mb.node = node;
      members.push(mb);
    }
  }
  await everyoneLists(members, members.map((mb) => mb.pid), "every member listed on every node");
  for (const mb of members) {
    const listed = mb.presence.list((pid, { metas }) => ({ pid, metas }));
    for (const { pid, metas } of listed) {
      const owner = members.find((x) => x.pid === pid);
      assert.ok(metas.some((meta) => meta.name === owner.name), `${mb.name} lists ${owner.name} by name`);
    }
  }

  const victim = cluster.nodes[1];
  await victim.kill9();
  const gone = members.filter((mb) => mb.node === victim);
  for (const mb of gone) mb.close(); // they cannot reconnect to a dead node; stop them trying
  const survivors = members.filter((mb) => mb.node !== victim);
  await everyoneLists(survivors, survivors.map((mb) => mb.pid), `${victim.name}'s members gone from the other nodes`);

  await victim.start();
  const back = await Member.join(victim, m.id, { name: "Back", cluster });
  back.node = victim;
  const now = [...survivors, back];
  await everyoneLists(now, now.map((mb) => mb.pid), "a member of the restarted node listed everywhere");
});
