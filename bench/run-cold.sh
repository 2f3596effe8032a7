#!/usr/bin/env bash
# Benchmark 2 of "io threads and the reader pool": p99 delivery latency of live rooms while one big
# meeting is opened cold or exported, before vs after.
#
#   bench/run-cold.sh [CASE…]      cases: before:idle before:open before:export after:idle after:open
#                                   after:export after-snap:open after-snap:export (default: all)
#
# Store: one 100,000-event meeting (m_big, gen_meetings → `confab import`; imported logs have no
# snapshots). after-snap: the same store after `confab rebuild-views` (backfills snapshots).
# Live load: 100 rooms x 50 members, 1 publisher each at 10 events/s = 1,000 events/s = 50,000
# deliveries/s; WARMUP s, then a DURATION s window. DISTURB_AT s into the window (confab_load --disturb):
#   open    GET /api/meetings/m_big (its room loads cold: the whole log, or the newest snapshot + tail)
#           then GET /api/meetings/m_big/state?seq=50000
#   export  GET /api/meetings/m_big/events?format=ndjson read at EXPORT_RATE (curl --limit-rate)
# The after server runs with THREADS io threads (default 1, like before).
source "$(dirname "$0")/lib.sh"
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(before:idle before:open before:export after:idle after:open after:export after-snap:open after-snap:export)
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
DISTURB_AT=${DISTURB_AT:-5}
EXPORT_RATE=${EXPORT_RATE:-2M}
THREADS=${THREADS:-1}
OUT=${OUT:-/tmp/confab-bench-cold.jsonl}
: >"$OUT"
WORK=$(mktemp -d /tmp/confab-cold.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

gen_once big 1 100000 m_big_
NDJSON=$DATA/big/m_big_0.ndjson

# prepared stores, built once per binary: $WORK/{before,after,after-snap}.db
prepare() {
  local kind=$1 bin=$AFTER
  [ "$kind" = before ] && bin=$BEFORE
  [ -f "$WORK/$kind.db" ] && return
  local t0
  t0=$(now_ms)
  import_ndjson "$bin" "$WORK/$kind.db" "$NDJSON" m_big
  echo "$kind: import of 100k events took $(( $(now_ms) - t0 )) ms"
  if [ "$kind" = after-snap ]; then
    t0=$(now_ms)
    "$bin" rebuild-views --store "sqlite:$WORK/$kind.db" | tail -2
    echo "$kind: rebuild-views took $(( $(now_ms) - t0 )) ms"
  fi
}

for c in "${CASES[@]}"; do
  kind=${c%%:*} what=${c#*:}
  bin=$AFTER flags=(--threads "$THREADS")
  [ "$kind" = before ] && bin=$BEFORE flags=()
  prepare "$kind"
  rm -rf "$WORK/run"; mkdir "$WORK/run"
  cp "$WORK/$kind.db" "$WORK/run/s.db"
  for f in "$WORK/$kind.db"-wal "$WORK/$kind.db"-shm; do [ -f "$f" ] && cp "$f" "$WORK/run/s.db${f#"$WORK/$kind.db"}"; done
  serve "$bin" "$WORK/run/s.db" "${flags[@]}"
  echo "=== $c (pid $SERVER_PID, ready in $SERVE_READY_MS ms, RSS $(rss_kb "$SERVER_PID") KiB, load $(loadavg)) ==="
  disturb=()
  case $what in
    idle) ;;
    open) disturb=(--disturb "curl -sS -o /dev/null -w 'open: GET meeting %{http_code} %{time_total}s; ' $URL/api/meetings/m_big; curl -sS -o /dev/null -w 'GET state?seq=50000 %{http_code} %{time_total}s\n' '$URL/api/meetings/m_big/state?seq=50000'") ;;
    export) disturb=(--disturb "curl -sS --limit-rate $EXPORT_RATE -o /dev/null -w 'export: %{http_code} %{size_download} bytes in %{time_total}s\n' '$URL/api/meetings/m_big/events?format=ndjson'") ;;
  esac
  "${RUN[@]}" "$LOAD" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --meetings 100 --members 50 --publishers 1 \
    --rates 10 --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000 --timeline \
    --disturb-at "$DISTURB_AT" "${disturb[@]}" --label "$c;$(loadavg)" --json-out "$OUT" >"$WORK/load.txt" 2>&1 || true
  grep -E 'delivered|send->delivery|server CPU|client CPU|disturbance|open:|export:|errors' "$WORK/load.txt" || true
  sed -n '/timeline/,/errors/p' "$WORK/load.txt" | awk 'NR>1 && $3 > 0' | head -25
  grep -iE 'error|warn' "$WORK/run/s.db.log" | head -3 || true
  stop_server
done

echo
echo "| case | load/PSI | delivered/s | p50 ms | p99 ms | p99.9 ms | max ms | seconds with >1% over 10 ms | server µs/delivery | disturbance wall s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    case, load = r["label"].split(";")
    w, d = r["window"], r["latency"]["delivery"]
    bad = sum(1 for n, o, m in r.get("timeline", []) if n and o > n / 100)
    dist = r.get("disturbance", {}).get("wall_s")
    print(f"| {case} | {load} | {w['deliveries_per_s']:,.0f} | {d['p50_us']/1e3:.1f} | {d['p99_us']/1e3:.1f} | "
          f"{d['p999_us']/1e3:.1f} | {d['max_us']/1e3:.0f} | {bad} | {w['server_cpu_us_per_delivery']:.2f} | "
          f"{'' if dist is None else f'{dist:.2f}'} |")
PY
