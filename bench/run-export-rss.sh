#!/usr/bin/env bash
# Benchmark 5 of "io threads and the reader pool": server memory while streaming an NDJSON export of a
# 100,000-event meeting vs a 10,000-event one (flat memory = the same peak for both), before vs after.
#
#   bench/run-export-rss.sh
#
# Store: m_big (100k events) and m_10k (10k events), gen_meetings → `confab import`. Per export: reset
# the peak (echo 5 > /proc/PID/clear_refs), then GET /api/meetings/ID/events?format=ndjson with curl
# --limit-rate $EXPORT_RATE (default 4M: a slow reader), sampling VmRSS every 20 ms. Reported: RSS before,
# VmHWM (peak) during, peak − before, bytes, wall, server CPU (utime+stime) per 1,000 events.
source "$(dirname "$0")/lib.sh"
KINDS=${KINDS:-"before after"}
EXPORT_RATE=${EXPORT_RATE:-4M}
OUT=${OUT:-/tmp/confab-bench-export.tsv}
: >"$OUT"
WORK=$(mktemp -d /tmp/confab-export.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

gen_once big 1 100000 m_big_
gen_once mid 1 10000 m_10k_

for kind in $KINDS; do
  bin=$AFTER
  [ "$kind" = before ] && bin=$BEFORE
  import_ndjson "$bin" "$WORK/$kind.db" "$DATA/big/m_big_0.ndjson" m_big
  import_ndjson "$bin" "$WORK/$kind.db" "$DATA/mid/m_10k_0.ndjson" m_10k
  serve "$bin" "$WORK/$kind.db"
  sleep 1
  for m in m_10k m_big m_10k m_big; do
    echo 5 >"/proc/$SERVER_PID/clear_refs"
    before=$(rss_kb "$SERVER_PID")
    c0=$(cpu_ticks "$SERVER_PID")
    ( while kill -0 "$SERVER_PID" 2>/dev/null; do rss_kb "$SERVER_PID"; sleep 0.02; done ) >"$WORK/samples" &
    sampler=$!
    la=$(loadavg)
    read -r code bytes wall < <(curl -sS --limit-rate "$EXPORT_RATE" -o "$WORK/out.ndjson" \
      -w '%{http_code} %{size_download} %{time_total}\n' "$URL/api/meetings/$m/events?format=ndjson")
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    c1=$(cpu_ticks "$SERVER_PID")
    hwm=$(hwm_kb "$SERVER_PID")
    smax=$(sort -n "$WORK/samples" | tail -1)
    lines=$(wc -l <"$WORK/out.ndjson")
    cpu_ms=$(( (c1 - c0) * 1000 / CLK_TCK ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$m" "$code" "$lines" "$bytes" "$wall" "$before" "$hwm" "$smax" "$cpu_ms" "$la" >>"$OUT"
    echo "  $kind $m: HTTP $code, $lines lines, $bytes bytes in ${wall}s; RSS before ${before} KiB, peak ${hwm} KiB (sampled max ${smax}); server CPU ${cpu_ms} ms; load $la"
  done
  stop_server
done

echo
echo "| binary | meeting | events | MiB | wall s | RSS before MB | peak RSS MB | peak − before MB | server CPU ms | CPU µs/event | load |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$OUT" <<'PY'
import sys
for line in open(sys.argv[1]):
    kind, m, code, lines, nbytes, wall, before, hwm, smax, cpu, la = line.rstrip("\n").split("\t")
    peak = max(int(hwm), int(smax or 0))
    ev = int(lines)
    print(f"| {kind} | {m} | {ev:,} | {int(nbytes)/1048576:.1f} | {float(wall):.2f} | {int(before)/1024:.1f} | {peak/1024:.1f} | "
          f"**{(peak-int(before))/1024:+.1f}** | {cpu} | {1000*int(cpu)/max(ev,1):.1f} | {la} |" + ("" if code == "200" else f" HTTP {code}"))
PY
