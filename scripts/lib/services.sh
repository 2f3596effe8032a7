# shellcheck shell=bash
# Real PostgreSQL 15, nats-server, HAProxy and `confab serve` nodes on chosen ports with their data in
# chosen directories, for scripts and tests. All from Debian packages (scripts/deps.sh installs them).
#
# Sourced:   . scripts/lib/services.sh; svc_pg_start ./data/pg/data 5433 >/dev/null; url=$SVC_URL
#            Everything started is stopped by svc_cleanup, which an EXIT/INT/TERM trap runs unless the
#            caller already had an EXIT trap (then call svc_cleanup from it) or set SVC_NO_CLEANUP=1.
# Executed:  scripts/lib/services.sh pg_start DIR PORT   (any svc_* function without the prefix; used by
#            the Node test harness; nothing is stopped when that command exits).
#
# Every start is idempotent (a running service is left alone; its URL is printed again) and every stop
# is a no-op when the service is not running. Functions print diagnostics on stderr and return non-zero
# on failure; a start prints its URL on stdout and also sets SVC_URL. Call starts directly, not in
# $(...): a subshell's cleanup registration is lost with it (use SVC_URL, or svc_pg_url PORT).

SVC_PG_BIN=${SVC_PG_BIN:-/usr/lib/postgresql/15/bin}
SVC_NATS_BIN=${SVC_NATS_BIN:-/usr/sbin/nats-server}
SVC_HAPROXY_BIN=${SVC_HAPROXY_BIN:-/usr/sbin/haproxy}
SVC_START_TIMEOUT_S=${SVC_START_TIMEOUT_S:-60}
SVC_CLEANUP=()

svc__err() { echo "services: $*" >&2; }
svc__abs() { realpath -m -- "$1"; }

# --- cleanup -------------------------------------------------------------------------------------

# Runs what every start registered, newest first. Safe to call again.
svc_cleanup() {
  local i
  for ((i = ${#SVC_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${SVC_CLEANUP[i]}" || true; done
  SVC_CLEANUP=()
}

svc__on_exit() {  # svc__on_exit COMMAND — registers COMMAND once for svc_cleanup
  [ -n "${SVC_NO_CLEANUP:-}" ] && return 0
  local c
  for c in "${SVC_CLEANUP[@]}"; do [ "$c" = "$1" ] && return 0; done
  SVC_CLEANUP+=("$1")
  if [ -z "${SVC_TRAP_SET:-}" ]; then
    SVC_TRAP_SET=1
    # Only take the traps nobody else took: a caller with its own EXIT trap calls svc_cleanup from it.
    [ -z "$(trap -p EXIT)" ] && trap 'svc_cleanup' EXIT
    [ -z "$(trap -p INT)" ] && trap 'svc_cleanup; trap - INT; kill -INT $$' INT
    [ -z "$(trap -p TERM)" ] && trap 'svc_cleanup; trap - TERM; kill -TERM $$' TERM
  fi
  return 0
}

# --- small helpers -------------------------------------------------------------------------------

svc__pid_alive() {  # svc__pid_alive PIDFILE — true when the pid in PIDFILE is a live process
  local pid
  [ -s "$1" ] || return 1
  pid=$(head -n1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Runs a command in a session of its own (same pid: setsid(2) then exec), so a Ctrl-C at the terminal
# reaches the script, whose trap stops services in order, rather than every service at once.
# An array, not a function: `"${SVC_DETACHED[@]}" cmd &` must fork exactly once so that $! is the pid.
# shellcheck disable=SC2016,SC2034  # the single quotes hold Perl, not shell; used below
SVC_DETACHED=(perl -MPOSIX -e 'POSIX::setsid(); exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"' --)

svc__port_open() {  # svc__port_open PORT [HOST] — true when something accepts TCP there
  (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# A TCP port on 127.0.0.1 in [LOW, HIGH] with no listener right now (default 20000..60000).
svc_free_port() {
  local low=${1:-20000} high=${2:-60000} port i
  for ((i = 0; i < 200; i++)); do
    port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
    if ! svc__port_open "$port" && ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  svc__err "no free port in $low..$high"
  return 1
}

# Minimal HTTP/1.0 GET over bash's /dev/tcp (curl is not a dependency): prints the whole response,
# status line and headers included.
svc__http_get() {  # svc__http_get PORT PATH [HOST]
  local port=$1 path=$2 host=${3:-127.0.0.1}
  (
    exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
    timeout 5 cat <&3
  ) 2>/dev/null
}

svc_http_status() {  # svc_http_status PORT PATH — prints the status code (000 when unreachable)
  local line
  line=$(svc__http_get "$1" "$2" | head -n1 | tr -d '\r')
  [[ $line =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" || echo 000
}

svc__wait() {  # svc__wait WHAT TIMEOUT_S COMMAND... — polls COMMAND every 0.1 s
  local what=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      svc__err "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

svc__stop_pidfile() {  # svc__stop_pidfile PIDFILE [SIGNAL] — signal, wait (then KILL after 10 s)
  local pidfile=$1 sig=${2:-TERM} pid i
  if ! svc__pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(head -n1 "$pidfile")
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    svc__err "pid $pid ignored SIG$sig for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$pidfile"
}

# --- PostgreSQL 15 -------------------------------------------------------------------------------
# DATADIR holds the cluster; its parent gets pg-run/ (unix socket, server log). postgres refuses to
# run as root, so as root every PostgreSQL program runs as the `postgres` user (the Debian package
# creates it) and the directories are chowned to it; its parents must be traversable by that user.

svc__as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

svc_pg_url() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }
# shellcheck disable=SC2034  # SVC_URL is for callers
svc__url() { SVC_URL=$1; echo "$1"; }

svc_pg_running() {  # svc_pg_running DATADIR
  local data
  data=$(svc__abs "$1")
  [ -f "$data/PG_VERSION" ] && svc__as_pg "$SVC_PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1
}

# svc_pg_start DATADIR PORT — initdb when DATADIR is new, start on 127.0.0.1:PORT, print the URL.
svc_pg_start() {
  local data port run log
  data=$(svc__abs "$1") port=$2
  run="$(dirname "$data")/pg-run"
  log="$run/postgres.log"
  mkdir -p "$data" "$run" || return 1
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$data" "$run" || return 1
    if ! svc__as_pg test -w "$run" -a -x "$data"; then
      svc__err "user postgres cannot reach $run (make its parent directories world-executable)"
      return 1
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    if [ -n "$(ls -A "$data")" ]; then
      svc__err "$data is neither empty nor a PostgreSQL data directory"
      return 1
    fi
    # --no-sync only skips the fsync of initdb's own files (SVC_PG_INITDB_NOSYNC=1 for throw-away
    # test directories); the server always runs with fsync on.
    svc__as_pg "$SVC_PG_BIN/initdb" -D "$data" -A trust -U postgres --locale=C -E UTF8 \
      ${SVC_PG_INITDB_NOSYNC:+--no-sync} >"$run/initdb.log" 2>&1 || {
      svc__err "initdb failed:"
      cat "$run/initdb.log" >&2
      return 1
    }
  fi
  svc__on_exit "svc_pg_stop '$data' fast"
  if svc_pg_running "$data"; then
    svc__url "$(svc_pg_url "$port")"
    return 0
  fi
  if svc__port_open "$port"; then
    svc__err "port $port is already in use; cannot start PostgreSQL on it"
    return 1
  fi
  # fsync, synchronous_commit and full_page_writes are on: durability is what the tests check.
  if ! svc__as_pg "$SVC_PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t "$SVC_START_TIMEOUT_S" -o \
    "-p $port -k '$run' -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=${SVC_PG_MAX_CONNECTIONS:-200}" \
    >/dev/null; then
    svc__err "PostgreSQL did not start; end of $log:"
    tail -n 20 "$log" >&2
    return 1
  fi
  svc__url "$(svc_pg_url "$port")"
}

# svc_pg_stop DATADIR [fast|immediate|smart] — immediate is the crash case (recovery on next start).
svc_pg_stop() {
  local data mode=${2:-fast}
  data=$(svc__abs "$1")
  svc_pg_running "$data" || return 0
  svc__as_pg "$SVC_PG_BIN/pg_ctl" stop -D "$data" -m "$mode" -w -t "$SVC_START_TIMEOUT_S" >/dev/null
}

svc_pg_restart() {  # svc_pg_restart DATADIR PORT [MODE]
  svc_pg_stop "$1" "${3:-fast}" && svc_pg_start "$1" "$2"
}

# --- NATS ----------------------------------------------------------------------------------------
# svc_nats_start DIR PORT [MONITOR_PORT] — nats-server on 127.0.0.1:PORT; DIR holds nats.pid, nats.log.
svc_nats_start() {
  local dir port=$2 mon=${3:-} pidfile
  dir=$(svc__abs "$1")
  pidfile="$dir/nats.pid"
  mkdir -p "$dir" || return 1
  svc__on_exit "svc_nats_stop '$dir'"
  if svc__pid_alive "$pidfile"; then
    svc__url "nats://127.0.0.1:$port"
    return 0
  fi
  if svc__port_open "$port"; then
    svc__err "port $port is already in use; cannot start nats-server on it"
    return 1
  fi
  "${SVC_DETACHED[@]}" "$SVC_NATS_BIN" -a 127.0.0.1 -p "$port" ${mon:+-m "$mon"} -l "$dir/nats.log" \
    </dev/null >>"$dir/nats.out" 2>&1 &
  echo $! >"$pidfile"
  if ! svc__wait "nats-server on port $port" "$SVC_START_TIMEOUT_S" \
    eval "svc__port_open $port || ! svc__pid_alive '$pidfile'" || ! svc__pid_alive "$pidfile"; then
    svc__err "nats-server did not start; end of its log:"
    tail -n 20 "$dir/nats.log" "$dir/nats.out" >&2 2>/dev/null
    svc__stop_pidfile "$pidfile" KILL
    return 1
  fi
  svc__url "nats://127.0.0.1:$port"
}

svc_nats_stop() {  # svc_nats_stop DIR [SIGNAL] — TERM by default (KILL for a crash)
  svc__stop_pidfile "$(svc__abs "$1")/nats.pid" "${2:-TERM}"
}

# --- HAProxy -------------------------------------------------------------------------------------
SVC_HAPROXY_TEMPLATE=${SVC_HAPROXY_TEMPLATE:-$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../../deploy/haproxy.cfg.tmpl}

# svc_haproxy_config FRONT_PORT STATS_PORT HOST:PORT... — prints deploy/haproxy.cfg.tmpl rendered for
# one frontend on 127.0.0.1:FRONT_PORT balancing WebSockets (and HTTP) over the given confab nodes,
# named node1..nodeN in that order, and the stats page on 127.0.0.1:STATS_PORT/stats.
svc_haproxy_config() {
  local front=$1 stats=$2 i=0 b servers=""
  shift 2
  for b in "$@"; do
    i=$((i + 1))
    servers+="server node$i $b"$'\n'
  done
  [ -r "$SVC_HAPROXY_TEMPLATE" ] || {
    svc__err "no HAProxy template at $SVC_HAPROXY_TEMPLATE"
    return 1
  }
  awk -v front="127.0.0.1:$front" -v stats="127.0.0.1:$stats" -v servers="$servers" '
    /^[ \t]*#/ { print; next }
    /^[ \t]*@SERVERS@[ \t]*$/ {
      indent = $0; sub(/@SERVERS@.*/, "", indent)
      n = split(servers, lines, "\n")
      for (i = 1; i <= n; i++) if (lines[i] != "") print indent lines[i]
      next
    }
    { gsub(/@FRONT_BIND@/, front); gsub(/@STATS_BIND@/, stats); print }
  ' "$SVC_HAPROXY_TEMPLATE"
}

# svc_haproxy_start DIR FRONT_PORT STATS_PORT HOST:PORT... — writes DIR/haproxy.cfg, checks it,
# runs haproxy (foreground mode, our pid file, log in DIR/haproxy.log), waits for the frontend port
# and prints http://127.0.0.1:FRONT_PORT. Running with another config: restarted with the new one.
svc_haproxy_start() {
  local dir front=$2 stats=$3 pidfile cfg
  dir=$(svc__abs "$1")
  shift 3
  pidfile="$dir/haproxy.pid" cfg="$dir/haproxy.cfg"
  mkdir -p "$dir" || return 1
  svc__on_exit "svc_haproxy_stop '$dir'"
  svc_haproxy_config "$front" "$stats" "$@" >"$cfg.new" || return 1
  if svc__pid_alive "$pidfile"; then
    if cmp -s "$cfg" "$cfg.new"; then
      rm -f "$cfg.new"
      svc__url "http://127.0.0.1:$front"
      return 0
    fi
    svc_haproxy_stop "$dir"
  fi
  mv "$cfg.new" "$cfg"
  "$SVC_HAPROXY_BIN" -c -q -f "$cfg" || {
    svc__err "invalid HAProxy config $cfg"
    return 1
  }
  if svc__port_open "$front" || svc__port_open "$stats"; then
    svc__err "port $front or $stats is already in use; cannot start HAProxy"
    return 1
  fi
  "${SVC_DETACHED[@]}" "$SVC_HAPROXY_BIN" -db -f "$cfg" </dev/null >>"$dir/haproxy.log" 2>&1 &
  echo $! >"$pidfile"
  if ! svc__wait "HAProxy on port $front" "$SVC_START_TIMEOUT_S" \
    eval "svc__port_open $front || ! svc__pid_alive '$pidfile'" || ! svc__pid_alive "$pidfile"; then
    svc__err "HAProxy did not start; end of $dir/haproxy.log:"
    tail -n 20 "$dir/haproxy.log" >&2
    svc__stop_pidfile "$pidfile" KILL
    return 1
  fi
  svc__url "http://127.0.0.1:$front"
}

svc_haproxy_stop() {  # svc_haproxy_stop DIR — hard stop (TERM; a soft stop would wait for every socket)
  svc__stop_pidfile "$(svc__abs "$1")/haproxy.pid" TERM
}

# Prints "NAME STATUS CHECK SESSIONS" for each node in HAProxy's backend, from the stats page's CSV
# (e.g. "node1 UP L7OK 2"; a server starts UP before its first check, so wait for L7OK too).
svc_haproxy_servers() {  # svc_haproxy_servers STATS_PORT
  svc__http_get "$1" '/stats;csv' | tr -d '\r' |
    awk -F, '$1 == "confab_nodes" && $2 != "BACKEND" && $2 != "FRONTEND" { print $2, $18, $37, $5 }'
}

# Waits until COUNT servers are UP in HAProxy after a passed health check (GET /healthz answered 200).
svc_haproxy_wait_up() {  # svc_haproxy_wait_up STATS_PORT COUNT [TIMEOUT_S]
  svc__wait "$2 HAProxy backends UP" "${3:-$SVC_START_TIMEOUT_S}" \
    eval "[ \"\$(svc_haproxy_servers $1 | grep -c '^[^ ]* UP L7OK ')\" -ge $2 ]"
}

# --- confab nodes --------------------------------------------------------------------------------
# svc_confab_start DIR NAME PORT BIN [serve flags...] — `BIN serve --listen 127.0.0.1:PORT flags...`
# with its log in DIR/NAME.log; waits for GET /livez (or /healthz) to answer; prints its URL.
svc_confab_start() {
  local dir name=$2 port=$3 bin=$4 pidfile
  dir=$(svc__abs "$1")
  shift 4
  pidfile="$dir/$name.pid"
  mkdir -p "$dir" || return 1
  svc__on_exit "svc_confab_stop '$dir' '$name'"
  if svc__pid_alive "$pidfile"; then
    svc__url "http://127.0.0.1:$port"
    return 0
  fi
  if svc__port_open "$port"; then
    svc__err "port $port is already in use; cannot start $name"
    return 1
  fi
  "${SVC_DETACHED[@]}" "$bin" serve --listen "127.0.0.1:$port" "$@" </dev/null >>"$dir/$name.log" 2>&1 &
  echo $! >"$pidfile"
  if ! svc__wait "$name on port $port" "$SVC_START_TIMEOUT_S" svc__confab_up "$port" "$pidfile" ||
    ! svc__pid_alive "$pidfile"; then
    svc__err "$name did not start; end of $dir/$name.log:"
    tail -n 20 "$dir/$name.log" >&2
    svc__stop_pidfile "$pidfile" KILL
    return 1
  fi
  svc__url "http://127.0.0.1:$port"
}

# True when the node answers GET /livez (the process is up; readiness is HAProxy's check), or when
# it has exited (the caller then reports its log).
svc__confab_up() {  # svc__confab_up PORT PIDFILE
  svc__pid_alive "$2" || return 0
  [ "$(svc_http_status "$1" /livez)" = 200 ]
}

svc_confab_stop() {  # svc_confab_stop DIR NAME [SIGNAL] — SIGTERM is confab's graceful stop
  svc__stop_pidfile "$(svc__abs "$1")/$2.pid" "${3:-TERM}"
}

# --- executed rather than sourced: run one function ---------------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  SVC_NO_CLEANUP=1
  if [ $# -lt 1 ] || ! declare -F "svc_$1" >/dev/null; then
    echo "usage: $0 FUNCTION [ARGS...]   (FUNCTION: $(declare -F | awk '$3 ~ /^svc_[a-z]/ { sub(/^svc_/, "", $3); printf "%s ", $3 }'))" >&2
    exit 2
  fi
  fn=$1
  shift
  "svc_$fn" "$@"
fi
