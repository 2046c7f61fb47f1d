//! End-to-end: seed LocalStack with every confused-deputy example from the seed
//! documents and the further resource-policy fixtures (Lambda function, version and
//! alias policies, Secrets Manager secrets, EventBridge buses, CloudWatch Logs resource
//! policies), protected and with `Condition` stripped, nine resource types, two accounts,
//! two regions each; run the real `deputy-audit scan` binary, and compare its reports
//! with what the seeder says it created.
//!
//! LocalStack must be running at `DEPUTY_AUDIT_TEST_ENDPOINT` (default
//! http://127.0.0.1:4566). When it is not, these tests fail, never skip: a skipped
//! integration test looks like a passing one in CI.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::harness::*;
use crate::support::seed;

const CSV_HEADER: &str = "account_id,region,service,resource_type,resource_arn,statement_index,\
statement_sid,principals,actions,rule_id,severity,message,recommendation";

type FindingKey = (String, String, usize);

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

struct Fixture {
    endpoint: String,
    accounts: Vec<seed::Manifest>,
}

/// Seeds two fresh accounts once per test binary; the scans only read, so every test
/// can share them.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let endpoint = test_endpoint();
        require_localstack(&endpoint);
        let ids = fresh_account_ids(2);
        // Two regions per account, different in each account. IAM is listed once (from
        // the first region) and reported under "global".
        let layouts = [
            (
                ids[0].clone(),
                vec!["us-east-1".to_string(), "eu-west-1".to_string()],
            ),
            // No us-east-1 here: IAM is then listed through another region, and both
            // buckets need a LocationConstraint.
            (
                ids[1].clone(),
                vec!["eu-central-1".to_string(), "ap-southeast-2".to_string()],
            ),
        ];
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let accounts = runtime
            .block_on(futures::future::try_join_all(layouts.iter().map(
                |(account, regions)| seed::seed_account(&endpoint, account, regions),
            )))
            .unwrap_or_else(|e| panic!("seeding LocalStack at {endpoint} failed: {e:#}"));
        for m in &accounts {
            eprintln!("seeded {}", m.summary());
        }
        Fixture { endpoint, accounts }
    })
}

// ---------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------

/// Names a resource for humans: `example (form, type, region)`.
fn label(manifest: &seed::Manifest, arn: &str) -> String {
    if let Some(r) = manifest.by_arn(arn) {
        return format!(
            "{} ({}, {}, {})",
            r.example, r.form, r.resource_type, r.region
        );
    }
    if let Some(q) = manifest.invalid_policy_queues.iter().find(|q| q.arn == arn) {
        return format!("{} (invalid JSON policy, {})", q.name, q.region);
    }
    "not seeded by this test".to_string()
}

/// Asserts set equality and shows both directions of the difference.
fn assert_same_findings(
    what: &str,
    manifest: &seed::Manifest,
    expected: &BTreeSet<FindingKey>,
    actual: &[FindingKey],
) {
    let actual_set: BTreeSet<FindingKey> = actual.iter().cloned().collect();
    let mut problems = String::new();
    for key in expected.difference(&actual_set) {
        let _ = writeln!(
            problems,
            "  missing:    {} at statement {} of {}\n              {}",
            key.1,
            key.2,
            label(manifest, &key.0),
            key.0
        );
    }
    for key in actual_set.difference(expected) {
        let _ = writeln!(
            problems,
            "  unexpected: {} at statement {} of {}\n              {}",
            key.1,
            key.2,
            label(manifest, &key.0),
            key.0
        );
    }
    if actual.len() != actual_set.len() {
        let _ = writeln!(
            problems,
            "  {} findings reported but only {} distinct (resource, rule, statement)",
            actual.len(),
            actual_set.len()
        );
    }
    assert!(
        problems.is_empty(),
        "{what}, account {}: findings differ from the seeded expectations \
         ({} expected, {} reported)\n{problems}",
        manifest.account_id,
        expected.len(),
        actual.len()
    );
}

/// The seeded resources per type (the invalid-policy queue, the Lambda execution role and
/// every Lambda function, version and alias included), plus what every account has
/// without seeding: one `default` EventBridge bus per region, with no policy, in AWS as
/// in LocalStack.
fn expected_counts(manifest: &seed::Manifest) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = manifest
        .resource_counts()
        .into_iter()
        .map(|(t, n)| (t, n as u64))
        .collect();
    *counts.entry("event-bus".to_string()).or_insert(0) += manifest.regions.len() as u64;
    counts
}

/// The report's `service` for a resource type (the ARN's service field; README).
fn service_of(resource_type: &str) -> &'static str {
    match resource_type {
        "iam-role" => "iam",
        "sqs-queue" => "sqs",
        "sns-topic" => "sns",
        "s3-bucket" => "s3",
        "kms-key" => "kms",
        "lambda-function" => "lambda",
        "secretsmanager-secret" => "secretsmanager",
        "event-bus" => "events",
        "logs-resource-policy" => "logs",
        other => panic!("no service known for resource type {other}"),
    }
}

/// `resource_counts` without zero entries: the report lists every collected type, and
/// a type the seeder does not create must be zero in a fresh account.
fn nonzero_counts(report: &Value) -> BTreeMap<String, u64> {
    report["resource_counts"]
        .as_object()
        .unwrap_or_else(|| {
            panic!(
                "resource_counts is not an object: {}",
                report["resource_counts"]
            )
        })
        .iter()
        .map(|(t, n)| {
            let n = n
                .as_u64()
                .unwrap_or_else(|| panic!("resource_counts[{t}] is not a count: {n}"));
            (t.clone(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn json_finding_keys(report: &Value) -> Vec<FindingKey> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("findings is not an array: {}", report["findings"]))
        .iter()
        .map(|f| {
            (
                f["resource_arn"].as_str().unwrap_or_default().to_string(),
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["statement_index"].as_u64().unwrap_or(u64::MAX) as usize,
            )
        })
        .collect()
}

/// `(resource_arn, rule_id, statement_index)` of every CSV row, after checking the
/// fixed header and that every row belongs to `account`.
fn csv_finding_keys(text: &str, account: &str) -> Vec<FindingKey> {
    let first_line = text.lines().next().unwrap_or_default();
    assert!(
        first_line.starts_with(CSV_HEADER),
        "CSV header differs\n  expected to start with: {CSV_HEADER}\n  actual:                 {first_line}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("CSV header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("CSV has no {name} column"))
    };
    let (account_col, arn_col, rule_col, index_col) = (
        col("account_id"),
        col("resource_arn"),
        col("rule_id"),
        col("statement_index"),
    );
    let status_col = col("status");
    reader
        .records()
        .enumerate()
        .map(|(i, record)| {
            (
                i,
                record.unwrap_or_else(|e| panic!("CSV row {} is malformed: {e}", i + 2)),
            )
        })
        // Resources that could not be read have rows of their own, without a rule.
        .filter(|(_, record)| &record[status_col] != "not-assessed")
        .map(|(i, record)| {
            assert_eq!(
                &record[account_col],
                account,
                "CSV row {} has the wrong account_id",
                i + 2
            );
            let index = record[index_col].parse().unwrap_or_else(|e| {
                panic!(
                    "CSV row {} statement_index {:?}: {e}",
                    i + 2,
                    &record[index_col]
                )
            });
            (
                record[arn_col].to_string(),
                record[rule_col].to_string(),
                index,
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The JSON report of one seeded account: exit code, header, the exact finding set,
/// every finding's attribution, the single unreadable-policy error, resource counts.
fn check_json_scan(account_index: usize) {
    let fx = fixture();
    let m = &fx.accounts[account_index];
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("report.json");
    let run = run_scan(
        &m.account_id,
        &m.regions,
        &fx.endpoint,
        &[
            "--format",
            "json",
            "--output",
            out.to_str().expect("utf-8 path"),
        ],
        tmp.path(),
    );
    // One resource could not be assessed: the scan is incomplete, which outranks the
    // findings at or above --fail-on (3, not 1). The Lambda functions never become
    // Active in host mode (no runtime); their policies are readable anyway.
    assert_eq!(
        run.code,
        Some(3),
        "scan of {} should exit 3\n{}",
        m.account_id,
        run.describe()
    );
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no JSON report at {}: {e}\n{}",
            out.display(),
            run.describe()
        )
    });
    let report: Value = serde_json::from_str(&text).expect("JSON report parses");

    assert_eq!(report["schema_version"], 2, "schema_version");
    assert_eq!(report["account_id"], m.account_id.as_str(), "account_id");
    let regions: Vec<&str> = report["regions"]
        .as_array()
        .expect("regions array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(regions, m.regions, "regions");

    let actual = json_finding_keys(&report);
    assert_same_findings("JSON report", m, &m.expected_findings(), &actual);

    // Attribution of every finding on a seeded resource.
    let mut wrong = String::new();
    for f in report["findings"].as_array().expect("findings") {
        let arn = f["resource_arn"].as_str().unwrap_or_default();
        let Some(r) = m.by_arn(arn) else { continue };
        let service = service_of(&r.resource_type);
        for (field, want) in [
            ("account_id", m.account_id.as_str()),
            ("region", r.region.as_str()),
            ("resource_type", r.resource_type.as_str()),
            ("service", service),
        ] {
            if f[field] != want {
                let _ = writeln!(
                    wrong,
                    "  {} {}: {field} is {}, expected {want:?}",
                    f["rule_id"],
                    label(m, arn),
                    f[field]
                );
            }
        }
    }
    // IAM roles are expected under "global", as the README's report columns say
    // (crates/analyze/src/model.rs's ResourcePolicy::region doc says otherwise).
    assert!(wrong.is_empty(), "findings attributed wrongly:\n{wrong}");

    // Exactly one error: the queue whose policy is not JSON.
    let errors = report["errors"].as_array().expect("errors array");
    let bad = &m.invalid_policy_queues[0];
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error (queue {} with an invalid JSON policy), got:\n{}",
        bad.arn,
        serde_json::to_string_pretty(errors).unwrap_or_default()
    );
    let e = &errors[0];
    for (field, want) in [
        ("account_id", m.account_id.as_str()),
        ("region", bad.region.as_str()),
        ("service", "sqs"),
        ("resource_type", "sqs-queue"),
        ("resource_arn", bad.arn.as_str()),
        ("operation", "GetQueueAttributes"),
    ] {
        assert_eq!(e[field], want, "errors[0].{field} (error: {e})");
    }
    let reason = e["reason"].as_str().unwrap_or_default();
    assert!(
        reason.to_ascii_lowercase().contains("json"),
        "errors[0].reason should say the policy is not valid JSON, got {reason:?}"
    );

    assert_eq!(
        nonzero_counts(&report),
        expected_counts(m),
        "resource_counts (zero entries dropped) vs seeded resources (incl. the invalid-policy \
         queue) and the default event bus of each region"
    );
}

#[test]
fn json_report_of_first_account_is_exact() {
    check_json_scan(0);
}

#[test]
fn json_report_of_second_account_is_exact() {
    check_json_scan(1);
}

#[test]
fn csv_report_has_fixed_header_and_one_row_per_finding() {
    let fx = fixture();
    let m = &fx.accounts[1];
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("report.csv");
    let run = run_scan(
        &m.account_id,
        &m.regions,
        &fx.endpoint,
        &[
            "--format",
            "csv",
            "--output",
            out.to_str().expect("utf-8 path"),
        ],
        tmp.path(),
    );
    assert_eq!(
        run.code,
        Some(3),
        "scan should exit 3 (incomplete)\n{}",
        run.describe()
    );
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no CSV report at {}: {e}\n{}",
            out.display(),
            run.describe()
        )
    });
    let rows = csv_finding_keys(&text, &m.account_id);
    assert_same_findings("CSV report", m, &m.expected_findings(), &rows);
    // The queue whose policy cannot be parsed has a `not-assessed` row.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let not_assessed: Vec<String> = reader
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[column("status")] == "not-assessed")
        .map(|r| r[column("resource_arn")].to_string())
        .collect();
    let expected: Vec<String> = m
        .invalid_policy_queues
        .iter()
        .map(|q| q.arn.clone())
        .collect();
    assert!(!expected.is_empty(), "the seed has an unparseable queue");
    assert_eq!(not_assessed, expected, "{text}");
}

#[test]
fn output_directory_receives_one_file_per_format() {
    let fx = fixture();
    let m = &fx.accounts[0];
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("reports");
    std::fs::create_dir(&dir).expect("create output dir");
    let run = run_scan(
        &m.account_id,
        &m.regions,
        &fx.endpoint,
        &[
            "--format",
            "json",
            "--format",
            "csv",
            "--output",
            dir.to_str().expect("utf-8 path"),
        ],
        tmp.path(),
    );
    assert_eq!(
        run.code,
        Some(3),
        "scan should exit 3 (incomplete)\n{}",
        run.describe()
    );

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read output dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    // Exactly two files: also catches leftover temporary files from atomic writes.
    assert_eq!(
        names.len(),
        2,
        "expected a .csv and a .json report, found {names:?}"
    );
    let prefix = format!("deputy-audit-{}-", m.account_id);
    let stamps: Vec<(&str, &str)> = names
        .iter()
        .map(|n| {
            let rest = n
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{n} does not start with {prefix}"));
            rest.rsplit_once('.')
                .unwrap_or_else(|| panic!("{n} has no extension"))
        })
        .collect();
    assert_eq!(
        stamps.iter().map(|(_, ext)| *ext).collect::<Vec<_>>(),
        ["csv", "json"],
        "extensions of {names:?}"
    );
    let stamp = stamps[0].0;
    assert!(
        !stamp.is_empty() && stamp.bytes().any(|b| b.is_ascii_digit()),
        "timestamp part of {names:?} is {stamp:?}"
    );
    assert_eq!(
        stamps[1].0, stamp,
        "both files should carry the same timestamp: {names:?}"
    );

    let path = |ext: &str| -> PathBuf { dir.join(format!("{prefix}{stamp}.{ext}")) };
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path("json")).expect("read json"))
            .expect("JSON report parses");
    assert_eq!(json["account_id"], m.account_id.as_str());
    assert_same_findings(
        "JSON file in output dir",
        m,
        &m.expected_findings(),
        &json_finding_keys(&json),
    );
    let csv_text = std::fs::read_to_string(path("csv")).expect("read csv");
    assert_same_findings(
        "CSV file in output dir",
        m,
        &m.expected_findings(),
        &csv_finding_keys(&csv_text, &m.account_id),
    );
}

/// A real scan of two regions in OCSF and ASFF: every event a valid OCSF Detection
/// Finding, every ASFF finding valid for BatchImportFindings, one per expected finding,
/// each imported in its resource's region (IAM, global, in the first region scanned).
#[test]
fn ocsf_and_asff_of_a_scan_validate_against_their_schemas() {
    let fx = fixture();
    let m = &fx.accounts[1];
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("reports");
    let run = run_scan(
        &m.account_id,
        &m.regions,
        &fx.endpoint,
        &[
            "--format",
            "ocsf",
            "--format",
            "asff",
            "--output",
            &format!("{}/", dir.display()),
        ],
        tmp.path(),
    );
    assert_eq!(run.code, Some(3), "{}", run.describe());
    let expected = m.expected_findings();
    let file = |ext: &str| -> (PathBuf, Vec<Value>) {
        let path = std::fs::read_dir(&dir)
            .expect("output dir")
            .map(|e| e.expect("entry").path())
            .find(|p| p.to_string_lossy().ends_with(ext))
            .unwrap_or_else(|| panic!("no {ext} report\n{}", run.describe()));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        (path, doc.as_array().expect("array").clone())
    };
    let (ocsf_path, events) = file(".ocsf.json");
    crate::interchange::validate("ocsf", &ocsf_path, expected.len());
    let ocsf_keys: BTreeSet<(String, String, usize)> = events
        .iter()
        .map(|e| {
            (
                e["resources"][0]["uid"].as_str().expect("uid").to_string(),
                e["metadata"]["event_code"]
                    .as_str()
                    .expect("rule")
                    .to_string(),
                usize::try_from(
                    e["resources"][0]["data"]["statement_index"]
                        .as_u64()
                        .expect("index"),
                )
                .expect("index"),
            )
        })
        .collect();
    assert_eq!(ocsf_keys, expected);

    let (asff_path, findings) = file(".asff.json");
    crate::interchange::validate("asff", &asff_path, expected.len());
    for f in &findings {
        let region = f["Region"].as_str().expect("Region");
        assert!(m.regions.iter().any(|r| r == region), "{f:#}");
        assert_eq!(
            f["ProductArn"],
            format!(
                "arn:aws:securityhub:{region}:{0}:product/{0}/default",
                m.account_id
            )
        );
        let resource = &f["Resources"][0];
        if resource["Id"]
            .as_str()
            .expect("Id")
            .starts_with("arn:aws:iam::")
        {
            assert_eq!(resource["Type"], "AwsIamRole");
            assert_eq!(region, m.regions[0]);
        }
    }
}
