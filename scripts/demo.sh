#!/usr/bin/env bash
# Starts LocalStack (host mode), seeds a demo account with the policy examples
# from AWS's confused-deputy guidance (protected and unprotected) and with the
# realistic account of tests/fixtures/realistic-account.json (what real accounts
# hold: AWS-managed roles and keys, service roles, log-delivery policies, a few
# real exposures), and scans it: a table on stdout, JSON and CSV reports in
# ./reports/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

endpoint="${DEMO_ENDPOINT:-http://127.0.0.1:4566}"
account="${DEMO_ACCOUNT:-000000000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deputy-audit/target}"

bash localstack/start.sh
echo "demo: building and seeding account $account (first build takes a few minutes)" >&2
cargo run --quiet --example seed_demo -- --endpoint-url "$endpoint" --account "$account" \
  --region us-east-1 --region eu-west-1

# LocalStack maps a 12-digit access key id to that account. Clear any real
# credentials from the environment so the demo never talks to AWS.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
set +e
AWS_ACCESS_KEY_ID="$account" AWS_SECRET_ACCESS_KEY=test \
  cargo run --quiet -- scan --endpoint-url "$endpoint" --region us-east-1 --region eu-west-1 \
  --format table --format json --format csv --output reports/
code=$?
set -e
case "$code" in
  0) echo "demo: exit 0, no findings" >&2 ;;
  1) echo "demo: exit 1, findings at or above --fail-on (expected for the demo account)" >&2 ;;
  3) echo "demo: exit 3, some resources could not be read (see 'Not assessed' above)" >&2 ;;
  *) echo "demo: the scan failed with exit code $code" >&2; exit "$code" ;;
esac
