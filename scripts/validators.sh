#!/usr/bin/env bash
# Installs the pinned schema validators the report tests use (tests/validators/requirements.txt:
# py-ocsf-models for OCSF, botocore for Security Hub's BatchImportFindings model) into a venv
# keyed by the pins, then prints that venv's python on stdout. Idempotent: an installed venv is
# reused. The tests run it themselves; scripts/test.sh runs it first so the install is visible.
#
# Environment:
#   DEPUTY_AUDIT_CACHE   where the venv lives (default ~/.cache/deputy-audit)
#   VALIDATORS_PYTHON    the Python 3.9+ to build it with (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${DEPUTY_AUDIT_CACHE:-$HOME/.cache/deputy-audit}"
requirements="$here/tests/validators/requirements.txt"
python="${VALIDATORS_PYTHON:-python3}"

log() { printf 'validators: %s\n' "$*" >&2; }

command -v "$python" >/dev/null 2>&1 || {
  log "the report validators need Python 3.9 or newer and '$python' was not found; set VALIDATORS_PYTHON=/path/to/python3"
  exit 1
}

# One venv per pin set, so a changed pin installs afresh and old ones stay usable.
pin_hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="$cache/validators-venv-$pin_hash"
if [ ! -f "$venv/.installed" ]; then
  mkdir -p "$cache"
  # Concurrent test threads may call this at once: one installs, the others wait.
  exec 9>"$cache/validators-venv-$pin_hash.lock"
  flock 9
  if [ ! -f "$venv/.installed" ]; then
    log "installing the pinned validators into $venv with $python (under a minute)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements" >&2
    touch "$venv/.installed"
  fi
fi
echo "$venv/bin/python"
