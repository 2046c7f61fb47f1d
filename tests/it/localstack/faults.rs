//! Reliability under faults: the real `deputy-audit scan` binary runs against LocalStack
//! through a fault-injecting proxy (tests/it/support/fault_proxy.rs).
//!
//! - transient faults (throttling, 500s, slow answers, dropped connections) leave the
//!   report exactly as it is without them;
//! - permanent AccessDenied on chosen resources puts exactly those in `errors`, assesses
//!   the rest, and exits 3;
//! - every request the scanner sends is a List/Get/Describe call or GetCallerIdentity;
//! - Ctrl-C mid-scan leaves a complete partial report and no temporary file;
//! - policies that are too deep, not JSON, or not UTF-8 become recorded errors.
//!
//! LocalStack must be running at `DEPUTY_AUDIT_TEST_ENDPOINT` (default
//! http://127.0.0.1:4566). When it is not, these tests fail, never skip: a skipped
//! integration test looks like a passing one in CI.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::fault_proxy::{self, Canned, Fault, FaultPlan, FaultProxy};
use crate::support::harness::{
    fresh_account_id, require_localstack, run_deputy_audit, run_with_timeout, runtime,
    test_endpoint, wait_until, wait_with_timeout,
};
use crate::support::{harness, moto, seed};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// Attempts per request under injected faults. With 45% of requests faulted, the chance
/// that one request fails this many attempts in a row is far below one in a million;
/// and the fault sequence is deterministic, so a run that passes passes again.
const FAULT_MAX_ATTEMPTS: &str = "25";

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

fn regions() -> Vec<String> {
    REGIONS.iter().map(|r| r.to_string()).collect()
}

/// `deputy-audit scan` for `account` in [`REGIONS`] through `endpoint` (the harness's
/// clean environment).
fn scan_command(account: &str, endpoint: &str, extra: &[&str], home: &std::path::Path) -> Command {
    harness::scan_command(account, &regions(), endpoint, extra, home)
}

struct Run {
    code: Option<i32>,
    stderr: String,
    report: Value,
}

/// Runs a scan writing JSON to a file and returns the exit code and the parsed report.
fn run_scan(account: &str, endpoint: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.json");
    let mut args = vec![
        "--format",
        "json",
        "--output",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let cmd = scan_command(account, endpoint, &args, &dir.path().join("home"));
    let run = run_with_timeout(cmd, dir.path());
    let (code, stderr) = (run.code, run.stderr);
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no report at {} ({e}); exit {code:?}\n{stderr}",
            out.display()
        )
    });
    let report = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("report is not JSON ({e}); exit {code:?}\n{stderr}"));
    Run {
        code,
        stderr,
        report,
    }
}

/// The parts of a report that must not depend on faults: everything but timestamps.
fn comparable(report: &Value) -> (Value, Value, Value) {
    (
        report["resource_counts"].clone(),
        report["findings"].clone(),
        report["errors"].clone(),
    )
}

/// A short account of how two reports differ (whole reports are too long to print).
fn describe_difference(got: &(Value, Value, Value), want: &(Value, Value, Value)) -> String {
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        format!(
                            "{} {} {} {}",
                            i["resource_arn"].as_str().unwrap_or_default(),
                            i["rule_id"]
                                .as_str()
                                .or(i["operation"].as_str())
                                .unwrap_or_default(),
                            i["statement_index"],
                            i["reason"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = String::new();
    if got.0 != want.0 {
        out += &format!("resource_counts: got {} want {}\n", got.0, want.0);
    }
    for (what, g, w) in [("finding", &got.1, &want.1), ("error", &got.2, &want.2)] {
        let (g, w) = (keys(g), keys(w));
        for k in g.difference(&w) {
            out += &format!("extra {what}: {k}\n");
        }
        for k in w.difference(&g) {
            out += &format!("missing {what}: {k}\n");
        }
    }
    if out.is_empty() {
        out = "same keys; a field differs".to_string();
    }
    out
}

fn errors(report: &Value) -> &Vec<Value> {
    report["errors"].as_array().expect("errors is a list")
}

// ---------------------------------------------------------------------------
// The shared fixture: the whole seed catalogue in one fresh account, and its
// fault-free report (through a pass-through proxy that records every request)
// ---------------------------------------------------------------------------

struct Fixture {
    endpoint: String,
    manifest: seed::Manifest,
    baseline: Run,
    baseline_requests: Vec<fault_proxy::Recorded>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let endpoint = test_endpoint();
        require_localstack(&endpoint);
        let account = fresh_account_id();
        let manifest = runtime()
            .block_on(seed::seed_account(&endpoint, &account, &regions()))
            .unwrap_or_else(|e| panic!("seeding LocalStack at {endpoint} failed: {e:#}"));
        eprintln!("seeded {}", manifest.summary());
        let proxy = FaultProxy::start(&endpoint, FaultPlan::pass_through()).expect("proxy");
        let baseline = run_scan(&account, &proxy.url(), &[]);
        Fixture {
            endpoint,
            manifest,
            baseline,
            baseline_requests: proxy.requests(),
        }
    })
}

#[test]
fn fault_free_baseline_is_what_was_seeded() {
    let fx = fixture();
    let report = &fx.baseline.report;
    // Sanity for the comparisons below: the baseline really holds the seeded account
    // (findings on it, the one unparseable queue in errors), not an empty report.
    let arns: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["resource_arn"].as_str())
        .collect();
    let expected: BTreeSet<String> = fx
        .manifest
        .expected_findings()
        .into_iter()
        .map(|k| k.0)
        .collect();
    assert!(!expected.is_empty());
    for arn in &expected {
        assert!(
            arns.contains(arn.as_str()),
            "no finding on {arn}\n{}",
            fx.baseline.stderr
        );
    }
    let bad: Vec<&str> = errors(report)
        .iter()
        .filter_map(|e| e["resource_arn"].as_str())
        .collect();
    let expected_bad: Vec<&str> = fx
        .manifest
        .invalid_policy_queues
        .iter()
        .map(|q| q.arn.as_str())
        .collect();
    assert_eq!(bad, expected_bad, "{}", fx.baseline.stderr);
    // Findings, and one queue not assessed: the scan is incomplete, and 3 outranks 1.
    assert_eq!(fx.baseline.code, Some(3), "{}", fx.baseline.stderr);
    assert_eq!(
        report["accounts"][0]["status"], "incomplete",
        "an account with errors is not `scanned`"
    );
}

#[test]
fn transient_faults_leave_the_report_unchanged() {
    let fx = fixture();
    let plan = FaultPlan {
        throttle: 0.30,
        server_error: 0.10,
        slow: 0.05,
        drop_connection: 0.05,
        slow_delay: Duration::from_millis(300),
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&fx.endpoint, plan).expect("proxy");
    let run = run_scan(
        &fx.manifest.account_id,
        &proxy.url(),
        &["--max-attempts", FAULT_MAX_ATTEMPTS],
    );
    let faults = proxy.fault_counts();
    // The test means something only if every kind of fault actually happened.
    for kind in [
        Fault::Throttle,
        Fault::ServerError,
        Fault::Slow,
        Fault::DropConnection,
    ] {
        assert!(
            faults.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} was injected ({faults:?}); the scan made {} requests",
            proxy.requests().len()
        );
    }
    let (got, want) = (comparable(&run.report), comparable(&fx.baseline.report));
    assert!(
        got == want,
        "the report under transient faults ({faults:?}) differs from the fault-free one:\n{}\n{}",
        describe_difference(&got, &want),
        run.stderr
    );
    assert_eq!(run.code, fx.baseline.code);
    // Retries happened: more requests than the fault-free scan made.
    assert!(proxy.requests().len() > fx.baseline_requests.len());
    assert_read_only(&proxy.requests());
}

/// Throttling as AWS does it, by rate: each service takes 4 requests a second and
/// throttles the rest. Adaptive retry slows down until the throttling stops, and the
/// report is the fault-free one.
#[test]
fn rate_limited_scan_slows_down_and_loses_nothing() {
    let fx = fixture();
    let plan = FaultPlan {
        rate_limit: Some(4.0),
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&fx.endpoint, plan).expect("proxy");
    let run = run_scan(&fx.manifest.account_id, &proxy.url(), &[]);
    let throttled = proxy
        .fault_counts()
        .get(&Fault::Throttle)
        .copied()
        .unwrap_or(0);
    assert!(
        throttled > 0,
        "the rate limit never throttled; the test proves nothing"
    );
    let (got, want) = (comparable(&run.report), comparable(&fx.baseline.report));
    assert!(
        got == want,
        "the report under rate limiting ({throttled} throttled) differs:\n{}\n{}",
        describe_difference(&got, &want),
        run.stderr
    );
    assert_eq!(run.code, fx.baseline.code);
}

/// Every request is a read: List*, Get*, Describe* or sts:GetCallerIdentity (which
/// starts with Get as well, but is named for clarity).
fn assert_read_only(requests: &[fault_proxy::Recorded]) {
    let writes: BTreeSet<(String, String, String)> = requests
        .iter()
        .filter(|r| {
            !(["List", "Get", "Describe"]
                .iter()
                .any(|p| r.operation.starts_with(p))
                || r.operation == "GetCallerIdentity")
        })
        .map(|r| (r.service.clone(), r.operation.clone(), r.method.clone()))
        .collect();
    assert!(writes.is_empty(), "non-read requests: {writes:?}");
    // REST reads are GETs: a DELETE or PUT to a recognised path would be a write.
    let rest_writes: Vec<_> = requests
        .iter()
        .filter(|r| {
            matches!(
                r.service.as_str(),
                "s3" | "lambda" | "apigateway" | "scheduler"
            ) && r.method != "GET"
        })
        .collect();
    assert!(
        rest_writes.is_empty(),
        "non-GET REST requests: {rest_writes:?}"
    );
}

#[test]
fn scanner_is_read_only() {
    let fx = fixture();
    let requests = &fx.baseline_requests;
    assert_read_only(requests);
    let operations: BTreeSet<(&str, &str)> = requests
        .iter()
        .map(|r| (r.service.as_str(), r.operation.as_str()))
        .collect();
    // Non-empty, and it covers every collector's listing: a proxy that saw nothing
    // (the scan bypassing it) would otherwise pass.
    for expected in [
        ("sts", "GetCallerIdentity"),
        ("iam", "ListRoles"),
        ("sqs", "ListQueues"),
        ("sqs", "GetQueueAttributes"),
        ("sns", "ListTopics"),
        ("sns", "GetTopicAttributes"),
        ("s3", "ListBuckets"),
        ("s3", "GetBucketPolicy"),
        ("kms", "ListKeys"),
        ("kms", "ListAliases"),
        ("kms", "GetKeyPolicy"),
        ("lambda", "ListFunctions"),
        ("secretsmanager", "ListSecrets"),
        ("events", "ListEventBuses"),
        ("logs", "DescribeResourcePolicies"),
    ] {
        assert!(
            operations.contains(&expected),
            "{expected:?} was never called; saw {operations:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Permanent AccessDenied
// ---------------------------------------------------------------------------

/// Creates protected (as published) queues, topics and buckets from the catalogue,
/// `copies` of each, named `da-<tag>-<example>-<i>`. Returns `(resource_type, name, arn)`.
async fn seed_protected(
    endpoint: &str,
    account: &str,
    tag: &str,
    copies: usize,
) -> Vec<(String, String, String)> {
    let catalogue = seed::catalogue();
    let region = REGIONS[0];
    let conf = seed::sdk_config(endpoint, account, region);
    let mut created = Vec::new();
    for example in &catalogue.examples {
        if !["sqs-queue", "sns-topic", "s3-bucket"].contains(&example.resource_type.as_str()) {
            continue;
        }
        // Exit code 3 below needs an account without findings.
        assert!(
            example.expected_protected.is_empty(),
            "catalogue example {} now expects findings in its protected form; pick another",
            example.name
        );
        for i in 1..=copies {
            let name = match example.resource_type.as_str() {
                "s3-bucket" => format!("da-{account}-{tag}-{i}"),
                _ => format!("da-{tag}-{}-{i}", example.name),
            };
            let doc_for = |arn: Option<&str>| {
                let vars = seed::Vars {
                    account,
                    region,
                    resource_arn: arn,
                };
                example.document(seed::Form::Protected, &vars)
            };
            let arn = seed::create_with_policy(
                &conf,
                account,
                &example.resource_type,
                &name,
                region,
                "deputy-audit fault test",
                doc_for,
            )
            .await
            .unwrap_or_else(|e| panic!("seeding {name}: {e:#}"));
            created.push((example.resource_type.clone(), name, arn));
        }
    }
    created
}

#[test]
fn access_denied_resources_are_listed_as_not_assessed() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let account = fresh_account_id();
    let created = runtime().block_on(seed_protected(&endpoint, &account, "deny", 3));
    let pick = |ty: &str| {
        created
            .iter()
            .filter(|c| c.0 == ty)
            .nth(1)
            .cloned()
            .unwrap_or_else(|| panic!("no second {ty} seeded"))
    };
    let (queue, bucket) = (pick("sqs-queue"), pick("s3-bucket"));
    let plan = FaultPlan {
        deny: vec![queue.1.clone(), bucket.1.clone()],
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&endpoint, plan).expect("proxy");
    let run = run_scan(&account, &proxy.url(), &[]);

    let got: BTreeMap<String, (String, String)> = errors(&run.report)
        .iter()
        .map(|e| {
            (
                e["resource_arn"].as_str().unwrap_or_default().to_string(),
                (
                    e["operation"].as_str().unwrap_or_default().to_string(),
                    e["reason"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect();
    let arns: BTreeSet<&String> = got.keys().collect();
    assert_eq!(
        arns,
        BTreeSet::from([&queue.2, &bucket.2]),
        "exactly the two denied resources must be in errors\n{}",
        run.stderr
    );
    assert_eq!(got[&queue.2].0, "GetQueueAttributes");
    assert_eq!(got[&bucket.2].0, "GetBucketPolicy");
    for (arn, (_, reason)) in &got {
        assert!(reason.contains("AccessDenied"), "{arn}: reason {reason:?}");
    }
    // Everything else was assessed: every created resource is counted (the denied ones
    // included, as contracted), and nothing else failed.
    // Every account has a default event bus in each region.
    let mut expected_counts: BTreeMap<String, u64> =
        BTreeMap::from([("event-bus".to_string(), REGIONS.len() as u64)]);
    for (ty, _, _) in &created {
        *expected_counts.entry(ty.clone()).or_default() += 1;
    }
    let counts: BTreeMap<String, u64> = run.report["resource_counts"]
        .as_object()
        .expect("resource_counts")
        .iter()
        .filter_map(|(k, v)| v.as_u64().filter(|n| *n > 0).map(|n| (k.clone(), n)))
        .collect();
    assert_eq!(counts, expected_counts, "{}", run.stderr);
    assert_eq!(run.report["findings"], Value::Array(vec![]));
    // 3 = incomplete: the protected policies give no finding at all, so nothing at or
    // above --fail-on (default medium) decides 1, and two resources were not assessed.
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    // The denials were answered by the proxy on every attempt (not retried away).
    assert!(
        proxy
            .fault_counts()
            .get(&Fault::AccessDenied)
            .copied()
            .unwrap_or(0)
            >= 2
    );
}

// ---------------------------------------------------------------------------
// Ctrl-C
// ---------------------------------------------------------------------------

#[test]
fn interrupted_scan_leaves_a_complete_partial_report() {
    let fx = fixture();
    // Every request answers only after 5 s, so the scan is surely mid-flight when
    // interrupted, whatever the machine's speed.
    let slow = Duration::from_secs(5);
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            slow: 1.0,
            slow_delay: slow,
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("reports");
    std::fs::create_dir(&out_dir).expect("report dir");
    let mut cmd = scan_command(
        &fx.manifest.account_id,
        &proxy.url(),
        &[
            "--format",
            "json",
            "--output",
            out_dir.to_str().expect("utf-8"),
        ],
        &dir.path().join("home"),
    );
    let err_path = dir.path().join("stderr.txt");
    // ECR through the slow proxy too (elsewhere it goes to moto), so every job waits.
    cmd.env("AWS_ENDPOINT_URL_ECR", proxy.url());
    cmd.stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let mut child = cmd.spawn().expect("spawn deputy-audit");

    // Interrupt once every job is waiting on its first request. Each of the 18 jobs
    // (IAM and S3 once, 8 regional collectors in 2 regions) sends exactly one request
    // before the first answer, which takes 5 s. Waiting for all 16, not just the first,
    // matters: scan.rs polls the jobs before it first polls its signal listener, so a
    // SIGINT sent as soon as the first listing arrives can beat the handler's
    // registration and kill the process (seen under load).
    let jobs = 2 + 8 * REGIONS.len();
    wait_until("every job's first request", Duration::from_secs(60), || {
        proxy
            .requests()
            .iter()
            .filter(|r| r.operation != "GetCallerIdentity")
            .count()
            >= jobs
    });
    let interrupted_at = Instant::now();
    let pid = i32::try_from(child.id()).expect("pid fits i32");
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(rc, 0, "kill(SIGINT) failed");
    let code = wait_with_timeout(&mut child, Duration::from_secs(60));
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    // It stopped at once instead of waiting for the slow answers.
    assert!(
        interrupted_at.elapsed() < slow,
        "exit took {:?} after SIGINT\n{stderr}",
        interrupted_at.elapsed()
    );
    assert_eq!(code, Some(3), "{stderr}");

    let entries: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("read report dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        !entries.iter().any(|n| n.starts_with(".deputy-audit-")),
        "a temporary report file was left behind: {entries:?}"
    );
    assert_eq!(
        entries.len(),
        1,
        "expected one JSON report, found {entries:?}"
    );
    let name = &entries[0];
    assert!(
        name.starts_with(&format!("deputy-audit-{}-", fx.manifest.account_id))
            && name.ends_with(".json"),
        "{name}"
    );
    let text = std::fs::read_to_string(out_dir.join(name)).expect("read report");
    let report: Value = serde_json::from_str(&text).expect("the partial report is complete JSON");
    let errs = errors(&report);
    // Every job was still waiting on the proxy: each is recorded as interrupted.
    // 2 global jobs (IAM, S3) + 8 regional collectors (ECR included) in 2 regions.
    assert_eq!(errs.len(), jobs, "{text}");
    for e in errs {
        assert_eq!(e["operation"], "(interrupted)", "{e}");
        assert!(
            e["reason"].as_str().unwrap_or_default().contains("SIGINT"),
            "{e}"
        );
    }
    assert_eq!(report["account_id"], fx.manifest.account_id.as_str());
}

// ---------------------------------------------------------------------------
// Hostile policy documents
// ---------------------------------------------------------------------------

/// `[[[...]]]` `depth` levels deep as the `Statement`.
fn nested_policy(depth: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{}"x"{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// A valid topic policy of about `bytes` bytes: many statements granting
/// `sns.amazonaws.com`... without a source condition (each one a finding).
fn large_topic_policy(arn: &str, bytes: usize) -> (String, usize) {
    let statement = |i: usize| {
        serde_json::json!({
            "Sid": format!("S{i:04}"),
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": arn,
        })
    };
    // Sizes add up statement by statement: re-serializing the list each time would be
    // quadratic.
    let (mut statements, mut size) = (Vec::new(), 0);
    while size < bytes {
        let s = statement(statements.len());
        size += s.to_string().len() + 1;
        statements.push(s);
    }
    let n = statements.len();
    (
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
        n,
    )
}

#[test]
fn hostile_policies_on_real_resources_are_recorded_not_fatal() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let account = fresh_account_id();
    let region = REGIONS[0];
    let rt = runtime();
    // deep_arns: 100 levels, 1,000 levels, 300 KB.
    let (deep_arns, topic_arn, statements) = rt.block_on(async {
        let conf = seed::sdk_config(&endpoint, &account, region);
        let sqs = aws_sdk_sqs::Client::new(&conf);
        let mut deep = Vec::new();
        // 100 levels: JSON, but not a policy. 1,000 levels: past serde_json's recursion
        // limit, so not even JSON to the parser.
        for depth in [100usize, 1000] {
            let name = format!("da-deep-{depth}");
            let url = sqs
                .create_queue()
                .queue_name(&name)
                .send()
                .await
                .expect("CreateQueue")
                .queue_url
                .expect("url");
            sqs.set_queue_attributes()
                .queue_url(url)
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::Policy,
                    nested_policy(depth),
                )
                .send()
                .await
                .expect("LocalStack stores a deeply nested queue policy");
            deep.push(format!("arn:aws:sqs:{region}:{account}:{name}"));
        }
        // 300 KB, over the analyzer's 256 KiB limit (no AWS policy is that large;
        // LocalStack stores it anyway): refused before parsing, and recorded.
        let name = "da-oversized";
        let url = sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .expect("CreateQueue")
            .queue_url
            .expect("url");
        let (huge, _) = large_topic_policy("arn:aws:sns:us-east-1:111122223333:t", 300_000);
        sqs.set_queue_attributes()
            .queue_url(url)
            .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, huge)
            .send()
            .await
            .expect("LocalStack stores a 300 KB queue policy");
        deep.push(format!("arn:aws:sqs:{region}:{account}:{name}"));
        let sns = aws_sdk_sns::Client::new(&conf);
        let arn = sns
            .create_topic()
            .name("da-large-policy")
            .send()
            .await
            .expect("CreateTopic")
            .topic_arn
            .expect("arn");
        // SNS's limit for a topic policy is 30 KiB.
        let (policy, n) = large_topic_policy(&arn, 30_000);
        sns.set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name("Policy")
            .attribute_value(policy)
            .send()
            .await
            .expect("LocalStack stores a 30 KB topic policy");
        (deep, arn, n)
    });
    let run = run_scan(&account, &endpoint, &["--services", "sqs,sns"]);
    let errs: BTreeMap<&str, &str> = errors(&run.report)
        .iter()
        .map(|e| {
            (
                e["resource_arn"].as_str().unwrap_or_default(),
                e["reason"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(errs.len(), 3, "{errs:?}\n{}", run.stderr);
    assert!(
        errs[deep_arns[2].as_str()].contains("over the 262144-byte limit"),
        "300 KB: {errs:?}"
    );
    assert!(
        errs[deep_arns[0].as_str()].contains("malformed"),
        "100 levels: {errs:?}"
    );
    assert!(
        errs[deep_arns[1].as_str()].contains("not valid JSON")
            && errs[deep_arns[1].as_str()].contains("recursion"),
        "1,000 levels: {errs:?}"
    );
    // The large policy is a policy: assessed, one finding per statement.
    let on_topic = run.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["resource_arn"] == topic_arn.as_str())
        .count();
    assert_eq!(on_topic, statements, "{}", run.stderr);
    // Findings, but three policies not assessed: incomplete outranks findings.
    assert_eq!(run.code, Some(3), "{}", run.stderr);
}

/// One account whose role cannot be assumed is one error entry and a `failed`
/// account summary; the other account is still scanned (issue 5). LocalStack
/// lets anyone assume any role, so the proxy denies sts:AssumeRole for one role.
#[test]
fn an_account_that_cannot_be_assumed_is_an_error_not_an_abort() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let caller = fresh_account_id();
    let other = fresh_account_id();
    let plan = FaultPlan {
        deny: vec!["DeniedAuditRole".to_string()],
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&endpoint, plan).expect("proxy");
    let denied = format!("arn:aws:iam::{other}:role/DeniedAuditRole");
    let allowed = format!("arn:aws:iam::{caller}:role/AuditRole");
    let run = run_scan(
        &caller,
        &proxy.url(),
        &["--role-arn", &denied, "--role-arn", &allowed],
    );

    let accounts = run.report["accounts"].as_array().expect("accounts");
    let status = |id: &str| {
        accounts
            .iter()
            .find(|a| a["account_id"] == id)
            .map(|a| a["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(status(&other).as_deref(), Some("failed"), "{}", run.stderr);
    assert_eq!(
        status(&caller).as_deref(),
        Some("scanned"),
        "{}",
        run.stderr
    );
    let assume_errors: Vec<&Value> = errors(&run.report)
        .iter()
        .filter(|e| e["operation"] == "AssumeRole")
        .collect();
    assert_eq!(assume_errors.len(), 1, "{:?}", errors(&run.report));
    assert_eq!(assume_errors[0]["resource_arn"], denied.as_str());
    assert_eq!(assume_errors[0]["account_id"], other.as_str());
    assert!(
        assume_errors[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("AccessDenied")),
        "{:?}",
        assume_errors[0]
    );
    assert_eq!(run.report["account_id"], "multiple");
    // The empty caller account has no finding: the unassumable account alone makes
    // the scan incomplete.
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(proxy
        .requests()
        .iter()
        .any(|r| r.operation == "AssumeRole" && r.fault == Some(Fault::AccessDenied)));
}

/// A pass-through proxy that answers every request signed for `service` itself. Only
/// the Account API (`account:ListRegions`) still needs it: open-source LocalStack has
/// no Account API and moto's server (5.2.5) serves only its alternate-contact
/// operations. Organizations is served by moto (see the `--org` test).
fn proxy_answering(endpoint: &str, service: &str, content_type: &str, body: &Value) -> FaultProxy {
    let plan = FaultPlan {
        canned: vec![Canned {
            service: service.to_string(),
            content_type: content_type.to_string(),
            body: body.to_string(),
        }],
        ..FaultPlan::default()
    };
    FaultProxy::start(endpoint, plan).expect("proxy")
}

/// An organization of `management`'s own in moto's server: `management` creates it,
/// then one member account stays ACTIVE and one is closed (moto makes it SUSPENDED at
/// once). Returns `(member, suspended)`, the ids moto gave them. `org_endpoint` is the
/// proxy in front of moto that marks every request as `management`'s.
async fn seed_moto_org(org_endpoint: &str, management: &str) -> (String, String) {
    let org = aws_sdk_organizations::Client::new(&moto::moto_sdk_config(org_endpoint, "us-east-1"));
    let created = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization in moto");
    assert_eq!(
        created
            .organization
            .and_then(|o| o.master_account_id)
            .as_deref(),
        Some(management),
        "moto answers as the account the proxy names"
    );
    let mut ids = Vec::new();
    for name in ["member", "suspended"] {
        let id = org
            .create_account()
            .email(format!("{name}-{management}@example.com"))
            .account_name(format!("{name}-{management}"))
            .send()
            .await
            .expect("create account in moto")
            .create_account_status
            .and_then(|s| s.account_id)
            .expect("account id");
        ids.push(id);
    }
    org.close_account()
        .account_id(&ids[1])
        .send()
        .await
        .expect("close account in moto");
    (ids.remove(0), ids.remove(0))
}

/// `--org`: the accounts organizations:ListAccounts returns, answered by moto's
/// server (open-source LocalStack has no Organizations API), reached through
/// `AWS_ENDPOINT_URL_ORGANIZATIONS` while everything else goes to LocalStack. A
/// pass-through proxy in front of moto records the calls and names the caller's
/// account to moto (`x-moto-account-id`), so the organization is this test's own on
/// a shared server. The caller's own account is scanned with its own credentials,
/// other active accounts through `--org-role`, suspended ones not at all.
#[test]
fn org_scans_the_active_accounts_of_the_organization() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let moto_endpoint = moto::moto_endpoint();
    moto::require_moto(&moto_endpoint);
    let caller = fresh_account_id();
    let proxy = FaultProxy::start(
        &moto_endpoint,
        FaultPlan {
            add_headers: vec![("x-moto-account-id".to_string(), caller.clone())],
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let (member, suspended) = runtime().block_on(seed_moto_org(&proxy.url(), &caller));
    proxy.clear();

    // Not `--endpoint-url`: an endpoint set in code outranks the per-service variables.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.json");
    let mut args: Vec<String> = vec!["scan".to_string()];
    for region in REGIONS {
        args.extend(["--region".to_string(), region.to_string()]);
    }
    args.extend(
        [
            "--org",
            "--org-role",
            "DeputyAuditRole",
            "--format",
            "json",
            "--output",
        ]
        .iter()
        .map(|a| a.to_string()),
    );
    args.push(out.to_string_lossy().into_owned());
    let mut env = moto::endpoint_env(&endpoint, &proxy.url(), &["organizations"]);
    env.push(("AWS_ACCESS_KEY_ID".to_string(), caller.clone()));
    env.push(("AWS_REGION".to_string(), REGIONS[0].to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = run_deputy_audit(&args, &env, dir.path());
    assert_eq!(
        run.code,
        Some(0),
        "empty accounts, nothing unread\n{}",
        run.describe()
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("JSON");
    let scanned: BTreeMap<String, Value> = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["account_id"].as_str().unwrap_or_default().to_string(),
                a.clone(),
            )
        })
        .collect();
    assert_eq!(
        scanned.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([caller.clone(), member.clone()]),
        "the suspended account ({suspended}) is not scanned"
    );
    assert!(
        scanned[&caller].get("role_arn").is_none(),
        "own account, own credentials"
    );
    assert_eq!(
        scanned[&member]["role_arn"],
        format!("arn:aws:iam::{member}:role/DeputyAuditRole").as_str()
    );
    let calls = proxy.counts();
    assert!(
        calls
            .keys()
            .any(|(service, op)| service == "organizations" && op == "ListAccounts"),
        "{calls:?}"
    );
}

/// `--all-regions`: the regions account:ListRegions returns are the regions scanned.
/// Still a canned answer from the proxy: open-source LocalStack has no Account API
/// and moto's server (5.2.5) does not serve ListRegions (only alternate contacts).
#[test]
fn all_regions_scans_what_list_regions_returns() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let account = fresh_account_id();
    let body = serde_json::json!({ "Regions": [
        { "RegionName": "eu-west-1", "RegionOptStatus": "ENABLED" },
        { "RegionName": "ap-southeast-2", "RegionOptStatus": "ENABLED_BY_DEFAULT" },
    ] });
    let proxy = proxy_answering(&endpoint, "account", "application/json", &body);
    // `run_scan` passes --region; --all-regions needs the configured region only.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.json");
    let args: Vec<String> = [
        "scan",
        "--endpoint-url",
        &proxy.url(),
        "--all-regions",
        "--format",
        "json",
        "--output",
    ]
    .iter()
    .map(|a| a.to_string())
    .chain([out.to_string_lossy().into_owned()])
    .collect();
    let run = run_deputy_audit(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", account.as_str()),
            ("AWS_REGION", "us-east-1"),
        ],
        dir.path(),
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("JSON");
    assert_eq!(
        report["regions"],
        serde_json::json!(["ap-southeast-2", "eu-west-1"])
    );
    // Regional services were listed once in each returned region.
    let list_queues = proxy
        .requests()
        .iter()
        .filter(|r| r.operation == "ListQueues")
        .count();
    assert_eq!(list_queues, 2, "one ListQueues per region");
    assert_eq!(
        report["resource_counts"]["event-bus"], 2,
        "a default bus in each returned region"
    );
}

// ---------------------------------------------------------------------------
// Incomplete outranks findings (issue 10, item 15)
// ---------------------------------------------------------------------------

/// SIGTERM and SIGHUP after IAM's findings are in: the partial report keeps
/// them, every unfinished job is `(interrupted)` naming the signal, and the exit
/// code is 3 (incomplete), not 1, although findings are at or above --fail-on.
#[test]
fn interrupted_scan_with_findings_exits_3() {
    let fx = fixture();
    let iam_findings = fx.baseline.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["service"] == "iam"
                && ["high", "medium"].contains(&f["severity"].as_str().unwrap_or(""))
        })
        .count();
    assert!(
        iam_findings > 0,
        "the seed has IAM findings at or above medium"
    );
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        // Everything but IAM (and STS, to start at once) answers after 5 s.
        let slow = Duration::from_secs(5);
        let proxy = FaultProxy::start(
            &fx.endpoint,
            FaultPlan {
                slow: 1.0,
                slow_delay: slow,
                spared_services: vec!["iam".to_string(), "sts".to_string()],
                ..FaultPlan::default()
            },
        )
        .expect("proxy");
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("report.json");
        let mut cmd = scan_command(
            &fx.manifest.account_id,
            &proxy.url(),
            &["--format", "json", "--output", out.to_str().expect("utf-8")],
            &dir.path().join("home"),
        );
        let err_path = dir.path().join("stderr.txt");
        cmd.stdout(Stdio::null())
            .stderr(std::fs::File::create(&err_path).expect("stderr file"));
        let mut child = cmd.spawn().expect("spawn deputy-audit");
        // Every job has sent its first request (see the SIGINT test above) and IAM,
        // answered at once, has had time to finish.
        let jobs = 2 + 7 * REGIONS.len();
        wait_until("every job's first request", Duration::from_secs(60), || {
            let requests = proxy.requests();
            let firsts = requests
                .iter()
                .filter(|r| r.operation != "GetCallerIdentity" && r.service != "iam")
                .count();
            firsts >= jobs - 1 && requests.iter().any(|r| r.operation == "ListRoles")
        });
        std::thread::sleep(Duration::from_millis(1500));
        let pid = i32::try_from(child.id()).expect("pid fits i32");
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill({name}) failed");
        let code = wait_with_timeout(&mut child, Duration::from_secs(60));
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        assert_eq!(code, Some(3), "{name}: {stderr}");
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(&out)
                .unwrap_or_else(|e| panic!("{name}: no report ({e}) {stderr}")),
        )
        .expect("the partial report is JSON");
        let iam = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["service"] == "iam")
            .count();
        assert!(iam > 0, "{name}: IAM's findings are kept\n{stderr}");
        let interrupted: Vec<&Value> = errors(&report)
            .iter()
            .filter(|e| e["operation"] == "(interrupted)")
            .collect();
        assert_eq!(interrupted.len(), jobs - 1, "{name}: {report}");
        assert!(
            interrupted
                .iter()
                .all(|e| e["reason"].as_str().unwrap_or_default().contains(name)),
            "{name}: {report}"
        );
        assert_eq!(report["accounts"][0]["status"], "incomplete");
    }
}

/// An account whose role cannot be assumed, next to an account with findings:
/// 3, not 1. The AssumeRole error is the AWS code and message, not a dump of
/// the SDK's error with the raw XML answer.
#[test]
fn failed_account_next_to_findings_exits_3_with_a_readable_reason() {
    let fx = fixture();
    let other = fresh_account_id();
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            deny: vec!["DeniedAuditRole".to_string()],
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let denied = format!("arn:aws:iam::{other}:role/DeniedAuditRole");
    let own = format!("arn:aws:iam::{}:role/AuditRole", fx.manifest.account_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.md");
    let run = run_scan(
        &fx.manifest.account_id,
        &proxy.url(),
        &["--role-arn", &denied, "--role-arn", &own],
    );
    assert!(
        !run.report["findings"]
            .as_array()
            .expect("findings")
            .is_empty(),
        "the scanned account has findings"
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let reason = errors(&run.report)
        .iter()
        .find(|e| e["operation"] == "AssumeRole")
        .and_then(|e| e["reason"].as_str())
        .expect("an AssumeRole error")
        .to_string();
    assert!(
        reason.contains(
            "AccessDenied: User: arn:aws:iam::000000000000:user/auditor is not authorized"
        ),
        "{reason}"
    );
    for dump in [
        "<ErrorResponse",
        "hyper",
        "ProviderError",
        "{",
        "DispatchFailure",
    ] {
        assert!(!reason.contains(dump), "reason carries {dump:?}: {reason}");
    }
    assert!(reason.len() < 400, "one short line: {reason}");

    // The same reason in the table and in Markdown.
    for format in ["table", "markdown"] {
        let mut cmd = scan_command(
            &fx.manifest.account_id,
            &proxy.url(),
            &[
                "--role-arn",
                &denied,
                "--format",
                format,
                "--output",
                out.to_str().expect("utf-8"),
            ],
            &dir.path().join("home"),
        );
        let status = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs");
        assert_eq!(status.code(), Some(3), "{format}");
        let text = std::fs::read_to_string(&out).expect("report written");
        assert!(text.contains("AccessDenied"), "{format}: {text}");
        assert!(
            !text.contains("<ErrorResponse") && !text.contains("hyper"),
            "{format}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------
// Empty answers (issue 10, item 14)
// ---------------------------------------------------------------------------

/// HTTP 200 with an empty body, for each per-resource read: every resource of
/// that kind is in `errors` under that operation, none is judged clean.
#[test]
fn an_empty_answer_to_a_policy_read_is_an_error() {
    let fx = fixture();
    let reads = [
        ("GetQueueAttributes", "sqs-queue"),
        ("GetKeyPolicy", "kms-key"),
        ("GetResourcePolicy", "secretsmanager-secret"),
        ("GetPolicy", "lambda-function"),
        ("GetBucketPolicy", "s3-bucket"),
    ];
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            empty_body: reads.iter().map(|(op, _)| op.to_string()).collect(),
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let run = run_scan(&fx.manifest.account_id, &proxy.url(), &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    for (operation, kind) in reads {
        let listed = run.report["resource_counts"][kind].as_u64().unwrap_or(0);
        assert!(listed > 0, "the seed has {kind} resources");
        let failed: Vec<&Value> = errors(&run.report)
            .iter()
            .filter(|e| e["operation"] == operation && e["resource_type"] == kind)
            .collect();
        assert_eq!(
            failed.len() as u64,
            listed,
            "{operation}: every {kind} is an error\n{}",
            run.stderr
        );
        for e in failed {
            assert!(
                e["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("empty body"),
                "{e}"
            );
        }
        assert!(
            !run.report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["resource_type"] == kind),
            "no {kind} was judged"
        );
    }
}

/// HTTP 200 with an empty body for each listing: a listing error in every
/// region, not an empty region.
#[test]
fn an_empty_answer_to_a_listing_is_an_error() {
    let fx = fixture();
    let listings = [
        ("ListQueues", "sqs-queue"),
        ("ListKeys", "kms-key"),
        ("ListSecrets", "secretsmanager-secret"),
        ("ListEventBuses", "event-bus"),
        ("DescribeResourcePolicies", "logs-resource-policy"),
    ];
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            empty_body: listings.iter().map(|(op, _)| op.to_string()).collect(),
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let run = run_scan(&fx.manifest.account_id, &proxy.url(), &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    for (operation, kind) in listings {
        let regions: BTreeSet<&str> = errors(&run.report)
            .iter()
            .filter(|e| e["operation"] == operation && e["resource_type"] == kind)
            .filter(|e| {
                e["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("empty body")
            })
            .filter_map(|e| e["region"].as_str())
            .collect();
        assert_eq!(
            regions,
            BTreeSet::from(REGIONS),
            "{operation}: a listing error in every region\n{:?}",
            errors(&run.report)
        );
    }
    assert!(
        proxy
            .fault_counts()
            .get(&Fault::EmptyBody)
            .copied()
            .unwrap_or(0)
            >= listings.len() * REGIONS.len()
    );
}

/// HTTP 200 with `{}` where AWS always returns a member: a key always has a
/// policy, Lambda answers 404 when there is none, QueueArn was asked for, a
/// secret's ARN and Name always come back. Each such resource is an error.
#[test]
fn an_empty_object_where_aws_always_answers_something_is_an_error() {
    let fx = fixture();
    let reads = [
        (
            "GetQueueAttributes",
            "sqs-queue",
            "application/x-amz-json-1.0",
        ),
        ("GetKeyPolicy", "kms-key", "application/x-amz-json-1.1"),
        (
            "GetResourcePolicy",
            "secretsmanager-secret",
            "application/x-amz-json-1.1",
        ),
        ("GetPolicy", "lambda-function", "application/json"),
    ];
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            answer: reads
                .iter()
                .map(|(op, _, ct)| (op.to_string(), ct.to_string(), "{}".to_string()))
                .collect(),
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let run = run_scan(&fx.manifest.account_id, &proxy.url(), &[]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    for (operation, kind, _) in reads {
        let listed = run.report["resource_counts"][kind].as_u64().unwrap_or(0);
        assert!(listed > 0, "the seed has {kind} resources");
        let failed: Vec<&Value> = errors(&run.report)
            .iter()
            .filter(|e| e["operation"] == operation && e["resource_type"] == kind)
            .filter(|e| {
                e["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("answered without")
            })
            .collect();
        assert_eq!(
            failed.len() as u64,
            listed,
            "{operation}: every {kind} is an error\n{:#?}",
            errors(&run.report)
        );
        assert!(
            !run.report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["resource_type"] == kind),
            "no {kind} was judged"
        );
    }
}

/// `{}` for ListEventBuses: every region has the default bus, so no list is a
/// listing error, not a region without buses.
#[test]
fn an_empty_object_for_list_event_buses_is_an_error() {
    let fx = fixture();
    let proxy = FaultProxy::start(
        &fx.endpoint,
        FaultPlan {
            answer: vec![(
                "ListEventBuses".to_string(),
                "application/x-amz-json-1.1".to_string(),
                "{}".to_string(),
            )],
            ..FaultPlan::default()
        },
    )
    .expect("proxy");
    let run = run_scan(
        &fx.manifest.account_id,
        &proxy.url(),
        &["--services", "events"],
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let regions: BTreeSet<&str> = errors(&run.report)
        .iter()
        .filter(|e| e["operation"] == "ListEventBuses" && e["resource_type"] == "event-bus")
        .filter(|e| {
            e["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("default event bus")
        })
        .filter_map(|e| e["region"].as_str())
        .collect();
    assert_eq!(regions, BTreeSet::from(REGIONS), "{:#?}", run.report);
}

/// An empty or HTML 200 to ListRoles: under -q (and without -v) the SDK's own
/// log lines stay hidden, and the report's reason is one line a person can
/// read, with no interceptor wrapper and no Debug dump.
#[test]
fn broken_answers_give_readable_reasons_and_no_sdk_log_lines() {
    let fx = fixture();
    let html = (
        "ListRoles".to_string(),
        "text/html".to_string(),
        "<html><body>502 Bad Gateway</body></html>".to_string(),
    );
    for (plan, expected) in [
        (
            FaultPlan {
                empty_body: vec!["ListRoles".to_string()],
                ..FaultPlan::default()
            },
            "ListRoles answered HTTP 200 with an empty body",
        ),
        (
            FaultPlan {
                answer: vec![html],
                ..FaultPlan::default()
            },
            "the answer was not valid XML (an HTML page?)",
        ),
    ] {
        let proxy = FaultProxy::start(&fx.endpoint, plan).expect("proxy");
        for quiet in [&["-q"][..], &[][..]] {
            let mut extra = vec!["--services", "iam", "--max-attempts", "1"];
            extra.extend_from_slice(quiet);
            let run = run_scan(&fx.manifest.account_id, &proxy.url(), &extra);
            assert_eq!(run.code, Some(3), "{}", run.stderr);
            for noise in ["orchestrator", "OrchestratorError", "ERROR", "WARN"] {
                assert!(
                    !run.stderr.contains(noise),
                    "the SDK's log reached stderr ({noise}, {quiet:?}):\n{}",
                    run.stderr
                );
            }
            let reasons: Vec<&str> = errors(&run.report)
                .iter()
                .filter(|e| e["operation"] == "ListRoles")
                .filter_map(|e| e["reason"].as_str())
                .collect();
            assert!(!reasons.is_empty(), "{:#?}", run.report);
            for reason in reasons {
                assert!(reason.starts_with(expected), "{reason}");
                assert!(
                    !reason.contains("interceptor") && !reason.contains(" { "),
                    "{reason}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Logs (issue 10, item 13)
// ---------------------------------------------------------------------------

/// `DEPUTY_AUDIT_LOG=trace` logs a great deal, but no policy document: the
/// SDK logs bodies at TRACE, and its crates are capped at DEBUG.
#[test]
fn trace_logging_never_prints_policies() {
    let fx = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = scan_command(
        &fx.manifest.account_id,
        &fx.endpoint,
        &["--services", "sqs,sns,iam", "--format", "json"],
        &dir.path().join("home"),
    );
    let out = cmd.env("DEPUTY_AUDIT_LOG", "trace").output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().count() > 20,
        "trace logs something:\n{stderr}"
    );
    for policy_text in [
        "Statement",
        "sts:AssumeRole",
        "sqs:SendMessage",
        "Principal",
    ] {
        assert!(
            !stderr.contains(policy_text),
            "a policy reached the log ({policy_text}):\n{}",
            &stderr[..stderr.len().min(4000)]
        );
    }
}
