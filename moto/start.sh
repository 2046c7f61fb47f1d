#!/usr/bin/env bash
# Starts moto's server (moto[server], pinned) on 127.0.0.1:5566, installing it first if needed.
# It serves the APIs open-source LocalStack does not: Organizations (with resource control
# policies), ECR and CloudTrail (with the bucket, topic, key and role a trail names, which
# moto checks at CreateTrail and so must hold too). Tests reach it through the SDK's standard
# per-service endpoint variables (AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL_ECR,
# AWS_ENDPOINT_URL_CLOUDTRAIL, ...), the same code path as real AWS.
# Idempotent: when a moto server already answers on the port, it is reused and nothing is started.
#
# Environment:
#   MOTO_PORT            server port (default 5566)
#   DEPUTY_AUDIT_CACHE   where the venv and state live (default ~/.cache/deputy-audit)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${MOTO_PORT:-5566}"
cache="${DEPUTY_AUDIT_CACHE:-$HOME/.cache/deputy-audit}"
constraints="$here/requirements-constraints.txt"
moto_version="5.2.5"
# moto's server answers its own API under /moto-api/; a JSON answer there means it is moto.
health_url="http://127.0.0.1:${port}/moto-api/data.json"

log() { printf 'moto: %s\n' "$*" >&2; }

healthy() {
  curl -fsS --max-time 2 "$health_url" 2>/dev/null | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
}

if healthy; then
  log "already running on 127.0.0.1:${port}; reusing it"
  exit 0
fi

python="${MOTO_PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || {
  log "moto needs Python 3.9 or newer and '$python' was not found; set MOTO_PYTHON=/path/to/python3"
  exit 1
}

# One venv per pinned package set, so a changed pin set installs afresh and old ones stay usable.
pin_hash="$(cat "$constraints" <(echo "$moto_version") | sha256sum | cut -c1-12)"
venv="$cache/moto-venv-$pin_hash"
if [ ! -f "$venv/.installed" ]; then
  log "installing moto[server] ${moto_version} into $venv with $python (under a minute)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==${moto_version}" -c "$constraints"
  touch "$venv/.installed"
fi

state="$cache/moto-state-${port}"
mkdir -p "$state"
logfile="$state/moto.log"
log "starting on 127.0.0.1:${port} (log: $logfile)"
(
  cd "$state"
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
  echo $! >"$state/moto.pid"
)

for _ in $(seq 1 60); do
  if healthy; then
    log "ready on http://127.0.0.1:${port}"
    exit 0
  fi
  if ! kill -0 "$(cat "$state/moto.pid")" 2>/dev/null; then
    log "moto exited during start-up; last lines of $logfile:"
    tail -n 30 "$logfile" >&2
    exit 1
  fi
  sleep 1
done
log "moto did not answer within 60 s; last lines of $logfile:"
tail -n 30 "$logfile" >&2
exit 1
