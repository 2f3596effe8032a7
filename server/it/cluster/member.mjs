// A meeting member as the web app is one: an official phoenix client socket with one channel on
// `meeting:ID` that rejoins by itself after a reconnect with its identity and `since` = the last seq it
// holds (CONTRACT §1 Join), a phoenix.js Presence, and a record of everything it received, checked
// as it arrives: seqs must come exactly once and in order (gap-free across resumes). A join reply
// holds either the state at head_seq (first join, or a rejoin too far behind) or, resumed, the events
// missed; broadcasts come as "event" (one) or "events" (a batch), taken one by one in order.
import { Presence } from "phoenix";
import { connect, onEvents, reply } from "../lib.mjs";

// Reasons after which the same push (same id) is sent again: the store or a node was away, or the
// client went too fast. Anything else is a test failure.
const RETRYABLE = new Set(["unavailable", "timeout", "rate_limited", "not_joined"]);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Client-side pacing under the server's per-socket token bucket (20/s, burst 40), so long runs of
// pushes are not refused; rate_limited replies are still retried if they happen.
class Pacer {
  constructor(perSecond = 15, burst = 30) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.at = performance.now();
    this.queue = Promise.resolve();
  }

  take() {
    this.queue = this.queue.then(async () => {
      for (;;) {
        const now = performance.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
        this.at = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await sleep(((1 - this.tokens) / this.perSecond) * 1000);
      }
    });
    return this.queue;
  }
}

export class Member {
  // Connects to `target` (a node or the cluster: anything with socketUrl) and joins meeting:ID.
  // Options: identity {pid, secret} to be an existing participant; socket (phoenix Socket options);
  // pushTimeoutMs; cluster (to have the socket disconnected by cluster.stop()).
  static async join(target, meetingId, { name = "Member", identity, socket: socketOpts, pushTimeoutMs = 10000, cluster } = {}) {
    const m = new Member(name, meetingId, identity, pushTimeoutMs);
    m.socket = await connect(target, { timeout: pushTimeoutMs, ...socketOpts });
    cluster?.track(m.socket);
    await m.#joinChannel();
    return m;
  }

  constructor(name, meetingId, identity, pushTimeoutMs) {
    this.name = name;
    this.meetingId = meetingId;
    this.identity = identity ?? null;
    this.pushTimeoutMs = pushTimeoutMs;
    this.pacer = new Pacer();
    this.joins = []; // [{params, status, response}] every join attempt's params and its reply
    this.firstHead = null; // head_seq of the first join: this member is accountable for what follows
    this.lastSeq = 0;
    this.received = []; // [{seq, id, via: "join" | "event" | "events"}] for seq > firstHead, in arrival order
    this.covered = []; // [{from, to}]: seqs a rejoin's state covered (from > firstHead), not received one by one
    this.anomalies = []; // strings: duplicates, gaps, unexpected join replies
    this.failures = {}; // reason -> count, for pushes that were retried
  }

  async #joinChannel() {
    const channel = this.socket.channel(`meeting:${this.meetingId}`, () => {
      const params = { name: this.name };
      if (this.identity) Object.assign(params, this.identity);
      if (this.firstHead !== null) params.since = this.lastSeq;
      this.joins.push({ params });
      return params;
    });
    this.channel = channel;
    this.presence = new Presence(channel);
    onEvents(channel, (e, frame) => {
      if (e.seq === undefined) return; // transient
      this.#take(e, frame);
    });
    const onReply = (status) => (response) => {
      const j = this.joins.at(-1);
      if (j && !j.status) Object.assign(j, { status, response });
      if (status === "ok") this.#joined(response);
    };
    const first = reply(channel.join().receive("ok", onReply("ok")).receive("error", onReply("error")));
    const r = await first;
    if (r.status !== "ok") {
      channel.leave();
      throw new Error(`join meeting:${this.meetingId} as ${this.name}: ${JSON.stringify(r)}`);
    }
  }

  #joined(r) {
    this.identity ??= { pid: r.pid, secret: r.secret };
    this.pid = r.pid;
    if (this.firstHead === null) {
      if (r.resumed !== false || r.state?.last_seq !== r.head_seq || "events" in r) {
        this.anomalies.push(`first join: not a state at head_seq ${r.head_seq}: ${JSON.stringify(r).slice(0, 200)}`);
      }
      this.firstHead = r.head_seq;
      this.lastSeq = r.head_seq;
      return;
    }
    if (r.resumed !== true) {
      // Too far behind to resume (or a since ahead of the log): the state at head_seq replaces what
      // this member held, as the web app does. It must not go back.
      if (r.state?.last_seq !== r.head_seq || "events" in r) {
        this.anomalies.push(`rejoin #${this.joins.length}: not a state at head_seq ${r.head_seq}`);
      }
      if (r.head_seq < this.lastSeq) {
        this.anomalies.push(`rejoin #${this.joins.length}: state at ${r.head_seq}, behind ${this.lastSeq} held`);
      } else if (r.head_seq > this.lastSeq) {
        this.covered.push({ from: this.lastSeq + 1, to: r.head_seq });
      }
      this.lastSeq = Math.max(this.lastSeq, r.head_seq);
      return;
    }
    // A resume: the reply must continue exactly where this member was.
    if ("state" in r) this.anomalies.push(`rejoin #${this.joins.length}: resumed with a state`);
    for (const e of r.events ?? []) this.#take(e, "join");
    if (this.lastSeq !== r.head_seq) {
      this.anomalies.push(`rejoin reply ends at ${this.lastSeq}, head_seq is ${r.head_seq}`);
      this.lastSeq = Math.max(this.lastSeq, r.head_seq);
    }
  }

  #take(e, via) {
    if (this.firstHead === null) return; // before the first join reply: not ours to account for
    if (e.seq <= this.lastSeq) {
      if (e.seq > this.firstHead) this.anomalies.push(`duplicate seq ${e.seq} via ${via} (last ${this.lastSeq})`);
      return;
    }
    if (e.seq !== this.lastSeq + 1) this.anomalies.push(`gap: seq ${e.seq} via ${via} after ${this.lastSeq}`);
    this.lastSeq = e.seq;
    this.received.push({ seq: e.seq, id: e.id, via });
  }

  get joined() {
    return this.channel.state === "joined";
  }

  // One push; resolves {status, response} (never rejects).
  async push(type, data, id) {
    await this.pacer.take();
    return reply(this.channel.push("event", { id, type, data }, this.pushTimeoutMs));
  }

  // Pushes the same id until it is acked; retryable failures are counted in `failures` (and in
  // `counts`, when given). Resolves {id, seq, attempts}.
  async pushUntilAcked(type, data, id, { deadlineMs = 90000, counts } = {}) {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const r = await this.push(type, data, id);
      if (r.status === "ok") return { id, seq: r.response.seq, attempts: attempt };
      const reason = r.status === "timeout" ? "timeout" : r.response?.reason;
      if (!RETRYABLE.has(reason)) throw new Error(`${this.name} push ${id}: ${JSON.stringify(r)}`);
      this.failures[reason] = (this.failures[reason] ?? 0) + 1;
      if (counts) counts[reason] = (counts[reason] ?? 0) + 1;
      if (Date.now() > deadline) throw new Error(`${this.name} push ${id}: not acked after ${attempt} attempts (${reason})`);
      // Back off a little (client behaviour, not a wait for a condition), then wait to be joined.
      await sleep(Math.min(50 * attempt, 500));
      const until = Date.now() + 30000;
      while (!this.joined && Date.now() < until) await sleep(20);
    }
  }

  // pid -> [names] as this member's phoenix.js Presence lists them.
  presentPids() {
    return this.presence.list((pid) => pid).sort();
  }

  close() {
    this.socket.disconnect();
  }
}

// Runs `count` pushes of the member concurrently, at most `window` in flight. `make(k)` returns
// {type, data, id} for the k-th one; `onAck` sees every ack. Resolves the acks in k order.
export async function pushMany(member, count, make, { window = 8, counts, onAck, deadlineMs } = {}) {
  const acks = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const k = next++;
      const { type, data, id } = make(k);
      acks[k] = await member.pushUntilAcked(type, data, id, { counts, deadlineMs });
      onAck?.(acks[k]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return acks;
}

// Asserts about one meeting's log against what clients were told and received. Returns a list of
// problems (empty when all is well) so a test can report them all at once.
export function checkLog(log, { acks = [], members = [] } = {}) {
  const problems = [];
  log.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`log seq ${e.seq} at position ${i + 1}: not contiguous from 1`);
  });
  const byId = new Map();
  for (const e of log) {
    if (byId.has(e.id)) problems.push(`id ${e.id} stored twice (seqs ${byId.get(e.id)} and ${e.seq})`);
    byId.set(e.id, e.seq);
  }
  for (const a of acks) {
    if (byId.get(a.id) !== a.seq) problems.push(`acked ${a.id} at seq ${a.seq}, log has it at ${byId.get(a.id)}`);
  }
  const head = log.length;
  for (const m of members) {
    for (const a of m.anomalies) problems.push(`${m.name}: ${a}`);
    // What a state took the place of is not received one by one.
    const inState = (seq) => m.covered.some((c) => c.from <= seq && seq <= c.to);
    const expected = log.filter((e) => e.seq > m.firstHead && !inState(e.seq));
    const got = m.received;
    if (got.length !== expected.length || got.some((r, i) => r.seq !== expected[i].seq || r.id !== expected[i].id)) {
      const firstBad = got.findIndex((r, i) => r.seq !== expected[i]?.seq || r.id !== expected[i]?.id);
      problems.push(
        `${m.name}: received ${got.length} events after seq ${m.firstHead}, log has ${expected.length} (head ${head}); ` +
          `first difference at #${firstBad}: got ${JSON.stringify(got[firstBad])}, log ${JSON.stringify(expected[firstBad])}`,
      );
    }
  }
  return problems;
}
