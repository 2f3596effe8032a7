// kill -9 of a node while clients push through HAProxy: its clients reconnect through HAProxy to the
// other nodes and resume with `since` = the last seq they saw; nothing acked is lost, nobody misses or
// repeats an event; the node, restarted, serves again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMeeting, waitUntil } from "../lib.mjs";
import { startCluster } from "./harness.mjs";
import { checkLog, Member, pushMany } from "./member.mjs";

const CLIENTS = 6;
const PER_CLIENT = 60;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3 });
});
after(() => cluster?.stop());

test("kill -9 of a node mid-stream: clients resume elsewhere, nothing acked is lost", { timeout: 180000 }, async () => {
  const m = await createMeeting(cluster, "Crash");
  const members = [];
  for (let i = 0; i < CLIENTS; i++) {
    members.push(
      await Member.join(cluster, m.id, {
        name: `C${i}`,
        cluster,
        pushTimeoutMs: 5000,
        socket: { reconnectAfterMs: () => 100, rejoinAfterMs: () => 100 },
      }),
    );
  }
  // leastconn spreads the sockets; the victim is a node that holds some.
  await waitUntil(async () => (await cluster.haproxy.servers()).reduce((n, s) => n + s.sessions, 0) === CLIENTS, {
    what: `HAProxy holding ${CLIENTS} sessions`,
  });
  const servers = await cluster.haproxy.servers();
  const victimName = servers.reduce((a, b) => (b.sessions > a.sessions ? b : a)).name;
  const victim = cluster.nodes.find((n) => n.name === victimName);
  const onVictim = servers.find((s) => s.name === victimName).sessions;
  assert.ok(onVictim > 0);

  let acked = 0;
  let killed = null;
  const counts = {};
  const acks = (
    await Promise.all(
      members.map((mb, i) =>
        pushMany(
          mb,
          PER_CLIENT,
          (k) => ({ type: "card_added", data: { card_id: `k-${i}-${k}`, title: `Card ${i}/${k}` }, id: `crash-${i}-${k}` }),
          {
            window: 4,
            counts,
            onAck: () => {
              if (++acked === Math.floor((CLIENTS * PER_CLIENT) / 3)) killed = victim.kill9();
            },
          },
        ),
      ),
    )
  ).flat();
  await killed;
  console.log(`killed ${victimName} (${onVictim} clients) after ${Math.floor((CLIENTS * PER_CLIENT) / 3)} acks; retried: ${JSON.stringify(counts)}`);

  const log = await cluster.log(m.id);
  await waitUntil(() => members.every((mb) => mb.lastSeq >= log.length && mb.joined), {
    what: `every client joined and at seq ${log.length}`,
    timeoutMs: 30000,
  });
  assert.deepEqual(checkLog(log, { acks, members }), []);

  // The victim's clients came back, with their identity and `since`, and were resumed: every event
  // here is state-class, so a rejoin at most 256 (rooms::kResumeWindow) behind gets the events it
  // missed, one further behind the state (which checkLog above accounts for).
  const rejoined = members.filter((mb) => mb.joins.length > 1);
  assert.ok(rejoined.length >= onVictim, `${rejoined.length} clients rejoined, ${onVictim} were on ${victimName}`);
  const behind = [];
  for (const mb of rejoined) {
    const okJoins = mb.joins.filter((j) => j.status === "ok");
    for (const j of okJoins.slice(1)) {
      assert.equal(j.params.pid, mb.pid);
      assert.equal(typeof j.params.since, "number");
      const missed = j.response.head_seq - j.params.since;
      behind.push(missed);
      assert.equal(j.response.resumed, missed <= 256, `${mb.name} rejoined ${missed} behind: resumed ${j.response.resumed}`);
    }
  }
  console.log(`rejoins were ${JSON.stringify(behind)} events behind`);

  // Restarted, the node is taken back by HAProxy and serves: a client on it pushes, everyone sees it.
  await victim.start();
  await cluster.haproxy.waitUp();
  const late = await Member.join(victim, m.id, { name: "Late", cluster });
  const r = await late.pushUntilAcked("card_added", { card_id: "late", title: "After the crash" }, "crash-late");
  const final = await cluster.log(m.id);
  assert.equal(final.at(-1).seq, r.seq);
  await waitUntil(() => [...members, late].every((mb) => mb.lastSeq >= r.seq), {
    what: `every client at seq ${r.seq}`,
    timeoutMs: 15000,
  });
  assert.deepEqual(checkLog(final, { acks: [...acks, r], members: [...members, late] }), []);
});
