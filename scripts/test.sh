#!/usr/bin/env bash
# Runs every test: formatting, lints, unit tests, the policy corpus and the
# LocalStack and moto integration tests. Installs and starts LocalStack (host mode, no
# Docker) and moto's server (Organizations, ECR: APIs open-source LocalStack lacks) when
# they are not already running, and stops each afterwards if it started it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null 2>&1 || {
  echo "test: cargo not found; install Rust from https://rustup.rs" >&2
  exit 1
}
# A target directory outside the clone lets fresh clones reuse the AWS SDK build
# (minutes of compile time). A machine without it simply builds from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deputy-audit/target}"
# The SDK must never probe the EC2 metadata address from a test.
export AWS_EC2_METADATA_DISABLED=true
export DEPUTY_AUDIT_TEST_ENDPOINT="${DEPUTY_AUDIT_TEST_ENDPOINT:-http://127.0.0.1:4566}"

# moto's server on its own port; tests reach it through the SDK's standard per-service
# endpoint variables (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ORGANIZATIONS).
export MOTO_PORT="${MOTO_PORT:-5566}"
export DEPUTY_AUDIT_TEST_MOTO_ENDPOINT="${DEPUTY_AUDIT_TEST_MOTO_ENDPOINT:-http://127.0.0.1:$MOTO_PORT}"

cleanup=()
on_exit() {
  for c in "${cleanup[@]}"; do bash "$c" || true; done
}
trap on_exit EXIT

started_here=0
if ! curl -fsS --max-time 2 "$DEPUTY_AUDIT_TEST_ENDPOINT/_localstack/health" >/dev/null 2>&1; then
  started_here=1
fi
bash localstack/start.sh
if [ "$started_here" = 1 ] && [ -z "${KEEP_LOCALSTACK:-}" ]; then
  cleanup+=(localstack/stop.sh)
fi

moto_started_here=0
if ! curl -fsS --max-time 2 "$DEPUTY_AUDIT_TEST_MOTO_ENDPOINT/moto-api/data.json" >/dev/null 2>&1; then
  moto_started_here=1
fi
bash moto/start.sh
if [ "$moto_started_here" = 1 ] && [ -z "${KEEP_MOTO:-}" ]; then
  cleanup+=(moto/stop.sh)
fi

# The HTML report's test renders it in headless Chromium (from the OS packages).
bash scripts/install-chromium.sh
# The pinned OCSF and ASFF validators (py-ocsf-models, botocore) the report tests run.
echo "test: report validators (scripts/validators.sh)" >&2
bash scripts/validators.sh >/dev/null

echo "test: cargo fmt --check" >&2
cargo fmt --all -- --check
echo "test: cargo clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "test: cargo test (unit, corpus, LocalStack and moto integration)" >&2
log="$(mktemp)"
set +e
cargo test --workspace --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line with the totals over every test binary.
awk '/^test result:/ { for (i = 2; i <= NF; i++) { if ($i ~ /^passed;/) p += $(i-1); if ($i ~ /^failed;/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
