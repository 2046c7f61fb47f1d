#!/usr/bin/env bash
# Stops a moto server started by start.sh on the same port. Does nothing when none is running.
set -euo pipefail
port="${MOTO_PORT:-5566}"
cache="${DEPUTY_AUDIT_CACHE:-$HOME/.cache/deputy-audit}"
pidfile="$cache/moto-state-${port}/moto.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 15); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  echo "moto: stopped (pid $pid)" >&2
else
  echo "moto: not running (no live pid in $pidfile)" >&2
fi
rm -f "$pidfile"
