# shellcheck shell=bash
# Sourced by every benchmark script: the abuse quotas (docs/operations.md § Quotas) are off for the
# servers they start. A benchmark is one client address driving thousands of sockets, meetings and
# events per second into a few meetings — exactly what the quotas refuse. Environment variables, not
# flags: the baseline binaries of before/after runs know no such flags and ignore the variables.
# A value already set in the environment wins (to measure with quotas on).
export CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE=${CONFAB_MEETINGS_PER_ADDRESS_PER_MINUTE:-0}
export CONFAB_CONNECTIONS_PER_ADDRESS=${CONFAB_CONNECTIONS_PER_ADDRESS:-0}
export CONFAB_MEMBERS_PER_MEETING=${CONFAB_MEMBERS_PER_MEETING:-0}
export CONFAB_EVENTS_PER_MEETING_PER_SECOND=${CONFAB_EVENTS_PER_MEETING_PER_SECOND:-0}
