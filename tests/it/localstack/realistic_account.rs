//! The realistic demo account (`tests/fixtures/realistic-account.json`) judged end to end:
//! two fresh accounts, one with the whole fixture and one without its `exposure: true`
//! resources, each scanned by the real binary (`--format json`, default gate), and every
//! seeded resource compared with its truth-table entry: exactly the expected findings
//! (rule, severity, statement), or none, and AWS-managed resources listed under
//! `aws_managed_resources` instead of judged. The account without exposures must pass
//! the default gate (exit 0); the other must fail it (exit 1).
//!
//! LocalStack must be running at `DEPUTY_AUDIT_TEST_ENDPOINT` (default
//! http://127.0.0.1:4566). When it is not, these tests fail, never skip.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::harness::*;
use crate::support::realistic::{self, Expected, ExpectedFinding, Manifest, Variant};

struct Accounts {
    endpoint: String,
    with_exposures: Manifest,
    without_exposures: Manifest,
}

/// Seeds both accounts once per test binary (concurrently; the scans only read). Different
/// regions, so that both the us-east-1 and the LocationConstraint path of bucket creation
/// and two ELB log-delivery accounts are exercised.
fn accounts() -> &'static Accounts {
    static ACCOUNTS: OnceLock<Accounts> = OnceLock::new();
    ACCOUNTS.get_or_init(|| {
        let endpoint = test_endpoint();
        require_localstack(&endpoint);
        let ids = fresh_account_ids(2);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (with_exposures, without_exposures) = runtime
            .block_on(async {
                futures::future::try_join(
                    realistic::seed_realistic(
                        &endpoint,
                        &ids[0],
                        "us-east-1",
                        Variant::WithExposures,
                    ),
                    realistic::seed_realistic(
                        &endpoint,
                        &ids[1],
                        "eu-west-1",
                        Variant::WithoutExposures,
                    ),
                )
                .await
            })
            .unwrap_or_else(|e| panic!("seeding LocalStack at {endpoint} failed: {e:#}"));
        eprintln!("seeded {}", with_exposures.summary());
        eprintln!("seeded {}", without_exposures.summary());
        Accounts {
            endpoint,
            with_exposures,
            without_exposures,
        }
    })
}

fn scan_json(endpoint: &str, m: &Manifest) -> (Option<i32>, Value, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("report.json");
    let run = run_scan(
        &m.account_id,
        std::slice::from_ref(&m.region),
        endpoint,
        &[
            "--format",
            "json",
            "--sources",
            LOCALSTACK_SOURCES,
            "--output",
            out.to_str().expect("utf-8 path"),
        ],
        tmp.path(),
    );
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no JSON report at {}: {e}\n{}",
            out.display(),
            run.describe()
        )
    });
    let report = serde_json::from_str(&text).expect("JSON report parses");
    (run.code, report, run.describe())
}

fn finding_key(f: &Value) -> ExpectedFinding {
    ExpectedFinding {
        rule_id: f["rule_id"].as_str().unwrap_or("?").to_string(),
        severity: f["severity"].as_str().unwrap_or("?").to_string(),
        statement_index: f["statement_index"]
            .as_u64()
            .map_or(usize::MAX, |i| i as usize),
    }
}

fn show(findings: &BTreeSet<ExpectedFinding>) -> String {
    if findings.is_empty() {
        return "clean".to_string();
    }
    findings
        .iter()
        .map(|f| format!("{} {} @{}", f.rule_id, f.severity, f.statement_index))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every difference between the report and the truth table, one line per resource.
fn judgement_problems(m: &Manifest, report: &Value) -> String {
    let mut problems = String::new();
    let mut by_arn: BTreeMap<String, BTreeSet<ExpectedFinding>> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings array") {
        let arn = f["resource_arn"].as_str().unwrap_or_default().to_string();
        if !by_arn
            .entry(arn.clone())
            .or_default()
            .insert(finding_key(f))
        {
            let _ = writeln!(
                problems,
                "  duplicate finding {} on {arn}",
                finding_key(f).rule_id
            );
        }
    }
    let managed: Vec<&Value> = report["aws_managed_resources"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if report.get("aws_managed_resources").is_none() {
        let _ = writeln!(problems, "  the report has no aws_managed_resources array");
    }
    let managed_arns: BTreeSet<&str> = managed
        .iter()
        .filter_map(|e| e["resource_arn"].as_str())
        .collect();

    for r in &m.resources {
        let actual = by_arn.remove(&r.arn).unwrap_or_default();
        let label = format!("{} ({}, {})", r.id, r.kind, r.arn);
        match &r.expected {
            Expected::Label(_) => {
                if !actual.is_empty() {
                    let _ = writeln!(
                        problems,
                        "  {label}: AWS-managed, expected no finding, got {}",
                        show(&actual)
                    );
                }
                match managed.iter().find(|e| e["resource_arn"] == r.arn.as_str()) {
                    None => {
                        let _ = writeln!(
                            problems,
                            "  {label}: AWS-managed, not listed under aws_managed_resources"
                        );
                    }
                    Some(e) => {
                        for (field, want) in [
                            ("resource_type", r.kind.as_str()),
                            ("account_id", m.account_id.as_str()),
                            ("region", r.region.as_str()),
                        ] {
                            if e[field] != want {
                                let _ = writeln!(
                                    problems,
                                    "  {label}: aws_managed_resources entry has {field} {}, \
                                     expected {want:?}",
                                    e[field]
                                );
                            }
                        }
                        if e["reason"].as_str().is_none_or(|s| s.trim().is_empty()) {
                            let _ = writeln!(
                                problems,
                                "  {label}: aws_managed_resources entry gives no reason"
                            );
                        }
                    }
                }
            }
            Expected::Findings(_) => {
                let expected = r.expected.findings();
                if actual != expected {
                    let _ = writeln!(
                        problems,
                        "  {label}: expected {}, got {}",
                        show(&expected),
                        show(&actual)
                    );
                }
                if managed_arns.contains(r.arn.as_str()) {
                    let _ = writeln!(
                        problems,
                        "  {label}: listed under aws_managed_resources, but the account owns it"
                    );
                }
            }
        }
    }
    for (arn, findings) in by_arn {
        let _ = writeln!(
            problems,
            "  {arn}: not seeded by this test, yet {}",
            show(&findings)
        );
    }
    for arn in managed_arns {
        if m.by_arn(arn).is_none() {
            let _ = writeln!(
                problems,
                "  {arn}: listed under aws_managed_resources, not seeded by this test"
            );
        }
    }
    problems
}

fn check_account(m: &Manifest, want_code: i32) {
    let accounts = accounts();
    let (code, report, run) = scan_json(&accounts.endpoint, m);
    let mut problems = judgement_problems(m, &report);

    let errors = report["errors"].as_array().map_or(0, Vec::len);
    if errors > 0 {
        let _ = writeln!(
            problems,
            "  {errors} errors (the scan must be complete): {}",
            report["errors"]
        );
    }
    // Every listed resource is counted, AWS-managed ones included; the account also
    // has the default event bus of its region, as every account does.
    let mut want_counts = m.resource_counts();
    *want_counts.entry("event-bus".to_string()).or_insert(0) += 1;
    let counts: BTreeMap<String, u64> = report["resource_counts"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(t, n)| Some((t.clone(), n.as_u64()?)))
                .filter(|(_, n)| *n > 0)
                .collect()
        })
        .unwrap_or_default();
    if counts != want_counts {
        let _ = writeln!(
            problems,
            "  resource_counts {counts:?}, expected {want_counts:?}"
        );
    }
    if code != Some(want_code) {
        let _ = writeln!(
            problems,
            "  exit code {code:?}, expected {want_code} with the default --fail-on medium"
        );
    }
    assert!(
        problems.is_empty(),
        "{:?} account {}: the scan differs from the truth table of \
         tests/fixtures/realistic-account.json:\n{problems}\n{run}",
        m.variant,
        m.account_id
    );
}

#[test]
fn account_with_exposures_is_judged_as_its_truth_table_says_and_fails_the_gate() {
    check_account(&accounts().with_exposures, 1);
}

#[test]
fn account_without_exposures_is_judged_as_its_truth_table_says_and_passes_the_gate() {
    check_account(&accounts().without_exposures, 0);
}
