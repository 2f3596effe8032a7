#!/usr/bin/env bash
# Benchmark 1 of "io threads and the reader pool": fan-out throughput with 1 and 2 io threads, before
# (baseline binary, one io thread) and after (`confab serve --threads 1|2`).
#
#   bench/run-threads.sh [a] [b]        (default: both shapes)
#
# a) 100 rooms x 100 members, 2 publishers per room; rate sweep A_RATES events/s per room
#    (default 10,15,20,25,30 => 100k..300k deliveries/s offered; 15 = the 150k/s of the brief).
# b) 1 room x 2,000 members, 20 publishers; sweep B_RATES events/s (default 100,150,200,250
#    => 200k..500k deliveries/s offered; 200 = the 400k/s of the brief).
# Each config: a fresh server and store, one join storm, then per rate: WARMUP s, a DURATION s window,
# stop, drain (confab_load --rates). Server CPU = /proc/PID/stat utime+stime over the window.
# CONFIGS (default "before after:1 after:2"). Results: one JSON line per step in $OUT (a table at the end).
source "$(dirname "$0")/lib.sh"
SHAPES=("$@")
[ ${#SHAPES[@]} -eq 0 ] && SHAPES=(a b)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONFIGS=${CONFIGS:-"before after:1 after:2"}
CLIENT_THREADS=${CLIENT_THREADS:-1}
OUT=${OUT:-/tmp/confab-bench-threads.jsonl}
: >"$OUT"
WORK=$(mktemp -d /tmp/confab-threads.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

for shape in "${SHAPES[@]}"; do
  for cfg in $CONFIGS; do
    bin=$AFTER flags=()
    case $cfg in
      before) bin=$BEFORE ;;
      after:*) flags=(--threads "${cfg#after:}") ;;
    esac
    rm -f "$WORK"/*
    serve "$bin" "$WORK/s.db" "${flags[@]}"
    echo "=== $shape $cfg (pid $SERVER_PID, load $(loadavg)) ==="
    case $shape in
      a) args=(--meetings 100 --members 100 --publishers 2 --rates "${A_RATES:-10,15,20,25,30}") ;;
      b) args=(--meetings 1 --members 2000 --publishers 20 --rates "${B_RATES:-100,150,200,250}") ;;
    esac
    "${RUN[@]}" "$LOAD" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --threads "$CLIENT_THREADS" \
      --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000 --label "$shape;$cfg;$(loadavg)" \
      --json-out "$OUT" "${args[@]}" | grep -E '^== rate|delivered|send->delivery|server CPU|client CPU|drain|joined|errors' || true
    # Where the server's CPU went, per thread (whole run, join storm included): are both io threads used?
    echo "server CPU per thread (ms, whole run): $(for t in /proc/"$SERVER_PID"/task/*; do
      printf '%s/%s=%s ' "$(cat "$t/comm")" "$(basename "$t")" "$(ticks_to_ms "$(awk '{ print $14 + $15 }' "$t/stat")")"; done)"
    grep -ciE 'error|warn' "$WORK/s.db.log" | xargs -I{} echo "server log warn/error lines: {}"
    stop_server
  done
done

echo
echo "| shape | config | load/PSI | offered/s | delivered/s | p50 ms | p99 ms | max ms | server CPU % | server µs/delivery | client µs/delivery | drained |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
python3 - "$OUT" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    shape, cfg, load = r["label"].split(";")
    w, d = r["window"], r["latency"]["delivery"]
    offered = r["shape"]["meetings"] * r["shape"]["members_per_meeting"] * r["shape"]["rate_per_meeting"]
    print(f"| {shape} | {cfg} | {load} | {offered:,.0f} | {w['deliveries_per_s']:,.0f} | {d['p50_us']/1e3:.1f} | "
          f"{d['p99_us']/1e3:.1f} | {d['max_us']/1e3:.0f} | {100*w['server_cpu_s']/w['seconds']:.0f} | "
          f"{w['server_cpu_us_per_delivery']:.2f} | {w['client_cpu_us_per_delivery']:.2f} | {'yes' if w['drained'] else 'NO'} |")
PY
