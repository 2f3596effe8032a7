#!/usr/bin/env bash
# Benchmark 4 of "io threads and the reader pool": start-up time and RSS on a store of 1,000 meetings
# and 1,000,000 events, before vs after.
#
#   bench/run-startup-rss.sh            (REPS starts per binary, default 2)
#
# Store: gen_meetings --meetings 1000 --events 1000 (NDJSON, cached in $DATA/m1000), then 1,000
# `confab import` runs per binary (each binary writes its own store format). Per start:
#   listen ms   exec → the port accepts a TCP connection (bash /dev/tcp, no request sent)
#   RSS listen  VmRSS at that moment
#   ready ms    exec → first GET /healthz answered 200
#   RSS healthz VmRSS right after that reply; RSS +2 s two seconds later; HWM = VmHWM (peak) then
#   CPU ms      server utime+stime from exec to +2 s
source "$(dirname "$0")/lib.sh"
KINDS=${KINDS:-"before after"}
REPS=${REPS:-2}
OUT=${OUT:-/tmp/confab-bench-startup.tsv}
STORES=${STORES:-/tmp/confab-bench-stores}
: >"$OUT"
mkdir -p "$STORES"
trap 'stop_server' EXIT

gen_once m1000 1000 1000 m_gen_

for kind in $KINDS; do
  bin=$AFTER
  [ "$kind" = before ] && bin=$BEFORE
  db=$STORES/m1000-$kind.db
  if [ ! -f "$db.done" ]; then
    rm -f "$db" "$db"-*
    t0=$(now_ms)
    for f in "$DATA"/m1000/m_gen_*.ndjson; do
      id=$(basename "$f" .ndjson)
      import_ndjson "$bin" "$db" "$f" "$id"
    done
    echo "$kind: 1,000 imports took $(( $(now_ms) - t0 )) ms; store $(du -sh "$db" | cut -f1)"
    touch "$db.done"
  fi
  for rep in $(seq 1 "$REPS"); do
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    la=$(loadavg)
    t0=$(now_ms)
    "${RUN[@]}" "$bin" serve --listen "127.0.0.1:$PORT" --store "sqlite:$db" >"$STORES/serve-$kind.log" 2>&1 &
    SERVER_PID=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
      kill -0 "$SERVER_PID" 2>/dev/null || { cat "$STORES/serve-$kind.log"; exit 1; }
      sleep 0.01
    done
    listen=$(( $(now_ms) - t0 ))
    rss_listen=$(rss_kb "$SERVER_PID")
    until curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; do sleep 0.01; done
    ready=$(( $(now_ms) - t0 ))
    rss_h=$(rss_kb "$SERVER_PID")
    sleep 2
    rss_2=$(rss_kb "$SERVER_PID")
    hwm=$(hwm_kb "$SERVER_PID")
    cpu=$(ticks_to_ms "$(cpu_ticks "$SERVER_PID")")
    thr=$(awk '/^Threads/ { print $2 }' "/proc/$SERVER_PID/status")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$rep" "$listen" "$rss_listen" "$ready" "$rss_h" "$rss_2" "$hwm" "$cpu" "$la" >>"$OUT"
    echo "  $kind rep $rep: listen ${listen} ms (RSS ${rss_listen} KiB), healthz ${ready} ms (RSS ${rss_h} KiB), +2 s RSS ${rss_2} KiB, HWM ${hwm} KiB, CPU ${cpu} ms, ${thr} threads, load $la"
    stop_server
  done
done

echo
echo "| binary | listen ms | ready (/healthz) ms | RSS at listen MB | RSS after /healthz MB | RSS +2 s MB | peak RSS (HWM) MB | start-up CPU ms | load |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import sys
for line in open(sys.argv[1]):
    kind, rep, listen, rl, ready, rh, r2, hwm, cpu, la = line.rstrip("\n").split("\t")
    mb = lambda k: f"{int(k)/1024:.1f}"
    print(f"| {kind} (rep {rep}) | {listen} | {ready} | {mb(rl)} | **{mb(rh)}** | {mb(r2)} | {mb(hwm)} | {cpu} | {la} |")
PY
