# shellcheck shell=bash
# Shared helpers of the before/after benchmark scripts (run-threads.sh, run-cold.sh, run-state-restart.sh,
# run-startup-rss.sh, run-export-rss.sh). Source it; it defines:
#   BEFORE, AFTER      confab binaries (env overrides). Defaults: the baseline worktree's RelWithDebInfo build
#                      (git worktree add /tmp/confab-before abd9d1d; see docs/benchmarks.md) and server/build-bench.
#   LOAD, GEN          confab_load and gen_meetings (the same sources build in either tree)
#   DATA               cache of generated NDJSON (default /tmp/confab-bench-data)
#   serve BIN STORE [flags…]   start `BIN serve` on a free port; sets SERVER_PID PORT URL; waits for /healthz
#   stop_server                 SIGTERM, then SIGKILL after 10 s
#   cpu_ticks PID               utime+stime of all threads (clock ticks, /proc/PID/stat)
#   rss_kb PID / hwm_kb PID     VmRSS / VmHWM in KiB
#   loadavg                     the 1-minute load average and CPU pressure ("3.1/psi62": PSI cpu some avg10 %)
#   NICE                        niceness of the server and of the load generator, each in its own autogroup
#                               (bench/prio.sh; default -10): other tenants' compilers share the 2 cores, and
#                               without it wall figures measure their run queue, not the server
#   import_ndjson BIN STORE FILE ID   confab import, quiet
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$BENCH_ROOT/bench/quotas-off.sh"
BEFORE=${BEFORE:-/tmp/confab-before/build/confab}
AFTER=${AFTER:-$BENCH_ROOT/server/build-bench/confab}
pick() { for f in "$@"; do [ -x "$f" ] && { echo "$f"; return; }; done; echo "$1"; }
LOAD=${LOAD:-$(pick "$BENCH_ROOT/server/build-bench/bench/load/confab_load" /tmp/confab-before/build/bench/load/confab_load)}
GEN=${GEN:-$(pick "$BENCH_ROOT/server/build-bench/bench/gen/gen_meetings" /tmp/confab-before/build/bench/gen/gen_meetings)}
DATA=${DATA:-/tmp/confab-bench-data}
CLK_TCK=$(getconf CLK_TCK)
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

SERVER_PID=""
PORT=""
URL=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
loadavg() { echo "$(cut -d' ' -f1 /proc/loadavg)/psi$(sed -n 's/^some avg10=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null)"; }
NICE=${NICE:--10}
RUN=(setsid "$BENCH_ROOT/bench/prio.sh")
export NICE
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
ticks_to_ms() { echo $(( $1 * 1000 / CLK_TCK )); }

# serve BIN STORE [extra serve flags…]: logs to $STORE.log; SERVE_READY_MS = exec → /healthz 200.
serve() {
  local bin=$1 store=$2
  shift 2
  PORT=$(free_port)
  URL="http://127.0.0.1:$PORT"
  local t0
  t0=$(now_ms)
  "${RUN[@]}" "$bin" serve --listen "127.0.0.1:$PORT" --store "sqlite:$store" "$@" >"$store.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$store.log"; echo "server died"; return 1; }
    sleep 0.05
  done
  export SERVE_READY_MS=$(( $(now_ms) - t0 ))
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

import_ndjson() {
  "$1" import "$3" --meeting "$4" --store "sqlite:$2" >/dev/null
}

# gen_once NAME MEETINGS EVENTS: $DATA/NAME/m_*.ndjson, generated once and cached.
gen_once() {
  local dir=$DATA/$1
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$GEN" --out "$dir" --meetings "$2" --events "$3" --prefix "${4:-m_gen_}"
    touch "$dir/.done"
  fi
}

# label_of BIN: "before" / "after" for the table.
label_of() { [ "$1" = "$BEFORE" ] && echo before || echo after; }
