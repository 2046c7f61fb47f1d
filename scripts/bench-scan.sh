#!/usr/bin/env bash
# Scan benchmark: fills LocalStack with a synthetic account (examples/seed_scale.rs), then
# times `deputy-audit scan` over it RUNS times through a counting pass-through proxy
# (examples/fault_proxy.rs), and reports wall time, peak memory (max RSS) and API calls
# per resource against the minimum. ECR and the wiring's CloudTrail reads go to moto's
# server (open-source LocalStack serves neither) through a second counting proxy, so
# they count too.
#
#   bash scripts/bench-scan.sh                       # the issue's scale, 3 runs
#   RUNS=5 PROFILE=debug bash scripts/bench-scan.sh --roles 500 --queues 100
#
# Arguments go to seed_scale (--roles --queues --topics --buckets --keys --account).
# Environment: RUNS (3), PROFILE (release; the scanner binary's build profile),
# ENDPOINT (http://127.0.0.1:4566), PROXY_PORT (4577), MOTO_ENDPOINT
# (http://127.0.0.1:5566), MOTO_PROXY_PORT (4578), CONCURRENCY (the scanner's default),
# ACCOUNT (000000424242), REGION (us-east-1).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
PROFILE="${PROFILE:-release}"
ENDPOINT="${ENDPOINT:-http://127.0.0.1:4566}"
PROXY_PORT="${PROXY_PORT:-4577}"
MOTO_ENDPOINT="${MOTO_ENDPOINT:-http://127.0.0.1:5566}"
MOTO_PROXY_PORT="${MOTO_PROXY_PORT:-4578}"
ACCOUNT="${ACCOUNT:-000000424242}"
REGION="${REGION:-us-east-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/deputy-audit/target}"

if [[ ! -x /usr/bin/time ]]; then
    echo "bench-scan: /usr/bin/time is missing; install it with: apt-get install -y time" >&2
    exit 1
fi

bash localstack/start.sh >/dev/null
bash moto/start.sh >/dev/null

# The helpers' speed does not matter: debug builds. The scanner is what is measured.
cargo build --quiet --example seed_scale --example fault_proxy
if [[ "$PROFILE" == release ]]; then
    cargo build --quiet --release --bin deputy-audit
else
    cargo build --quiet --bin deputy-audit
fi
BIN="$CARGO_TARGET_DIR/$PROFILE/deputy-audit"
HELPERS="$CARGO_TARGET_DIR/debug/examples"

WORK="$(mktemp -d)"
PROXY_PID=""
MOTO_PROXY_PID=""
cleanup() {
    if [[ -n "$PROXY_PID" ]]; then kill "$PROXY_PID" 2>/dev/null || true; fi
    if [[ -n "$MOTO_PROXY_PID" ]]; then kill "$MOTO_PROXY_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$HELPERS/seed_scale" --endpoint-url "$ENDPOINT" --account "$ACCOUNT" --region "$REGION" "$@" \
    >"$WORK/counts.tsv"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "scanner: $BIN ($PROFILE)"
echo "account: $(tr '\t\n' '= ' <"$WORK/counts.tsv")"

for run in $(seq 1 "$RUNS"); do
    # A fresh proxy per run, so each run's calls are counted alone.
    "$HELPERS/fault_proxy" --listen "127.0.0.1:$PROXY_PORT" --upstream "$ENDPOINT" \
        --counts-file "$WORK/calls-$run.tsv" >"$WORK/proxy-$run.log" 2>&1 &
    PROXY_PID=$!
    "$HELPERS/fault_proxy" --listen "127.0.0.1:$MOTO_PROXY_PORT" --upstream "$MOTO_ENDPOINT" \
        --counts-file "$WORK/moto-calls-$run.tsv" >"$WORK/moto-proxy-$run.log" 2>&1 &
    MOTO_PROXY_PID=$!
    for _ in $(seq 1 100); do
        grep -q listening "$WORK/proxy-$run.log" 2>/dev/null \
            && grep -q listening "$WORK/moto-proxy-$run.log" 2>/dev/null && break
        sleep 0.05
    done
    set +e
    env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL \
        AWS_ACCESS_KEY_ID="$ACCOUNT" AWS_SECRET_ACCESS_KEY=test AWS_REGION="$REGION" \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
        AWS_ENDPOINT_URL_CLOUDTRAIL="http://127.0.0.1:$MOTO_PROXY_PORT" \
        AWS_ENDPOINT_URL_ECR="http://127.0.0.1:$MOTO_PROXY_PORT" \
        /usr/bin/time -f '%e %M' -o "$WORK/time-$run.txt" \
        "$BIN" scan --endpoint-url "http://127.0.0.1:$PROXY_PORT" --region "$REGION" \
        ${CONCURRENCY:+--concurrency "$CONCURRENCY"} \
        --format json --output "$WORK/report-$run.json" 2>"$WORK/scan-$run.log"
    code=$?
    set -e
    kill -INT "$PROXY_PID" "$MOTO_PROXY_PID"
    wait "$PROXY_PID" || true
    wait "$MOTO_PROXY_PID" || true
    PROXY_PID=""
    MOTO_PROXY_PID=""
    if [[ $code -ne 0 && $code -ne 1 ]]; then
        echo "bench-scan: run $run exited $code" >&2
        cat "$WORK/scan-$run.log" >&2
        exit 1
    fi
done

python3 - "$WORK" "$RUNS" <<'EOF'
import json, math, os, sys, statistics
work, runs = sys.argv[1], int(sys.argv[2])
counts = {}
for line in open(f"{work}/counts.tsv"):
    t, n = line.split()
    counts[t] = int(n)
R, Q, T, B, K = (counts[k] for k in ("iam-role", "sqs-queue", "sns-topic", "s3-bucket", "kms-key"))
# The fewest calls that can read every policy: sts:GetCallerIdentity; each listing at
# its API's largest page (ListRoles and ListQueues and ListKeys 1,000, ListTopics 100
# fixed, ListBuckets all at once, ListAliases 100); one Get per queue, topic, bucket and
# key (roles carry their trust policy in the listing); one call each for the services
# the account does not use (Lambda, Secrets Manager, EventBridge, CloudWatch Logs, ECR).
minimum = (1 + math.ceil(R / 1000) + max(1, math.ceil(Q / 1000)) + max(1, math.ceil(T / 100))
           + 1 + max(1, math.ceil(K / 1000)) + 1 + 5 + Q + T + B + K)
# Who uses each grant: each source kind the findings need, read once in the one region.
# The seeded account has no subscriptions, rules or trails, so each kind's fewest calls
# are its listings: ListSubscriptions; ListEventBuses and ListRules on the default bus;
# DescribeTrails. A kind this table does not know fails the benchmark, so the minimum
# is never guessed.
WIRING_MINIMUM = {"sns-subscriptions": 1, "eventbridge-targets": 2, "cloudtrail-trails": 1}
first = json.load(open(f"{work}/report-1.json"))
read = sorted(k["kind"] for k in first["wiring"]["kinds"] if k["status"] == "read")
unknown = [k for k in read if k not in WIRING_MINIMUM]
assert not unknown, f"source kinds read that the minimum does not count: {unknown}"
minimum += sum(WIRING_MINIMUM[k] for k in read)
print(f"source kinds read: {', '.join(read) or 'none'}")
resources = R + Q + T + B + K
walls, rss, calls = [], [], []
for run in range(1, runs + 1):
    wall, kb = open(f"{work}/time-{run}.txt").read().split()[-2:]
    walls.append(float(wall)); rss.append(int(kb) / 1024)
    per_op = {}
    for counts_file in (f"{work}/calls-{run}.tsv", f"{work}/moto-calls-{run}.tsv"):
        if not os.path.exists(counts_file):
            continue
        for line in open(counts_file):
            service, op, n = line.rstrip("\n").split("\t")
            per_op[f"{service}:{op}"] = per_op.get(f"{service}:{op}", 0) + int(n)
    calls.append(per_op)
    report = json.load(open(f"{work}/report-{run}.json"))
    got = {k: v for k, v in report["resource_counts"].items() if k in counts}
    assert got == counts, f"run {run}: counted {got}, seeded {counts}"
    assert not report["errors"], f"run {run}: errors {report['errors'][:3]}"
    print(f"run {run}: {walls[-1]:.2f} s wall, {rss[-1]:.1f} MiB max RSS, "
          f"{sum(per_op.values())} API calls, {len(report['findings'])} findings")
total = [sum(c.values()) for c in calls]
print(f"resources: {resources} ({counts})")
print(f"wall time: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f})")
print(f"peak memory: max {max(rss):.1f} MiB")
print(f"API calls: {total[0]} per scan, minimum {minimum} "
      f"({100 * (total[0] - minimum) / minimum:+.1f}%), {total[0] / resources:.3f} per resource")
print("calls per operation (run 1): " + ", ".join(f"{k}={v}" for k, v in sorted(calls[0].items())))
EOF
