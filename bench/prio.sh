#!/bin/sh
# prio.sh CMD…: runs CMD at niceness $NICE (default -10) in its own scheduler autogroup. Use as
# `setsid bench/prio.sh CMD…`: setsid starts a new session, hence a new autogroup holding only CMD, and
# this raises that autogroup's weight. With sched_autogroup_enabled=1, `nice` alone only ranks threads
# inside one session: another tenant's compile session would still get half the CPUs whatever our nice.
NICE=${NICE:--10}
echo "$NICE" >/proc/self/autogroup 2>/dev/null || true
exec nice -n "$NICE" "$@"
