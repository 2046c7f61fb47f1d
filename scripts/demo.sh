#!/usr/bin/env bash
# Starts LocalStack (host mode) and moto's server, seeds a demo account with the policy
# examples from AWS's confused-deputy guidance (protected and unprotected), with the
# realistic account of tests/fixtures/realistic-account.json (what real accounts hold:
# AWS-managed roles and keys, service roles, log-delivery policies, a few real
# exposures) and with an open and a pinned ECR repository policy, and scans it: a
# table on stdout, JSON and CSV reports in ./reports/.
#
# LocalStack serves every service but ECR, which open-source LocalStack lacks: moto's
# server serves it. The scan reaches them the way it reaches real AWS, through the
# SDK's standard endpoint variables (AWS_ENDPOINT_URL for LocalStack,
# AWS_ENDPOINT_URL_ECR for moto), not --endpoint-url, which would outrank the
# per-service one. The ECR repositories are in us-west-2 (a region the tests do not
# scan: moto answers every caller as one account), so the scan adds that region.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

endpoint="${DEMO_ENDPOINT:-http://127.0.0.1:4566}"
export MOTO_PORT="${MOTO_PORT:-5566}"
moto_endpoint="${DEMO_MOTO_ENDPOINT:-http://127.0.0.1:$MOTO_PORT}"
account="${DEMO_ACCOUNT:-000000000000}"
ecr_region="us-west-2"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deputy-audit/target}"

bash localstack/start.sh
bash moto/start.sh
echo "demo: building and seeding account $account (first build takes a few minutes)" >&2
cargo run --quiet --example seed_demo -- --endpoint-url "$endpoint" \
  --moto-endpoint-url "$moto_endpoint" --account "$account" \
  --region us-east-1 --region eu-west-1

# LocalStack maps a 12-digit access key id to that account. Clear any real
# credentials and endpoints from the environment so the demo never talks to AWS.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
for var in $(env | sed -n 's/^\(AWS_ENDPOINT_URL[A-Z_]*\)=.*/\1/p'); do unset "$var"; done
set +e
AWS_ACCESS_KEY_ID="$account" AWS_SECRET_ACCESS_KEY=test \
  AWS_ENDPOINT_URL="$endpoint" AWS_ENDPOINT_URL_ECR="$moto_endpoint" \
  cargo run --quiet -- scan --region us-east-1 --region eu-west-1 --region "$ecr_region" \
  --format table --format json --format csv --output reports/
code=$?
set -e
case "$code" in
  0) echo "demo: exit 0, no findings" >&2 ;;
  1) echo "demo: exit 1, findings at or above --fail-on (expected for the demo account)" >&2 ;;
  3) echo "demo: exit 3, some resources could not be read (see 'Not assessed' above)" >&2 ;;
  *) echo "demo: the scan failed with exit code $code" >&2; exit "$code" ;;
esac
