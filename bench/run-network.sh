#!/usr/bin/env bash
# Network benchmarks of `confab serve` with our Phoenix V2 load generator (bench/load/confab_load).
#
#   bench/run-network.sh            build (Release) and run scenarios a, b and c
#   bench/run-network.sh b c        only those scenarios
#
# Each scenario gets a fresh server on a free loopback port with a temporary SQLite store, so RSS
# baselines are not polluted by an earlier run. Results: human-readable on stdout, one JSON line per
# scenario appended to $RESULTS (default server/build-bench/network-results.jsonl).
# Everything stays on 127.0.0.0/8. Knobs (environment): SERVER_FLAGS (extra `confab serve` flags),
# B_PUBLISHERS, B_RATE, B_MEMBERS, C_MEETINGS, C_RATE, DURATION, WARMUP, THREADS.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/quotas-off.sh"
BUILD=${BUILD:-$ROOT/server/build-bench}
RESULTS=${RESULTS:-$BUILD/network-results.jsonl}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-1}
SERVER_FLAGS=${SERVER_FLAGS:-}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(a b c)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S "$ROOT/server" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD" -j2 confab confab_load
fi
CONFAB=$BUILD/confab
LOAD=$BUILD/bench/load/confab_load

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n); $(nproc) CPUs; $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"

SERVER_PID=""
TMP=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  [ -n "$TMP" ] && rm -rf "$TMP"
  TMP=""
}
trap stop_server EXIT INT TERM

start_server() {
  TMP=$(mktemp -d /tmp/confab-bench.XXXXXX)
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086
  "$CONFAB" serve --listen "127.0.0.1:$PORT" --store "sqlite:$TMP/bench.db" $SERVER_FLAGS >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log"; echo "server died"; exit 1; }
    sleep 0.1
  done
  sleep 1  # let the process settle before the idle RSS sample
  echo "server pid $SERVER_PID on 127.0.0.1:$PORT ($(grep VmRSS /proc/$SERVER_PID/status | xargs))"
}

run_load() {
  echo "+ confab_load $*"
  "$LOAD" --url "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --threads "$THREADS" --json-out "$RESULTS" "$@"
}

for s in "${SCENARIOS[@]}"; do
  echo
  case "$s" in
    a)
      echo "=== a) idle: 10,000 joined connections in 200 meetings of 50 ==="
      start_server
      run_load --label a-idle --idle --meetings "${A_MEETINGS:-200}" --members 50 --connect-rate 2000 --hold 10
      ;;
    b)
      # One publisher socket would hit the per-socket rate limit; the rate is split over B_PUBLISHERS.
      echo "=== b) one room of ${B_MEMBERS:-5000}, ${B_RATE:-200} events/s ==="
      start_server
      run_load --label b-big-room --meetings 1 --members "${B_MEMBERS:-5000}" --publishers "${B_PUBLISHERS:-20}" \
        --rate "${B_RATE:-200}" --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000
      ;;
    c)
      # 100 meetings x 50 members x 10 events/s = 1,000 events/s durable = 50,000 deliveries/s.
      echo "=== c) ${C_MEETINGS:-100} meetings x 50 members, ${C_RATE:-10} events/s each ==="
      start_server
      run_load --label c-many-rooms --meetings "${C_MEETINGS:-100}" --members 50 --publishers 1 \
        --rate "${C_RATE:-10}" --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000
      ;;
    *) echo "unknown scenario $s"; exit 2 ;;
  esac
  grep -iE 'error|warn' "$TMP/server.log" | sort | uniq -c | sort -rn | head -5 || true
  stop_server
done
echo
echo "results appended to $RESULTS"
