//! Who uses each grant, for three more source kinds wired for real in
//! LocalStack (see `support/seed/wiring_sources.rs`): AWS Config delivering to
//! a bucket and a topic, an API Gateway Lambda proxy integration with a role,
//! and an EventBridge Scheduler schedule with a role. Every grant is left open,
//! so each target has findings and the scan must read its sources; the JSON
//! report's `wiring` must name exactly these uses, each kind read.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::harness::*;
use crate::support::seed::wiring_sources::{seed_wiring_sources, WiredSources};
use crate::support::wiring_report::{kind_status, reported_usages, UsageKey};

const KINDS: [&str; 3] = [
    "config-delivery",
    "apigateway-integrations",
    "scheduler-schedules",
];

/// The uses the seeded account must show.
fn expected_usages(w: &WiredSources) -> BTreeSet<UsageKey> {
    let u = |kind: &str, principal: &str, source: Option<String>, target: &str| {
        (
            kind.to_string(),
            principal.to_string(),
            source,
            w.account.clone(),
            w.region.clone(),
            target.to_string(),
        )
    };
    let execute_api = format!(
        "arn:aws:execute-api:{}:{}:{}/*",
        w.region, w.account, w.api_id
    );
    let group = format!(
        "arn:aws:scheduler:{}:{}:schedule-group/{}",
        w.region, w.account, w.schedule_group
    );
    BTreeSet::from([
        // AWS documents only aws:SourceAccount for Config's deliveries.
        u(
            "config-delivery",
            "config.amazonaws.com",
            None,
            &w.config_bucket_arn,
        ),
        u(
            "config-delivery",
            "config.amazonaws.com",
            None,
            &w.config_topic_arn,
        ),
        u(
            "apigateway-integrations",
            "apigateway.amazonaws.com",
            Some(execute_api),
            &w.function_arn,
        ),
        u(
            "apigateway-integrations",
            "apigateway.amazonaws.com",
            None,
            &w.api_role_arn,
        ),
        u(
            "scheduler-schedules",
            "scheduler.amazonaws.com",
            Some(group),
            &w.schedule_role_arn,
        ),
    ])
}

/// The assertions on a JSON report of the seeded account.
pub fn assert_wiring_sources(report: &Value, wired: &WiredSources) {
    let reported = reported_usages(report, Some(&KINDS));
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
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert!(errors.is_empty(), "scan errors: {errors:#?}");
}

#[test]
fn scan_names_config_apigateway_and_scheduler_sources() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let account = fresh_account_id();
    let region = "us-east-1".to_string();
    let wired = runtime()
        .block_on(seed_wiring_sources(&endpoint, &account, &region))
        .unwrap_or_else(|e| panic!("seeding the wiring at {endpoint} failed: {e:#}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_scan(
        &wired.account,
        std::slice::from_ref(&region),
        &endpoint,
        &["--format", "json", "-v"],
        dir.path(),
    );
    // Findings (the grants are open), the scan complete.
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_wiring_sources(&report, &wired);
    // Each kind read once per account and region, not per finding.
    for kind in KINDS {
        let reads = run
            .stderr
            .lines()
            .filter(|l| l.contains("reading who uses the grants") && l.contains(kind))
            .count();
        assert_eq!(reads, 1, "{kind} read {reads} times\n{}", run.stderr);
    }
}
