#!/usr/bin/env bash
# Stops a LocalStack started by start.sh on the same port. Does nothing when none is running.
set -euo pipefail
port="${LOCALSTACK_PORT:-4566}"
cache="${DEPUTY_AUDIT_CACHE:-$HOME/.cache/deputy-audit}"
pidfile="$cache/localstack-state-${port}/localstack.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  echo "localstack: stopped (pid $pid)" >&2
else
  echo "localstack: not running (no live pid in $pidfile)" >&2
fi
rm -f "$pidfile"
