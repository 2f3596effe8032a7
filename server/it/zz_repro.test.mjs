import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CONFAB_BIN, startServer, tempDir, makeSocket, reply } from "/work/main/server/it/lib.mjs";
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });
test("repro", async () => {
  const dir = tempDir();
  const dbPath = path.join(dir, "confab.db");
  execFileSync(CONFAB_BIN, ["import", "/tmp/apitest/long.ndjson", "--meeting", "longone", "--store", `sqlite:${dbPath}`]);
  const server = await startServer({ dir });
  servers.push(server);
  const res = await fetch(`${server.base}/api/meetings/longone/events?format=ndjson`);
  const reader = res.body.getReader();
  const first = await reader.read();
  const cold = makeSocket(server, { timeout: 120000 });
  cold.connect();
  const cj = await reply(cold.channel("meeting:longone", { name: "Late" }).join());
  console.log("join", cj.status, cj.response && cj.response.head_seq);
  let text = new TextDecoder().decode(first.value);
  for (;;) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); }
  const lines = text.trimEnd().split("\n");
  console.log("lines", lines.length, lines.slice(-2));
  const seqs = lines.map(l => { try { return JSON.parse(l).seq } catch { return "BAD:" + l.slice(0, 80) } });
  const bad = seqs.map((s, i) => [s, i]).filter(([s, i]) => s !== i + 1).slice(0, 5);
  console.log("mismatch", JSON.stringify(bad));
});
