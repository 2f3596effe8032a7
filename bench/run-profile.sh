#!/usr/bin/env bash
# Where the server's time goes under load: `perf record` (software cpu-clock sampling, call graphs by
# frame pointer) on `confab serve` while confab_load runs scenario b or c.
#
#   bench/run-profile.sh c      (default)   100 meetings x 50 members, 10 events/s each
#   bench/run-profile.sh b                  one room of 5,000, 200 events/s
#   bench/run-profile.sh joins              join storms (5,000 joins into 100 new meetings of 50, as fast as
#                                           possible; J_MEETINGS, J_MEMBERS) one after another while perf
#                                           records; CALLGRAPH=dwarf for call chains without a frame-pointer build
#
# Uses the Release build of run-network.sh (server/build-bench) unless PROF_BUILD=1, which builds a
# RelWithDebInfo server with frame pointers in server/build-bench-prof for complete call chains.
# Prints the flat profile (self time by symbol) and inclusive costs; perf.data stays in the build dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/quotas-off.sh"
if [ "${PROF_BUILD:-0}" = 1 ]; then
  BUILD=${BUILD:-$ROOT/server/build-bench-prof}
  FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS=-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer")
else
  BUILD=${BUILD:-$ROOT/server/build-bench}
  FLAGS=(-DCMAKE_BUILD_TYPE=Release)
fi
SCEN=${1:-c}
SECONDS_TO_RECORD=${RECORD:-15}

if [ "${SKIP_BUILD:-0}" != 1 ]; then  # SKIP_BUILD=1: profile the binaries already in $BUILD
  cmake -S "$ROOT/server" -B "$BUILD" -G Ninja "${FLAGS[@]}" >/dev/null
  ninja -C "$BUILD" -j2 confab confab_load
fi
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

TMP=$(mktemp -d /tmp/confab-prof.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BUILD/confab" serve --listen "127.0.0.1:$PORT" --store "sqlite:$TMP/bench.db" ${SERVER_FLAGS:-} >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

CALLGRAPH=${CALLGRAPH:-fp}
if [ "$SCEN" = joins ]; then
  # perf first, then storms until it ends: every sample falls in some join storm or its settle.
  perf record -e cpu-clock -F "${FREQ:-999}" --call-graph "$CALLGRAPH" -p "$SERVER_PID" -o "$BUILD/perf.data" \
    -- sleep "$SECONDS_TO_RECORD" >"$TMP/perf.log" 2>&1 &
  PERF_PID=$!
  sleep 0.5
  n=0
  while kill -0 "$PERF_PID" 2>/dev/null; do
    "$BUILD/bench/load/confab_load" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --idle \
      --meetings "${J_MEETINGS:-100}" --members "${J_MEMBERS:-50}" --connect-rate 100000 --max-pending-connects 512 \
      --settle 30 --connect-timeout "$SECONDS_TO_RECORD" >"$TMP/load.log" 2>&1 || true
    n=$((n + 1))
    grep -E 'join storm|server CPU:' "$TMP/load.log" | sed "s/^/storm $n: /"
  done
  wait "$PERF_PID" || true
  tail -1 "$TMP/perf.log"
else
case "$SCEN" in
  b) SHAPE=(--meetings 1 --members "${B_MEMBERS:-5000}" --publishers "${B_PUBLISHERS:-20}" --rate "${B_RATE:-200}") ;;
  c) SHAPE=(--meetings 100 --members 50 --publishers 1 --rate 10) ;;
  *) echo "scenario b, c or joins"; exit 2 ;;
esac
"$BUILD/bench/load/confab_load" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" "${SHAPE[@]}" \
  --warmup 3 --duration $((SECONDS_TO_RECORD + 4)) >"$TMP/load.log" 2>&1 &
LOAD_PID=$!
until grep -q 'presence settled' "$TMP/load.log"; do
  kill -0 "$LOAD_PID" 2>/dev/null || { cat "$TMP/load.log"; exit 1; }
  sleep 0.2
done
sleep 4  # past the warm-up
perf record -e cpu-clock -F 1999 -g -p "$SERVER_PID" -o "$BUILD/perf.data" -- sleep "$SECONDS_TO_RECORD" 2>&1 | tail -1
wait "$LOAD_PID" || true
LOAD_PID=""
cat "$TMP/load.log"
fi
echo
echo "=== flat profile (self time) ==="
perf report -i "$BUILD/perf.data" --stdio --no-children --sort dso,symbol -g none --percent-limit 0.7 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed -E 's/ +- +- *$//; s/ +$//' | head -60
echo
echo "=== inclusive (children) ==="
perf report -i "$BUILD/perf.data" --stdio --children --sort symbol -g none --percent-limit 4 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed -E 's/ +- +- *$//; s/ +$//' | head -50
