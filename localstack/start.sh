#!/usr/bin/env bash
# Starts LocalStack in host mode (no Docker) on 127.0.0.1:4566, installing it first if needed.
# Idempotent: when a LocalStack already answers on the port, it is reused and nothing is started.
#
# Environment:
#   LOCALSTACK_PORT          gateway port (default 4566)
#   LOCALSTACK_SERVICES      services to serve (default: the ones deputy-audit scans and
#                            reads the wiring from: CloudWatch, Config, API Gateway, Scheduler)
#   DEPUTY_AUDIT_CACHE       where the venv and state live (default ~/.cache/deputy-audit)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${LOCALSTACK_PORT:-4566}"
services="${LOCALSTACK_SERVICES:-iam,sts,sqs,sns,s3,kms,lambda,secretsmanager,events,logs,cloudwatch,config,apigateway,scheduler}"
cache="${DEPUTY_AUDIT_CACHE:-$HOME/.cache/deputy-audit}"
constraints="$here/requirements-constraints.txt"
localstack_version="2026.3.0"
health_url="http://127.0.0.1:${port}/_localstack/health"

log() { printf 'localstack: %s\n' "$*" >&2; }

healthy() {
  # Healthy means the gateway answers and every service we need is available or running.
  local body
  body="$(curl -fsS --max-time 2 "$health_url" 2>/dev/null)" || return 1
  python3 - "$services" "$body" <<'PY' 2>/dev/null
import json, sys
wanted = sys.argv[1].split(",")
state = json.loads(sys.argv[2]).get("services", {})
sys.exit(0 if all(state.get(s) in ("available", "running") for s in wanted) else 1)
PY
}

if healthy; then
  log "already running on 127.0.0.1:${port}; reusing it"
  exit 0
fi

# LocalStack ${localstack_version} needs Python >= 3.12. Look for one the portable ways.
find_python() {
  local candidates=()
  [ -n "${LOCALSTACK_PYTHON:-}" ] && candidates+=("$LOCALSTACK_PYTHON")
  candidates+=(python3.13 python3.12)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for v in "$root"/versions/3.13* "$root"/versions/3.12*; do
      [ -x "$v/bin/python" ] && candidates+=("$v/bin/python")
    done
  fi
  candidates+=(python3)
  for py in "${candidates[@]}"; do
    command -v "$py" >/dev/null 2>&1 || continue
    # pyenv shims exist for versions that are not installed; running them proves they work.
    if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

python="$(find_python)" || {
  log "LocalStack needs Python 3.12 or newer and none was found (tried python3.13, python3.12, pyenv, python3)."
  log "Install one (e.g. 'pyenv install 3.12' or your OS package) or set LOCALSTACK_PYTHON=/path/to/python3.12."
  exit 1
}

# One venv per pinned package set, so a changed pin set installs afresh and old ones stay usable.
pin_hash="$(sha256sum "$constraints" | cut -c1-12)"
venv="$cache/localstack-venv-$pin_hash"
if [ ! -f "$venv/.installed" ]; then
  log "installing localstack-core ${localstack_version} into $venv with $python (about a minute)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "localstack-core[runtime]==${localstack_version}" -c "$constraints"
  touch "$venv/.installed"
fi

state="$cache/localstack-state-${port}"
mkdir -p "$state/volume"
logfile="$state/localstack.log"
log "starting on 127.0.0.1:${port} (services: $services; log: $logfile)"
# Host mode: the runtime runs in this venv, no container. Offline it logs DNS and certificate
# download warnings; they are harmless.
(
  cd "$state"
  GATEWAY_LISTEN="127.0.0.1:${port}" \
  SERVICES="$services" \
  LOCALSTACK_VOLUME_DIR="$state/volume" \
  DISABLE_EVENTS=1 SKIP_INFRA_DOWNLOADS=1 SKIP_SSL_CERT_DOWNLOAD=1 \
  nohup "$venv/bin/python" -m localstack.runtime.main >"$logfile" 2>&1 &
  echo $! >"$state/localstack.pid"
)

for _ in $(seq 1 180); do
  if healthy; then
    log "ready on http://127.0.0.1:${port}"
    exit 0
  fi
  if ! kill -0 "$(cat "$state/localstack.pid")" 2>/dev/null; then
    log "LocalStack exited during start-up; last lines of $logfile:"
    tail -n 30 "$logfile" >&2
    exit 1
  fi
  sleep 1
done
log "LocalStack did not become healthy within 180 s; last lines of $logfile:"
tail -n 30 "$logfile" >&2
exit 1
