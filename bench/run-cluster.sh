#!/usr/bin/env bash
# Cluster benchmarks: 3 `confab serve` nodes on one PostgreSQL 15 log with NATS between them, against
# the same load on ONE node with the same kind of store (PostgreSQL, no bus). Load: bench/load/confab_load
# with --urls (each meeting's members spread over the nodes), straight to the nodes (no HAProxy: it
# would need 2 fds per connection).
#
#   bench/run-cluster.sh            build (Release, server/build-bench), then scenarios a and b
#   bench/run-cluster.sh b          one scenario
#
#   a) idle: A_MEETINGS (1000) × A_MEMBERS (50) = 50,000 joined connections over the 3 nodes, from
#      A_PROCS (4) load processes (each < 20,000 fds); RSS per connection per node. Then one node with
#      A1_MEETINGS (333) × 50 ≈ 16,667 (what each cluster node holds), from one load process.
#   b) fan-out: B_MEETINGS (100) × B_MEMBERS (50), 1 publisher per meeting, B_RATE (10) durable
#      B_EVENT (reaction) events/s per meeting ⇒ 50,000 deliveries/s; deliveries/s, send→delivery
#      p50/p99 (same-node / cross-node split), CPU µs per delivery summed over the nodes, PostgreSQL
#      (postmaster + backends) and nats-server CPU, NATS msgs/s. Then the same load on one node.
#
# Every configuration gets a fresh stack: PostgreSQL in its own temp data dir (fsync on, as
# scripts/lib/services.sh starts it), nats-server (with its monitoring port), the nodes (--threads 1).
# Everything is stopped on exit. Results: human-readable on stdout, JSON lines appended to $RESULTS
# (default server/build-bench/cluster-results.jsonl): confab_load's own lines for b, and one line per
# configuration of a written by this script.
# Knobs (environment): NODES (3), DURATION (30), WARMUP (5), CONNECT_RATE (a: 1500/s over all
# processes), A_HOLD (5 s held after the last process joined), THREADS (io threads per node, 1),
# NICE (-10: nodes, PostgreSQL, NATS and the load generators each in their own autogroup, bench/prio.sh),
# SKIP_BUILD=1, KEEP=1 (keep the temp dir with logs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/server/build-bench}
RESULTS=${RESULTS:-$BUILD/cluster-results.jsonl}
NODES=${NODES:-3}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-1}
CONNECT_RATE=${CONNECT_RATE:-1500}
A_MEETINGS=${A_MEETINGS:-1000}
A_MEMBERS=${A_MEMBERS:-50}
A_PROCS=${A_PROCS:-4}
A_HOLD=${A_HOLD:-5}
A1_MEETINGS=${A1_MEETINGS:-333}
B_MEETINGS=${B_MEETINGS:-100}
B_MEMBERS=${B_MEMBERS:-50}
B_RATE=${B_RATE:-10}
B_EVENT=${B_EVENT:-reaction}
export NICE=${NICE:--10}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(a b)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S "$ROOT/server" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD" -j2 confab confab_load
fi
CONFAB=$BUILD/confab
LOAD=$BUILD/bench/load/confab_load
CLK_TCK=$(getconf CLK_TCK)

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n); $(nproc) CPUs; $(grep 'model name' /proc/cpuinfo | head -1 | cut -d: -f2 | xargs)"

TMP=$(mktemp -d /tmp/confab-cluster-bench.XXXXXX)
chmod 755 "$TMP"  # the postgres user must reach its data dir below
. "$ROOT/scripts/lib/services.sh"
. "$ROOT/bench/quotas-off.sh"
LOAD_PIDS=()
on_exit() {
  local p
  for p in "${LOAD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  svc_cleanup
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Nodes run as `setsid prio.sh confab …` (services.sh already gives each its own session): own autogroup
# at nice $NICE, same pid as confab (exec).
WRAP=$TMP/confab-prio
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$ROOT/bench/prio.sh" "$CONFAB" >"$WRAP"
chmod +x "$WRAP"

raise_prio() {  # raise_prio PID — its autogroup and it (and children forked later) to $NICE
  echo "$NICE" >"/proc/$1/autogroup" 2>/dev/null || true
  renice -n "$NICE" -p "$1" >/dev/null 2>&1 || true
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {  # postmaster: its own, its reaped children's (cutime+cstime), and its live children's
  local t p
  t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat")
  for p in $(pgrep -P "$PG_PID"); do t=$((t + $(ticks "$p"))); done
  echo "$t"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
metric() {  # metric PORT NAME — one series of a node's /metrics (0 when absent)
  curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}
varz() { curl -fsS "http://127.0.0.1:$NATS_MON/varz" 2>/dev/null | jq -r ".$1 // 0" 2>/dev/null || echo 0; }
loadavg() { echo "$(cut -d' ' -f1 /proc/loadavg)/psi$(sed -n 's/^some avg10=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null)"; }

# start_stack N BUS(yes|no): fresh PostgreSQL, nats-server when BUS=yes, N nodes. Sets PG_PID,
# NATS_PID, NODE_PIDS, NODE_PORTS, URLS (comma-separated host:port).
CONFIG=0
start_stack() {
  local n=$1 bus=$2 i port dir
  CONFIG=$((CONFIG + 1))
  dir=$TMP/c$CONFIG
  mkdir -p "$dir"
  chmod 755 "$dir"
  local pg_port nats_port
  pg_port=$(svc_free_port)
  SVC_PG_INITDB_NOSYNC=1 svc_pg_start "$dir/pg/data" "$pg_port" >/dev/null
  PG_URL=$SVC_URL
  PG_PID=$(head -1 "$dir/pg/data/postmaster.pid")
  raise_prio "$PG_PID"
  for i in $(pgrep -P "$PG_PID"); do renice -n "$NICE" -p "$i" >/dev/null 2>&1 || true; done
  NATS_PID="" NATS_MON=""
  local busflags=()
  if [ "$bus" = yes ]; then
    nats_port=$(svc_free_port)
    NATS_MON=$(svc_free_port)
    svc_nats_start "$dir/nats" "$nats_port" "$NATS_MON" >/dev/null
    NATS_PID=$(cat "$dir/nats/nats.pid")
    raise_prio "$NATS_PID"
    busflags=(--bus "$SVC_URL")
  fi
  NODE_PIDS=() NODE_PORTS=() URLS=""
  NODE_DIR=$dir/nodes
  for ((i = 1; i <= n; i++)); do
    port=$(svc_free_port)
    if [ "$bus" = yes ]; then
      svc_confab_start "$NODE_DIR" "node$i" "$port" "$WRAP" --store "$PG_URL" "${busflags[@]}" \
        --node-id "node$i" --threads "$THREADS" >/dev/null
    else
      svc_confab_start "$NODE_DIR" "node$i" "$port" "$WRAP" --store "$PG_URL" --threads "$THREADS" >/dev/null
    fi
    NODE_PIDS+=("$(cat "$NODE_DIR/node$i.pid")")
    NODE_PORTS+=("$port")
    URLS+="${URLS:+,}127.0.0.1:$port"
  done
  sleep 2  # heartbeats between nodes; settle before the idle samples
  echo "stack: PostgreSQL pid $PG_PID on $pg_port${NATS_PID:+, nats-server pid $NATS_PID}, nodes ${NODE_PIDS[*]} on ${NODE_PORTS[*]}"
}

stop_stack() {
  local i
  echo "node logs (warnings/errors, counted):"
  for ((i = 1; i <= ${#NODE_PIDS[@]}; i++)); do
    grep -iE 'error|warn|slow|fail' "$NODE_DIR/node$i.log" | sed -E 's/^[^ ]+ [^ ]+ //' | sort | uniq -c |
      sort -rn | head -5 | sed "s/^/  node$i: /" || true
    if ! kill -0 "${NODE_PIDS[i-1]}" 2>/dev/null; then
      echo "  node$i DIED; end of its log:"
      tail -5 "$NODE_DIR/node$i.log" | sed 's/^/    /'
    fi
  done
  local d=$TMP/c$CONFIG
  echo "  PostgreSQL log: $(grep -cE 'ERROR|FATAL|PANIC' "$d/pg/pg-run/postgres.log" || true) ERROR/FATAL/PANIC lines"
  grep -E 'ERROR|FATAL|PANIC' "$d/pg/pg-run/postgres.log" | sed -E 's/^[^ ]+ [^ ]+ [^ ]+ //' | sort | uniq -c | sort -rn | head -3 || true
  if [ -n "$NATS_PID" ]; then
    echo "  nats-server log: $(grep -ciE 'slow consumer' "$d/nats/nats.log" || true) slow-consumer lines, $(grep -cE '\[ERR\]' "$d/nats/nats.log" || true) [ERR] lines"
  fi
  svc_cleanup
}

# The load generators run in their own session at nice $NICE, as the nodes do.
LOADRUN=(setsid "$ROOT/bench/prio.sh" "$LOAD")

# --- a) idle ---------------------------------------------------------------------------------------
# run_idle LABEL PROCS MEETINGS: the load split over PROCS processes; RSS/CPU of each node sampled by
# this script before any meeting exists and once every process has joined and settled.
run_idle() {
  local label=$1 procs=$2 meetings=$3 p per rest m logs=() flag i
  flag=$TMP/hold.$label
  local n=${#NODE_PIDS[@]}
  declare -a rss0 rss1 cpu0 cpu1 conns
  for ((i = 0; i < n; i++)); do rss0[i]=$(rss_kb "${NODE_PIDS[i]}"); cpu0[i]=$(ticks "${NODE_PIDS[i]}"); done
  local pg0 nats0=0 t0 load0
  pg0=$(pg_ticks)
  [ -n "$NATS_PID" ] && nats0=$(ticks "$NATS_PID")
  load0=$(loadavg)
  t0=$(date +%s.%N)
  rm -f "$flag"
  LOAD_PIDS=()
  per=$((meetings / procs)) rest=$((meetings % procs))
  for ((p = 0; p < procs; p++)); do
    m=$((per + (p < rest ? 1 : 0)))
    logs+=("$TMP/$label.p$p.log")
    "${LOADRUN[@]}" --urls "$URLS" --idle --meetings "$m" --members "$A_MEMBERS" \
      --connect-rate "$((CONNECT_RATE / procs))" --hold-until "$flag" --hold 600 --connect-timeout 300 \
      --label "$label-p$p" --json-out "$TMP/$label.jsonl" >"${logs[p]}" 2>&1 &
    LOAD_PIDS+=($!)
  done
  # Joined and presence settled = confab_load printed its "client RSS" line.
  local deadline=$((SECONDS + 420)) done_n
  while :; do
    done_n=0
    for f in "${logs[@]}"; do grep -q '^client RSS' "$f" && done_n=$((done_n + 1)); done
    [ "$done_n" -eq "$procs" ] && break
    for pid in "${LOAD_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a load process ended early:"; tail -5 "${logs[@]}"; return 1; }; done
    ((SECONDS < deadline)) || { echo "timed out waiting for the joins"; tail -3 "${logs[@]}"; return 1; }
    sleep 0.5
  done
  local t1 joined_s
  t1=$(date +%s.%N)
  joined_s=$(echo "$t1 - $t0" | bc)
  sleep "$A_HOLD"
  for ((i = 0; i < n; i++)); do
    rss1[i]=$(rss_kb "${NODE_PIDS[i]}")
    cpu1[i]=$(ticks "${NODE_PIDS[i]}")
    conns[i]=$(metric "${NODE_PORTS[i]}" confab_connections_open)
  done
  local pg1 nats1=0
  pg1=$(pg_ticks)
  [ -n "$NATS_PID" ] && nats1=$(ticks "$NATS_PID")
  touch "$flag"
  for pid in "${LOAD_PIDS[@]}"; do wait "$pid" || echo "load process $pid exited with $?"; done
  LOAD_PIDS=()
  local total_conns=0 total_d=0 joined=0 failed=0 disc=0
  for ((i = 0; i < n; i++)); do
    total_conns=$((total_conns + ${conns[i]%.*}))
    total_d=$((total_d + rss1[i] - rss0[i]))
  done
  joined=$(jq -s 'map(.join.joined) | add' "$TMP/$label.jsonl")
  failed=$(jq -s 'map(.join.failed) | add' "$TMP/$label.jsonl")
  disc=$(jq -s 'map(.run.disconnects // 0) | add' "$TMP/$label.jsonl")
  echo "--- $label: $joined joined ($failed failed, $disc disconnects while holding) in ${joined_s}s incl. meeting creation; load $load0 -> $(loadavg)"
  printf '  %-6s %8s %10s %10s %12s %12s\n' node conns "RSS0 MB" "RSS MB" "KB/conn" "CPU us/join"
  local nodes_json="[]" kb us
  for ((i = 0; i < n; i++)); do
    kb=$(echo "scale=3; (${rss1[i]} - ${rss0[i]}) / ${conns[i]%.*}" | bc)
    us=$(echo "scale=1; (${cpu1[i]} - ${cpu0[i]}) * 1000000 / $CLK_TCK / ${conns[i]%.*}" | bc)
    printf '  node%-2d %8d %10.1f %10.1f %12.3f %12.1f\n' $((i + 1)) "${conns[i]%.*}" \
      "$(echo "${rss0[i]} / 1024" | bc -l)" "$(echo "${rss1[i]} / 1024" | bc -l)" "$kb" "$us"
    nodes_json=$(jq -c --argjson c "${conns[i]%.*}" --argjson r0 "${rss0[i]}" --argjson r1 "${rss1[i]}" \
      --argjson kb "$kb" --argjson us "$us" --argjson cpu "$(echo "scale=3; (${cpu1[i]} - ${cpu0[i]}) / $CLK_TCK" | bc)" \
      '. + [{connections: $c, rss_before_kb: $r0, rss_after_kb: $r1, kb_per_connection: $kb, join_cpu_s: $cpu, cpu_us_per_join: $us}]' <<<"$nodes_json")
  done
  local pg_s nats_s
  pg_s=$(echo "scale=2; ($pg1 - $pg0) / $CLK_TCK" | bc)
  nats_s=$(echo "scale=2; ($nats1 - $nats0) / $CLK_TCK" | bc)
  printf '  total  %8d  ΔRSS %.1f MB => %.3f KB per connection; PostgreSQL CPU %s s, nats-server CPU %s s during the joins\n' \
    "$total_conns" "$(echo "$total_d / 1024" | bc -l)" "$(echo "scale=3; $total_d / $total_conns" | bc)" "$pg_s" "$nats_s"
  jq -cn --arg lab "$label" --argjson nodes "$nodes_json" --argjson total "$total_conns" \
    --argjson d "$total_d" --argjson joined "$joined" --argjson failed "$failed" --argjson disc "$disc" \
    --argjson procs "$procs" --argjson meetings "$meetings" --argjson members "$A_MEMBERS" \
    --arg joined_s "$joined_s" --arg pg "$pg_s" --arg nats "$nats_s" --arg load "$load0 -> $(loadavg)" \
    '{"label": $lab, "shape": {"meetings": $meetings, "members_per_meeting": $members, "load_processes": $procs,
      "nodes": ($nodes | length)}, "joined": $joined, "failed": $failed, "disconnects_while_holding": $disc,
      "join_wall_s": ($joined_s | tonumber), "connections": $total, "rss_delta_kb": $d,
      "kb_per_connection": ($d / $total), "nodes": $nodes, "postgres_cpu_s": ($pg | tonumber),
      "nats_cpu_s": ($nats | tonumber), "load": $load}' >>"$RESULTS"
  grep -h -A3 '^errors:' "$TMP/$label".p*.log | head -8 || true
}

# --- b) fan-out ------------------------------------------------------------------------------------
run_fanout() {
  local label=$1 aux="postgres=$PG_PID"
  [ -n "$NATS_PID" ] && aux+=",nats=$NATS_PID"
  local pids
  pids=$(IFS=,; echo "${NODE_PIDS[*]}")
  echo "load $(loadavg)"
  "${LOADRUN[@]}" --urls "$URLS" --server-pids "$pids" --aux-pid "$aux" ${NATS_MON:+--nats-varz 127.0.0.1:$NATS_MON} \
    --meetings "$B_MEETINGS" --members "$B_MEMBERS" --publishers 1 --rate "$B_RATE" --event-type "$B_EVENT" \
    --duration "$DURATION" --warmup "$WARMUP" --connect-rate 2000 --label "$label" --json-out "$RESULTS" &
  LOAD_PIDS=($!)
  wait "${LOAD_PIDS[0]}" || echo "confab_load exited with $?"
  LOAD_PIDS=()
  echo "load $(loadavg)"
}

for s in "${SCENARIOS[@]}"; do
  echo
  case "$s" in
    a)
      echo "=== a) idle: $A_MEETINGS meetings x $A_MEMBERS members over $NODES nodes ($A_PROCS load processes) ==="
      start_stack "$NODES" yes
      run_idle "a-idle-cluster$NODES" "$A_PROCS" "$A_MEETINGS" || true
      stop_stack
      echo
      echo "=== a) idle, one node (PostgreSQL store, no bus): $A1_MEETINGS meetings x $A_MEMBERS members ==="
      start_stack 1 no
      run_idle "a-idle-single" 1 "$A1_MEETINGS" || true
      stop_stack
      ;;
    b)
      echo "=== b) fan-out: $B_MEETINGS meetings x $B_MEMBERS members over $NODES nodes, $B_RATE $B_EVENT/s each ==="
      start_stack "$NODES" yes
      run_fanout "b-fanout-cluster$NODES"
      stop_stack
      echo
      echo "=== b) fan-out, one node (PostgreSQL store, no bus) ==="
      start_stack 1 no
      run_fanout "b-fanout-single"
      stop_stack
      ;;
    *) echo "unknown scenario $s"; exit 2 ;;
  esac
done
echo
echo "results appended to $RESULTS"
