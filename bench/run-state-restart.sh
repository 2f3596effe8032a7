#!/usr/bin/env bash
# Benchmark 3 of "io threads and the reader pool": the first GET /api/meetings/ID/state?seq=K (and ?at=T)
# of a 100,000-event meeting right after a restart, before vs after.
#
#   bench/run-state-restart.sh          (REPS restarts per kind and query, default 3)
#
# Store: the meeting of bench/run-cold.sh (gen_meetings 100k → `confab import`), kinds:
#   before       baseline binary (StateAt builds its snapshots lazily: the first query scans the log)
#   after        new binary on the imported store (no snapshots persisted yet)
#   after-snap   new binary after `confab rebuild-views` (snapshots every 1000 events persisted)
# Per rep: start the server, wait for /healthz and for its CPU to go quiet (start-up work is not
# charged to the query), then time the first query with curl (time_total) and the server CPU it cost
# (/proc/PID/stat utime+stime, 10 ms ticks), then a second, warm query at another point.
source "$(dirname "$0")/lib.sh"
KINDS=${KINDS:-"before after after-snap"}
REPS=${REPS:-3}
OUT=${OUT:-/tmp/confab-bench-state.tsv}
: >"$OUT"
WORK=$(mktemp -d /tmp/confab-state.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

gen_once big 1 100000 m_big_
NDJSON=$DATA/big/m_big_0.ndjson
K=50500
AT=$(sed -n "${K}p" "$NDJSON" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ts"])')
AT2=$(sed -n "77777p" "$NDJSON" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ts"])')

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

timed_get() {  # prints "wall_ms cpu_ms http_code"
  local c0 c1 out
  c0=$(cpu_ticks "$SERVER_PID")
  out=$(curl -sS -o "$WORK/body.json" -w '%{time_total} %{http_code}' "$URL$1")
  c1=$(cpu_ticks "$SERVER_PID")
  python3 -c 'import sys; t, code = sys.argv[1].split(); print(f"{float(t)*1000:.1f} {(int(sys.argv[2])-int(sys.argv[3]))*1000//int(sys.argv[4])} {code}")' "$out" "$c1" "$c0" "$CLK_TCK"
}

for kind in $KINDS; do
  bin=$AFTER
  [ "$kind" = before ] && bin=$BEFORE
  t0=$(now_ms)
  import_ndjson "$bin" "$WORK/$kind.db" "$NDJSON" m_big
  echo "$kind: import 100k events: $(( $(now_ms) - t0 )) ms"
  if [ "$kind" = after-snap ]; then
    t0=$(now_ms)
    "$bin" rebuild-views --store "sqlite:$WORK/$kind.db" | tail -1
    echo "$kind: rebuild-views: $(( $(now_ms) - t0 )) ms"
  fi
  for q in "seq=$K" "at=$AT"; do
    for rep in $(seq 1 "$REPS"); do
      serve "$bin" "$WORK/$kind.db"
      ready=$SERVE_READY_MS
      wait_quiet
      la=$(loadavg)
      read -r w1 c1 code1 < <(timed_get "/api/meetings/m_big/state?$q")
      head -c 120 "$WORK/body.json" | tr -d '\n' | cut -c1-100 | sed 's/^/    body: /'; echo
      case $q in seq=*) q2="seq=77777" ;; *) q2="at=$AT2" ;; esac
      read -r w2 c2 _ < <(timed_get "/api/meetings/m_big/state?$q2")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "${q%%=*}" "$rep" "$ready" "$w1" "$c1" "$code1" "$w2" "$c2" "$la" >>"$OUT"
      echo "  $kind $q rep $rep: ready ${ready} ms; first ${w1} ms (server CPU ${c1} ms, $code1); second ${w2} ms (CPU ${c2} ms); load $la"
      stop_server
    done
  done
done

echo
echo "| kind | query | server ready (ms) | first query wall ms (median; all) | first query server CPU ms (median) | second query wall ms (median) | load |"
echo "|---|---|---:|---:|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import sys, statistics as st, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    kind, q, rep, ready, w1, c1, code1, w2, c2, la = line.rstrip("\n").split("\t")
    rows.setdefault((kind, q), []).append((float(ready), float(w1), float(c1), float(w2), la, code1))
for (kind, q), rs in rows.items():
    med = lambda i: st.median(r[i] for r in rs)
    codes = ",".join(sorted(set(r[5] for r in rs)))
    print(f"| {kind} | {q} | {med(0):.0f} | **{med(1):.0f}** ({', '.join(f'{r[1]:.0f}' for r in rs)}) | {med(2):.0f} | {med(3):.0f} | {rs[0][4]}–{rs[-1][4]} |"
          + ("" if codes == "200" else f" HTTP {codes}"))
PY
