// The log tools on the shared PostgreSQL log: export is the log byte for byte, import of that export
// makes an identical meeting, check finds nothing wrong, rebuild-views runs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { CONFAB_BIN, createMeeting } from "../lib.mjs";
import { startCluster } from "./harness.mjs";
import { Member, pushMany } from "./member.mjs";

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 2 });
});
after(() => cluster?.stop());

function confab(args, input) {
  const r = spawnSync(CONFAB_BIN, [...args, "--store", cluster.pg.url], { input, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("confab export, import, check and rebuild-views work on PostgreSQL", { timeout: 120000 }, async () => {
  const m = await createMeeting(cluster, "Tools");
  const members = [];
  for (const node of cluster.nodes) members.push(await Member.join(node, m.id, { name: node.name, cluster }));
  await Promise.all(
    members.map((mb, i) =>
      pushMany(mb, 10, (k) => ({ type: "card_added", data: { card_id: `c${i}-${k}`, title: `Card ${k}` }, id: `t-${i}-${k}` })),
    ),
  );

  const exported = confab(["export", m.id]);
  assert.equal(exported.code, 0, exported.err);
  const lines = exported.out.trim().split("\n");
  const log = await cluster.log(m.id);
  assert.deepEqual(lines.map((l) => JSON.parse(l).seq), log.map((e) => e.seq), "export is the log, in order");
  assert.deepEqual(lines.map((l) => JSON.parse(l).id), log.map((e) => e.id));

  const imported = confab(["import", "-", "--meeting", `${m.id}-copy`], exported.out);
  assert.equal(imported.code, 0, imported.err);
  assert.equal(JSON.parse(imported.out).events, lines.length);
  const again = confab(["export", `${m.id}-copy`]);
  assert.equal(again.out, exported.out, "export → import → export round-trips byte for byte");

  const check = confab(["check"]);
  assert.equal(check.code, 0, check.out + check.err);
  assert.match(check.out, /0 problems/);
  const rebuild = confab(["rebuild-views"]);
  assert.equal(rebuild.code, 0, rebuild.err);
});
