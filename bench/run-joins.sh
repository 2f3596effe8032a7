#!/usr/bin/env bash
# Joins: state instead of history, batched frames. Before/after on the same machine in one run, a fresh
# server (and store) per config and repetition, alternating before/after so drifting machine load hits
# both alike. See docs/benchmarks.md, "Joins: state instead of history, batched frames".
#
#   BEFORE=… AFTER=… LOAD=… bench/run-joins.sh [a] [b] [c] [d] [e]      (default: all)
#   BEFORE_NAME, AFTER_NAME: their names in the tables (default before, after).
#   BINS="before after" (default) or just one of them: run one side only (e.g. before now, after later;
#   the JSON lines of both halves end up in $RESULTS, and bench/run-joins.sh --tables FILE prints the
#   tables of any such file).
#
# a) join storm: 5,000 joins into 100 meetings of 50, as fast as possible (--connect-rate A_RATE,
#    A_PENDING connects in flight); REPS_A repetitions per binary.
# b) one meeting of 2,000 and of 5,000 (B_SIZES): until all joined and until presence settled.
# c) one join into a 100,000-event meeting (gen_meetings → confab import): per server, one cold join
#    (the room is loaded by it) then WARM_C warm ones, each by its own confab_load process with one
#    member on an otherwise idle server; COLD_C servers per binary. Reply bytes vs the NDJSON's bytes.
# d) 100 meetings × 50 members, 1 publisher each at 10 reactions/s ⇒ 50,000 deliveries/s offered
#    (run-network.sh's scenario c), DURATION s window after WARMUP s; REPS_D per binary.
# e) RSS per joined connection: 10,000 idle joined connections in 200 meetings of 50 (--idle --hold).
#
# Server: `confab serve --threads 1` unless SERVER_FLAGS says otherwise, started by lib.sh's serve
# (setsid bench/prio.sh, nice -10 in its own autogroup), as is the load generator (one thread).
# Figures: server CPU = utime+stime of all its threads (/proc/PID/stat, 10 ms ticks); wall times from
# the members' side (confab_load: first connect, last join reply, last presence_diff / event frame).
source "$(dirname "$0")/lib.sh"

tables() {  # tables FILE: the markdown tables of the JSON lines in FILE (labels "shape;bin;rep;load;…")
  python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def lab(r):
    p = r.get("label", "").split(";")
    return p + [""] * (6 - len(p))
def by(shape):
    return [r for r in rows if lab(r)[0] == shape]
def storm(r):
    return r["join"]["storm"]
a = by("a")
if a:
    print("\n#### a) join storm: 5,000 joins into 100 meetings of 50\n")
    print("| binary | rep | load/PSI | joined | **joins/s** (first connect → last join reply) | **server CPU µs/join** (to the last join reply) | with the settle | presence settled s | join replies MB (max KB) | event frames / deliveries / presence_diff per member |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in a:
        _, b, rep, load, *_ = lab(r)
        s = storm(r)
        print(f"| {b} | {rep} | {load} | {s['joins']:,} | {s['joins_per_s']:,.0f} | {s.get('server_cpu_us_per_join', 0):,.0f} | "
              f"{s.get('server_cpu_us_per_join_with_settle', 0):,.0f} | {s['presence_settled_s']:.2f} | "
              f"{s['join_reply_bytes']/1048576:.1f} ({s['join_reply_max_bytes']/1024:.1f}) | "
              f"{s['event_frames_per_member']:.1f} / {s['deliveries_per_member']:.1f} / {s['presence_diffs_per_member']:.1f} |")
b = by("b")
if b:
    print("\n#### b) N joins into one meeting\n")
    print("| binary | members | load/PSI | joined | **all joined s** | **presence settled s** | last event frame s | joins/s | server CPU µs/join (to last join / with settle) | join replies MB (max KB) | event frames / deliveries / presence_diff per member |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in b:
        _, bn, rep, load, *_ = lab(r)
        s = storm(r)
        print(f"| {bn} | {r['shape']['members_per_meeting']:,} | {load} | {s['joins']:,} | {s['first_connect_to_last_join_s']:.2f} | "
              f"{s['presence_settled_s']:.2f} | {s['events_settled_s']:.2f} | {s['joins_per_s']:,.0f} | "
              f"{s.get('server_cpu_us_per_join', 0):,.0f} / {s.get('server_cpu_us_per_join_with_settle', 0):,.0f} | "
              f"{s['join_reply_bytes']/1048576:.1f} ({s['join_reply_max_bytes']/1024:.1f}) | "
              f"{s['event_frames_per_member']:.1f} / {s['deliveries_per_member']:.1f} / {s['presence_diffs_per_member']:.1f} |")
c = by("c")
if c:
    print("\n#### c) one join into a 100,000-event meeting\n")
    print("| binary | server | join | load/PSI | **join round trip ms** | server CPU ms to the reply (10 ms ticks) | with the settle | **reply bytes** | reply / log bytes |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    agg = {}
    for r in c:
        _, bn, rep, load, kind, logb = lab(r)
        s = storm(r)
        rtt = r["join_latency"]["join"]["max_us"] / 1e3
        print(f"| {bn} | {rep} | {kind} | {load} | {rtt:.1f} | {s.get('server_cpu_join_phase_s', 0)*1e3:.0f} | "
              f"{s.get('server_cpu_join_and_settle_s', 0)*1e3:.0f} | {s['join_reply_max_bytes']:,} | "
              f"{100*s['join_reply_max_bytes']/int(logb):.2f}% |")
        a_ = agg.setdefault((bn, kind), [])
        a_.append((rtt, s.get('server_cpu_join_phase_s', 0)*1e3, s['join_reply_max_bytes']))
    print("\n| binary | join | n | join round trip ms, median (min–max) | server CPU ms per join, mean | reply bytes |")
    print("|---|---|---:|---:|---:|---:|")
    for (bn, kind), v in agg.items():
        rt = sorted(x[0] for x in v)
        print(f"| {bn} | {kind} | {len(v)} | {rt[len(rt)//2]:.1f} ({rt[0]:.1f}–{rt[-1]:.1f}) | "
              f"{sum(x[1] for x in v)/len(v):.1f} | {max(x[2] for x in v):,} |")
d = by("d")
if d:
    print("\n#### d) 100 meetings × 50 members, 10 reactions/s each (50,000 deliveries/s offered)\n")
    print("| binary | rep | load/PSI | delivered/s | **server µs per delivered event** | p50 ms | **p99 ms** | max ms | deliveries per frame | server CPU % | seq gaps / repeats | drained |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in d:
        _, bn, rep, load, *_ = lab(r)
        w, l = r["window"], r["latency"]["delivery"]
        frames = w.get("event_frames", 0) + w.get("batch_frames", 0)
        print(f"| {bn} | {rep} | {load} | {w['deliveries_per_s']:,.0f} | {w['server_cpu_us_per_delivery']:.2f} | "
              f"{l['p50_us']/1e3:.1f} | {l['p99_us']/1e3:.1f} | {l['max_us']/1e3:.0f} | "
              f"{w['deliveries']/frames if frames else 0:.2f} | {100*w['server_cpu_s']/w['seconds']:.0f} | "
              f"{r['run']['seq_gaps']} / {r['run']['seq_repeats']} | {'yes' if w['drained'] else 'NO'} |")
e = by("e")
if e:
    print("\n#### e) 10,000 idle joined connections (200 meetings of 50)\n")
    print("| binary | rep | load/PSI | joined | RSS idle MB | after meetings MB | joined MB | after hold MB | **KB per joined connection** | server CPU µs/join (with settle) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in e:
        _, bn, rep, load, *_ = lab(r)
        m = r["server_memory"]
        print(f"| {bn} | {rep} | {load} | {r['join']['joined']:,} | {m['rss_idle_mb']:.1f} | {m['rss_after_meetings_mb']:.1f} | "
              f"{m['rss_joined_mb']:.1f} | {m.get('rss_after_hold_mb', 0):.1f} | {m['kb_per_connection']:.2f} | "
              f"{1e6*m['join_cpu_s']/max(1, r['join']['joined']):,.0f} |")
PY
}

if [ "${1:-}" = --tables ]; then
  tables "$2"
  exit
fi

SHAPES=("$@")
[ ${#SHAPES[@]} -eq 0 ] && SHAPES=(a b c d e)
BINS=${BINS:-"before after"}
SERVER_FLAGS=${SERVER_FLAGS:---threads 1}
REPS_A=${REPS_A:-3}
A_RATE=${A_RATE:-100000}
A_PENDING=${A_PENDING:-512}
B_SIZES=${B_SIZES:-"2000 5000"}
COLD_C=${COLD_C:-2}
WARM_C=${WARM_C:-5}
REPS_D=${REPS_D:-2}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
RESULTS=${RESULTS:-$BENCH_ROOT/server/build-bench/joins-results.jsonl}
OUT=${OUT:-/tmp/confab-bench-joins.jsonl}  # this run's lines (the tables)
: >"$OUT"
WORK=$(mktemp -d /tmp/confab-joins.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT
echo "open files limit: $(ulimit -n); $(nproc) CPUs; $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"
echo "BEFORE=$BEFORE AFTER=$AFTER LOAD=$LOAD SERVER_FLAGS=$SERVER_FLAGS NICE=$NICE"

bin_of() { [ "$1" = before ] && echo "$BEFORE" || echo "$AFTER"; }
# The binaries' names in labels and tables (e.g. BEFORE_NAME=e61223c AFTER_NAME=672e0d0).
BEFORE_NAME=${BEFORE_NAME:-before}
AFTER_NAME=${AFTER_NAME:-after}
name_of() { [ "$1" = before ] && echo "$BEFORE_NAME" || echo "$AFTER_NAME"; }

# load LABEL ARGS…: confab_load against the running server; its JSON line goes to $OUT and $RESULTS.
load() {
  local label=$1
  shift
  rm -f "$WORK/run.jsonl"
  echo "+ confab_load $*"
  "${RUN[@]}" "$LOAD" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --threads 1 --label "$label" \
    --json-out "$WORK/run.jsonl" "$@" >"$WORK/load.log" 2>&1 || { tail -20 "$WORK/load.log"; echo "confab_load failed"; return 0; }
  grep -E '^joined|join storm|  last presence|  join replies|  per member|  server CPU|^server RSS|after holding|delivered|  frames:|send->delivery|send->ack|  join  |drain|errors|^    [0-9]' \
    "$WORK/load.log" || true
  cat "$WORK/run.jsonl" >>"$OUT"
  cat "$WORK/run.jsonl" >>"$RESULTS"
}

fresh_server() {  # fresh_server BIN: a new store and server
  rm -rf "$WORK/s.db"*
  # shellcheck disable=SC2086
  serve "$1" "$WORK/s.db" $SERVER_FLAGS
  sleep 1  # settle before the idle RSS sample
}

done_server() {
  local n
  n=$(grep -ciE 'error|warn' "$WORK/s.db.log" || true)
  [ "$n" != 0 ] && { echo "server log: $n warn/error lines:"; grep -iE 'error|warn' "$WORK/s.db.log" | sort | uniq -c | sort -rn | head -3; }
  stop_server
}

wait_quiet() {  # until the server's CPU has not moved for 0.5 s (max 30 s)
  local last cur
  last=$(cpu_ticks "$SERVER_PID")
  for _ in $(seq 1 60); do
    sleep 0.5
    cur=$(cpu_ticks "$SERVER_PID")
    [ "$cur" = "$last" ] && return
    last=$cur
  done
}

for shape in "${SHAPES[@]}"; do
  case $shape in
    a)
      for rep in $(seq 1 "$REPS_A"); do
        for b in $BINS; do
          fresh_server "$(bin_of "$b")"
          echo "=== a) join storm, $b rep $rep (pid $SERVER_PID, load $(loadavg)) ==="
          load "a;$(name_of "$b");$rep;$(loadavg)" --idle --meetings 100 --members 50 --connect-rate "$A_RATE" \
            --max-pending-connects "$A_PENDING" --settle 120 --connect-timeout 600
          done_server
        done
      done
      ;;
    b)
      for n in $B_SIZES; do
        for b in $BINS; do
          fresh_server "$(bin_of "$b")"
          echo "=== b) $n joins into one meeting, $b (pid $SERVER_PID, load $(loadavg)) ==="
          load "b;$(name_of "$b");1;$(loadavg)" --idle --meetings 1 --members "$n" --connect-rate "$A_RATE" \
            --max-pending-connects "$A_PENDING" --settle 900 --connect-timeout 1200
          done_server
        done
      done
      ;;
    c)
      gen_once big 1 100000 m_big_
      NDJSON=$DATA/big/m_big_0.ndjson
      LOG_BYTES=$(stat -c %s "$NDJSON")
      for srv in $(seq 1 "$COLD_C"); do
        for b in $BINS; do
          bin=$(bin_of "$b")
          rm -rf "$WORK/s.db"*
          import_ndjson "$bin" "$WORK/s.db" "$NDJSON" m_big
          # shellcheck disable=SC2086
          serve "$bin" "$WORK/s.db" $SERVER_FLAGS
          wait_quiet
          echo "=== c) joins into the 100k-event meeting ($LOG_BYTES bytes of NDJSON), $b server $srv (pid $SERVER_PID) ==="
          for j in $(seq 0 "$WARM_C"); do
            kind=warm
            [ "$j" = 0 ] && kind=cold
            load "c;$(name_of "$b");$srv;$(loadavg);$kind;$LOG_BYTES" --idle --meeting-ids m_big --members 1 --settle 5
            wait_quiet
          done
          done_server
        done
      done
      ;;
    d)
      for rep in $(seq 1 "$REPS_D"); do
        for b in $BINS; do
          fresh_server "$(bin_of "$b")"
          echo "=== d) 100 x 50 at 10/s, $b rep $rep (pid $SERVER_PID, load $(loadavg)) ==="
          load "d;$(name_of "$b");$rep;$(loadavg)" --meetings 100 --members 50 --publishers 1 --rate 10 \
            --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000
          done_server
        done
      done
      ;;
    e)
      for b in $BINS; do
        fresh_server "$(bin_of "$b")"
        echo "=== e) 10,000 idle joined connections, $b (pid $SERVER_PID, load $(loadavg)) ==="
        load "e;$(name_of "$b");1;$(loadavg)" --idle --meetings 200 --members 50 --connect-rate 2000 --hold 10
        done_server
      done
      ;;
    *) echo "unknown shape $shape"; exit 2 ;;
  esac
done

tables "$OUT"
echo
echo "JSON lines appended to $RESULTS (this run's: $OUT)"
