//! Who uses each grant: an account wired for real (a bucket notifying a topic
//! and a queue, a topic subscribed by the queue, a rule targeting the queue
//! and, through a role, the topic, an alarm publishing to the topic, a log
//! group encrypted with a key and subscribed by a function), every grant left
//! open. The scan's JSON report must name exactly those uses, each source
//! kind read; `--sources none` reads none and calls nothing for them.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::fault_proxy::{FaultPlan, FaultProxy};
use crate::support::harness::*;
use crate::support::seed::wiring::{seed_wiring, Wired};
use crate::support::wiring_report::{kind_status, reported_usages, UsageKey};

/// The calls only the source kinds make (the collectors make ListBuckets,
/// GetBucketLocation and ListEventBuses too).
const WIRING_OPERATIONS: [&str; 6] = [
    "GetBucketNotificationConfiguration",
    "ListSubscriptions",
    "ListTargetsByRule",
    "DescribeAlarms",
    "DescribeLogGroups",
    "DescribeSubscriptionFilters",
];

/// The kinds this test wires (other kinds may be registered; they have
/// nothing to find here).
const KINDS: [&str; 6] = [
    "s3-notifications",
    "sns-subscriptions",
    "eventbridge-targets",
    "cloudwatch-alarms",
    "log-group-keys",
    "log-subscriptions",
];

/// The uses `wired` must show, as (kind, principal, source ARN, account,
/// region, target).
fn expected_usages(w: &Wired) -> BTreeSet<UsageKey> {
    let u = |kind: &str, principal: &str, source: &str, target: &str| {
        (
            kind.to_string(),
            principal.to_string(),
            Some(source.to_string()),
            w.account.clone(),
            w.region.clone(),
            target.to_string(),
        )
    };
    let logs_regional = format!("logs.{}.amazonaws.com", w.region);
    BTreeSet::from([
        u(
            "s3-notifications",
            "s3.amazonaws.com",
            &w.bucket_arn,
            &w.topic_arn,
        ),
        u(
            "s3-notifications",
            "s3.amazonaws.com",
            &w.bucket_arn,
            &w.queue_arn,
        ),
        u(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &w.topic_arn,
            &w.queue_arn,
        ),
        u(
            "eventbridge-targets",
            "events.amazonaws.com",
            &w.rule_arn,
            &w.queue_arn,
        ),
        // Recorded although the target has a role: EventBridge may use either.
        u(
            "eventbridge-targets",
            "events.amazonaws.com",
            &w.rule_arn,
            &w.topic_arn,
        ),
        u(
            "eventbridge-targets",
            "events.amazonaws.com",
            &w.rule_arn,
            &w.role_arn,
        ),
        u(
            "cloudwatch-alarms",
            "cloudwatch.amazonaws.com",
            &w.alarm_arn,
            &w.topic_arn,
        ),
        u(
            "log-group-keys",
            &logs_regional,
            &w.log_group_arn,
            &w.key_arn,
        ),
        u(
            "log-subscriptions",
            "logs.amazonaws.com",
            &format!("{}:*", w.log_group_arn),
            &w.function_arn,
        ),
    ])
}

/// The assertions on a JSON report of the wired account (one place the lead
/// can point at another report).
pub fn assert_wiring(report: &Value, wired: &Wired) {
    let reported = reported_usages(report, None);
    let expected = expected_usages(wired);
    assert_eq!(
        reported,
        expected,
        "\nmissing: {:#?}\nunexpected: {:#?}",
        expected.difference(&reported).collect::<Vec<_>>(),
        reported.difference(&expected).collect::<Vec<_>>()
    );
    for kind in KINDS {
        assert_eq!(kind_status(report, kind), "read", "{kind}");
    }
    let wiring_errors: Vec<&Value> = report["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| {
                    e["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("(source kind"))
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        wiring_errors.is_empty(),
        "wiring read errors: {wiring_errors:#?}"
    );
    assert_eq!(
        report["wiring"]["accounts"],
        serde_json::json!([wired.account])
    );
}

fn seed(region: &str) -> (String, Wired) {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let account = fresh_account_id();
    let wired = runtime()
        .block_on(seed_wiring(&endpoint, &account, region))
        .unwrap_or_else(|e| panic!("seeding the wiring at {endpoint} failed: {e:#}"));
    (endpoint, wired)
}

#[test]
fn scan_names_every_source_of_the_open_grants() {
    let region = "us-east-1".to_string();
    let (endpoint, wired) = seed(&region);
    let proxy = FaultProxy::start(&endpoint, FaultPlan::default()).expect("proxy");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_scan(
        &wired.account,
        std::slice::from_ref(&region),
        &proxy.url(),
        &["--format", "json", "-v"],
        dir.path(),
    );
    // Findings (the grants are open), the scan complete.
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_wiring(&report, &wired);
    // Each kind read once per account and region, not per finding.
    for kind in KINDS {
        let reads = run
            .stderr
            .lines()
            .filter(|l| l.contains("reading who uses the grants") && l.contains(kind))
            .count();
        assert_eq!(reads, 1, "{kind} read {reads} times\n{}", run.stderr);
    }
    // On the wire: one listing call per kind (one bucket, one rule, and the
    // function's log group and ours: DescribeSubscriptionFilters per group;
    // DescribeLogGroups once for the keys and once for the subscriptions).
    let requests = proxy.requests();
    let count = |op: &str| requests.iter().filter(|r| r.operation == op).count();
    assert_eq!(count("ListSubscriptions"), 1);
    assert_eq!(count("GetBucketNotificationConfiguration"), 1);
    assert_eq!(count("ListTargetsByRule"), 1);
    assert_eq!(count("DescribeAlarms"), 1);
    assert_eq!(count("DescribeLogGroups"), 2);
    assert!(count("DescribeSubscriptionFilters") >= 1);
}

#[test]
fn sources_none_reads_no_wiring() {
    let region = "us-east-1".to_string();
    let (endpoint, wired) = seed(&region);
    // Through a recording proxy: no wiring request may leave at all.
    let proxy = FaultProxy::start(&endpoint, FaultPlan::default()).expect("proxy");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_scan(
        &wired.account,
        std::slice::from_ref(&region),
        &proxy.url(),
        &["--format", "json", "--sources", "none", "-v"],
        dir.path(),
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let kinds = report["wiring"]["kinds"].as_array().expect("wiring.kinds");
    assert!(!kinds.is_empty());
    for kind in kinds {
        assert_eq!(kind["status"], "skipped", "{kind}");
    }
    assert_eq!(report["wiring"]["usages"], serde_json::json!([]));
    let requests = proxy.requests();
    assert!(
        requests.iter().any(|r| r.operation == "ListQueues"),
        "the scan bypassed the proxy"
    );
    let wiring_calls: Vec<&str> = requests
        .iter()
        .map(|r| r.operation.as_str())
        .filter(|op| WIRING_OPERATIONS.contains(op))
        .collect();
    assert!(wiring_calls.is_empty(), "wiring calls: {wiring_calls:?}");
    assert!(
        !run.stderr.contains("reading who uses the grants"),
        "{}",
        run.stderr
    );
}

/// A wiring call that fails is listed (errors, the kind `failed` with the
/// call and reason) but makes nothing "not assessed" and the scan not
/// incomplete: findings still exit 1, not 3.
#[test]
fn a_failed_wiring_read_is_visible_but_not_a_scan_failure() {
    let region = "us-east-1".to_string();
    let (endpoint, wired) = seed(&region);
    // Only DescribeSubscriptionFilters names the log group in its request.
    let plan = FaultPlan {
        deny: vec!["/deputy-audit/wired".to_string()],
        ..FaultPlan::default()
    };
    let proxy = FaultProxy::start(&endpoint, plan).expect("proxy");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_scan(
        &wired.account,
        std::slice::from_ref(&region),
        &proxy.url(),
        &["--format", "json"],
        dir.path(),
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let status = kind_status(&report, "log-subscriptions");
    assert_eq!(status, "failed", "{report}");
    let reasons = report["wiring"]["kinds"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|k| k["kind"] == "log-subscriptions"))
        .map(|k| k["reasons"].clone())
        .unwrap_or_default();
    let reasons: Vec<&str> = reasons
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let expected_start = format!(
        "{} {} DescribeSubscriptionFilters: AccessDenied",
        wired.account, wired.region
    );
    assert!(reasons[0].starts_with(&expected_start), "{reasons:?}");
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["operation"], "DescribeSubscriptionFilters");
    assert_eq!(errors[0]["resource_type"], Value::Null);
    assert!(errors[0]["reason"]
        .as_str()
        .is_some_and(|r| r.ends_with("(source kind log-subscriptions)")));
    // The other kinds and the key's use (from the listing) are still there;
    // the function's use is the one that could not be read.
    assert_eq!(kind_status(&report, "sns-subscriptions"), "read");
    let usages = reported_usages(&report, None);
    assert!(usages.iter().any(|u| u.5 == wired.key_arn));
    assert!(!usages.iter().any(|u| u.5 == wired.function_arn));
    // No resource is "not assessed" and the account is not incomplete.
    let statuses: BTreeSet<&str> = report["resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["status"].as_str()).collect())
        .unwrap_or_default();
    assert!(!statuses.contains("not-assessed"), "{statuses:?}");
    assert_eq!(
        report["accounts"][0]["status"], "scanned",
        "{}",
        report["accounts"]
    );
}

#[test]
fn one_source_kind_alone_reads_only_that_kind() {
    let region = "us-east-1".to_string();
    let (endpoint, wired) = seed(&region);
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_scan(
        &wired.account,
        std::slice::from_ref(&region),
        &endpoint,
        &["--format", "json", "--sources", "sns-subscriptions"],
        dir.path(),
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(kind_status(&report, "sns-subscriptions"), "read");
    assert_eq!(kind_status(&report, "s3-notifications"), "skipped");
    let kinds: BTreeSet<String> = reported_usages(&report, None)
        .into_iter()
        .map(|u| u.0)
        .collect();
    assert_eq!(kinds, BTreeSet::from(["sns-subscriptions".to_string()]));
}
