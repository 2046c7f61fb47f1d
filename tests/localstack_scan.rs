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

#[path = "support/harness.rs"]
mod harness;
#[path = "support/seed.rs"]
mod seed;

use harness::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

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

    assert_eq!(report["schema_version"], 1, "schema_version");
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

/// Nothing listens on port 9 (discard): the scan cannot start, and must say so in a
/// message, with a contract exit code, not a panic.
#[test]
fn dead_endpoint_fails_cleanly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let account = fresh_account_ids(1).remove(0);
    let run = run_scan(
        &account,
        &["us-east-1".to_string()],
        "http://127.0.0.1:9",
        &["--format", "json"],
        tmp.path(),
    );
    assert!(
        matches!(run.code, Some(2) | Some(3)),
        "expected exit 2 (nothing scanned) or 3 (incomplete)\n{}",
        run.describe()
    );
    assert!(
        !run.stderr.trim().is_empty(),
        "stderr should explain the failure\n{}",
        run.describe()
    );
    assert!(
        !run.stderr.contains("panicked"),
        "deputy-audit panicked\n{}",
        run.describe()
    );
}

/// The LocalStack guard fails loudly; there is no skip path to fall into.
#[test]
#[should_panic(expected = "LocalStack is not reachable at http://127.0.0.1:9 ")]
fn missing_localstack_fails_instead_of_skipping() {
    require_localstack("http://127.0.0.1:9");
}

/// The catalogue itself, without LocalStack: every seed example is there, placeholders
/// are gone, each document pins the account and region it is rendered for, the
/// deliberate quirks survive, and the expectations follow from the documents.
#[test]
fn catalogue_matches_the_seed_documents() {
    let catalogue = seed::catalogue();
    let names: BTreeSet<&str> = catalogue.examples.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        catalogue.examples.len(),
        13,
        "one entry per distinct seed example"
    );
    assert_eq!(names.len(), 13, "example names are unique");
    let types: BTreeSet<&str> = catalogue
        .examples
        .iter()
        .map(|e| e.resource_type.as_str())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["iam-role", "kms-key", "s3-bucket", "sns-topic", "sqs-queue"]),
        "all five resource types"
    );

    // Values that appear nowhere in the templates, so any survivor is a leftover.
    let (account, region) = ("444455556666", "eu-west-3");
    let arn = "arn:aws:sqs:eu-west-3:444455556666:sample";
    let leftovers = [
        "your ",
        "Account ID",
        "123456789012",
        "111122223333",
        "us-east-1",
        "region name",
        "User ARN",
        "amzn-s3-demo",
        "\n",
        "{{",
    ];
    for example in &catalogue.examples {
        let vars = seed::Vars {
            account,
            region,
            resource_arn: Some(arn),
        };
        let protected = example
            .document(seed::Form::Protected, &vars)
            .expect("render");
        let stripped = example
            .document(seed::Form::Stripped, &vars)
            .expect("render");
        let text = protected.to_string();
        // Sids are prose kept verbatim from the seed ("... to your queue"), not
        // placeholders, so they are left out of the leftover check.
        let mut without_sids = protected.clone();
        match &mut without_sids["Statement"] {
            Value::Array(items) => items.iter_mut().for_each(|s| {
                s.as_object_mut().map(|o| o.remove("Sid"));
            }),
            Value::Object(o) => {
                o.remove("Sid");
            }
            _ => {}
        }
        let checked = without_sids.to_string();
        for bad in leftovers {
            assert!(
                !checked.contains(bad),
                "{}: {bad:?} left in {checked}",
                example.name
            );
        }

        let statements = |doc: &Value| -> Vec<Value> {
            match &doc["Statement"] {
                Value::Array(items) => items.clone(),
                Value::Object(_) => vec![doc["Statement"].clone()],
                other => panic!("{}: Statement is {other}", example.name),
            }
        };
        // A Statement object stays an object in both forms.
        assert_eq!(
            protected["Statement"].is_object(),
            stripped["Statement"].is_object(),
            "{}: stripping changed the Statement shape",
            example.name
        );
        let mut grants_service = Vec::new();
        for (i, s) in statements(&protected).iter().enumerate() {
            if s["Effect"] == "Allow" && !s["Principal"]["Service"].is_null() {
                grants_service.push(i);
                let cond = s["Condition"]
                    .as_object()
                    .expect("protected statement has a Condition");
                // Pinned to its own account: aws:SourceAccount under StringEquals, and
                // every aws:SourceArn naming this account and region (or a wildcard).
                let source_account = cond
                    .get("StringEquals")
                    .and_then(|c| c.get("aws:SourceAccount"));
                assert_eq!(
                    source_account.and_then(Value::as_str),
                    Some(account),
                    "{} statement {i}: StringEquals aws:SourceAccount",
                    example.name
                );
                for (op, block) in cond {
                    if let Some(source_arn) = block.get("aws:SourceArn").and_then(Value::as_str) {
                        assert!(
                            source_arn.contains(&format!(":{region}:{account}:")),
                            "{} statement {i}: {op} aws:SourceArn {source_arn} does not pin {region}/{account}",
                            example.name
                        );
                    }
                }
            }
        }
        for s in statements(&stripped) {
            assert!(
                s.get("Condition").is_none(),
                "{}: stripped form keeps a Condition",
                example.name
            );
        }
        let want_stripped: Vec<seed::ExpectedFinding> = grants_service
            .iter()
            .map(|&i| seed::ExpectedFinding {
                rule_id: "CD001".into(),
                statement_index: i,
            })
            .collect();
        assert_eq!(
            example.expected_stripped, want_stripped,
            "{}: expected_stripped",
            example.name
        );

        // Only the broken-operator example expects anything when protected.
        let broken_operator = text.contains("\" ArnEquals\"");
        let want_protected: Vec<seed::ExpectedFinding> = if broken_operator {
            vec![seed::ExpectedFinding {
                rule_id: "CD008".into(),
                statement_index: 0,
            }]
        } else {
            Vec::new()
        };
        assert_eq!(
            example.expected_protected, want_protected,
            "{}: expected_protected",
            example.name
        );
    }
    assert_eq!(
        catalogue
            .examples
            .iter()
            .filter(|e| e.policy.to_string().contains("\" ArnEquals\""))
            .count(),
        1,
        "the ' ArnEquals' quirk is kept, in exactly one example"
    );
    for name in [
        "connect-profile-kms-domain",
        "connect-profile-kms-object-types",
        "connect-profile-s3-bucket",
        "connect-voiceid-trust",
        "qldb-stream-trust",
    ] {
        let example = catalogue
            .examples
            .iter()
            .find(|e| e.name == name)
            .expect(name);
        assert!(
            example.policy["Statement"].is_object(),
            "{name}: Statement must stay a single object"
        );
    }

    // The layout: every regional type in every region, names unique.
    let regions = ["us-east-1".to_string(), "eu-west-1".to_string()];
    let plan = seed::plan("444455556666", &regions).expect("plan");
    // 13 seed examples and 8 more, each protected and stripped.
    assert_eq!(plan.len(), 42, "planned resources");
    let unique: BTreeSet<(&str, &str, &str)> = plan
        .iter()
        .map(|p| (p.resource_type.as_str(), p.region.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        unique.len(),
        plan.len(),
        "resource names unique per type and region"
    );
    for t in [
        "kms-key",
        "s3-bucket",
        "sns-topic",
        "sqs-queue",
        "lambda-function",
        "secretsmanager-secret",
        "event-bus",
        "logs-resource-policy",
    ] {
        let seen: BTreeSet<&str> = plan
            .iter()
            .filter(|p| p.resource_type == t)
            .map(|p| p.region.as_str())
            .collect();
        assert_eq!(
            seen.len(),
            2,
            "{t} should be spread over both regions, got {seen:?}"
        );
    }
}

/// Condition keys are case-insensitive (Lambda writes `AWS:SourceArn`): the value of
/// `key` under any operator of `condition`, as strings (a value may be a list).
fn condition_values(condition: &Value, key: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (op, block) in condition.as_object().into_iter().flatten() {
        for (k, v) in block.as_object().into_iter().flatten() {
            if k.eq_ignore_ascii_case(key) {
                let values = match v {
                    Value::Array(items) => items.clone(),
                    one => vec![one.clone()],
                };
                for value in values {
                    found.push((op.clone(), value.as_str().unwrap_or_default().to_string()));
                }
            }
        }
    }
    found
}

/// The second catalogue, without LocalStack: the four services and the callers the
/// issue names are there; every protected service statement pins this account; the
/// stripped form expects CD001 exactly at the service statements; Lambda examples are
/// writable with AddPermission; and the analysis engine itself agrees with every
/// expectation (so a disagreement shows up here, with the document, before any scan).
#[test]
fn more_services_catalogue_is_consistent_with_the_engine() {
    let more = seed::more_services();
    let seed_names: BTreeSet<String> = seed::catalogue()
        .examples
        .into_iter()
        .map(|e| e.name)
        .collect();
    let mut names = BTreeSet::new();
    for e in &more.examples {
        assert!(
            names.insert(e.name.as_str()) && !seed_names.contains(&e.name),
            "example name {} is not unique across both catalogues",
            e.name
        );
    }
    let types: BTreeSet<&str> = more
        .examples
        .iter()
        .map(|e| e.resource_type.as_str())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "event-bus",
            "lambda-function",
            "logs-resource-policy",
            "secretsmanager-secret"
        ]),
        "the four resource types of the second catalogue"
    );
    let targets: Vec<seed::LambdaTarget> = more
        .examples
        .iter()
        .filter_map(|e| e.lambda_target)
        .collect();
    for t in [
        seed::LambdaTarget::Function,
        seed::LambdaTarget::Version,
        seed::LambdaTarget::Alias,
    ] {
        assert!(
            targets.contains(&t),
            "a Lambda example on a {t:?} policy is missing (targets: {targets:?})"
        );
    }

    let (account, region) = ("444455556666", "eu-west-3");
    let mut principals: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let options = deputy_audit_analyze::AnalysisOptions::default();
    for example in &more.examples {
        let arn = format!(
            "arn:aws:{}:{region}:{account}:example",
            example.resource_type
        );
        let vars = seed::Vars {
            account,
            region,
            resource_arn: Some(&arn),
        };
        let statements = |doc: &Value| -> Vec<Value> {
            doc["Statement"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: Statement should be a list", example.name))
                .clone()
        };
        let mut service_statements = Vec::new();
        for form in seed::Form::ALL {
            let doc = example.document(form, &vars).expect("render");
            let text = doc.to_string();
            for bad in ["{{", "111122223333", "123456789012", "us-east-1"] {
                assert!(
                    !text.contains(bad),
                    "{} ({form}): {bad:?} left in {text}",
                    example.name
                );
            }
            for (i, s) in statements(&doc).iter().enumerate() {
                let service = &s["Principal"]["Service"];
                if service.is_null() {
                    continue;
                }
                if form == seed::Form::Protected {
                    service_statements.push(i);
                    for name in match service {
                        Value::Array(items) => items.clone(),
                        one => vec![one.clone()],
                    } {
                        principals
                            .entry(example.resource_type.as_str())
                            .or_default()
                            .insert(name.as_str().unwrap_or_default().to_string());
                    }
                    let cond = &s["Condition"];
                    assert!(
                        cond.is_object(),
                        "{} statement {i}: a protected service statement needs a Condition",
                        example.name
                    );
                    // Pinned to this account: aws:SourceAccount is this account, or
                    // aws:SourceArn names it (S3 and Route 53 ARNs have no account field,
                    // so those need aws:SourceAccount).
                    let accounts = condition_values(cond, "aws:SourceAccount");
                    let arns = condition_values(cond, "aws:SourceArn");
                    assert!(
                        accounts.iter().all(|(_, a)| a == account),
                        "{} statement {i}: aws:SourceAccount {accounts:?} is not {account}",
                        example.name
                    );
                    for (op, source_arn) in &arns {
                        let owner = source_arn.split(':').nth(4).unwrap_or_default();
                        assert!(
                            owner.is_empty() || owner == account,
                            "{} statement {i}: {op} aws:SourceArn {source_arn} names account {owner}",
                            example.name
                        );
                    }
                    let pins_account = !accounts.is_empty()
                        || arns
                            .iter()
                            .any(|(_, a)| a.split(':').nth(4) == Some(account));
                    assert!(
                        pins_account,
                        "{} statement {i}: neither aws:SourceAccount nor an aws:SourceArn with the account in {cond}",
                        example.name
                    );
                } else {
                    assert!(
                        s.get("Condition").is_none(),
                        "{} statement {i}: stripped form keeps a Condition",
                        example.name
                    );
                }
            }

            // The analysis engine on the rendered document, as the scanner would feed it.
            let resource = deputy_audit_analyze::ResourcePolicy {
                arn: arn.clone(),
                resource_type: example
                    .resource_type
                    .parse()
                    .unwrap_or_else(|e| panic!("{}: {e}", example.name)),
                account_id: account.to_string(),
                region: region.to_string(),
                policy: Some(text.clone()),
                aws_managed: None,
            };
            let found: Vec<seed::ExpectedFinding> =
                deputy_audit_analyze::analyze(&resource, &options)
                    .unwrap_or_else(|e| panic!("{} ({form}): {e}", example.name))
                    .into_iter()
                    .map(|f| seed::ExpectedFinding {
                        rule_id: f.rule_id,
                        statement_index: f.statement_index,
                    })
                    .collect();
            assert_eq!(
                found,
                example.expected(form),
                "{} ({form}): engine findings (left) vs catalogue expectation (right) for {text}",
                example.name
            );
        }
        // Written from the semantics, independently of the engine: nothing when
        // protected, CD001 at each service statement when stripped.
        assert!(
            example.expected_protected.is_empty(),
            "{}: expected_protected should be empty, is {:?}",
            example.name,
            example.expected_protected
        );
        let want: Vec<seed::ExpectedFinding> = service_statements
            .iter()
            .map(|&i| seed::ExpectedFinding {
                rule_id: "CD001".into(),
                statement_index: i,
            })
            .collect();
        assert_eq!(
            example.expected_stripped, want,
            "{}: expected_stripped (left) vs CD001 at each service statement (right)",
            example.name
        );

        // Lambda has no call taking a whole policy: each statement must be one
        // AddPermission call, in both forms.
        if example.resource_type == "lambda-function" {
            for form in seed::Form::ALL {
                let doc = example.document(form, &vars).expect("render");
                for (i, s) in statements(&doc).iter().enumerate() {
                    if let Err(e) = seed::LambdaPermission::from_statement(s, &arn) {
                        panic!("{} ({form}) statement {i}: {e:#}", example.name);
                    }
                }
            }
        }
    }
    let want_callers: [(&str, &[&str]); 2] = [
        (
            "lambda-function",
            &[
                "s3.amazonaws.com",
                "sns.amazonaws.com",
                "events.amazonaws.com",
                "apigateway.amazonaws.com",
            ],
        ),
        (
            "logs-resource-policy",
            &[
                "delivery.logs.amazonaws.com",
                "route53.amazonaws.com",
                "es.amazonaws.com",
            ],
        ),
    ];
    for (t, callers) in want_callers {
        let got = principals.get(t).cloned().unwrap_or_default();
        for caller in callers {
            assert!(
                got.contains(*caller),
                "{t}: no example grants {caller} (granted: {got:?})"
            );
        }
    }

    // The Lambda execution role: lambda.amazonaws.com without a Condition is a
    // passed-role service, CD100 low (defence in depth), and the engine says so.
    let role = &more.lambda_execution_role;
    let role_doc = role.policy.to_string();
    let found: Vec<(String, usize, String)> = deputy_audit_analyze::analyze(
        &deputy_audit_analyze::ResourcePolicy {
            arn: format!("arn:aws:iam::{account}:role/{}", role.name),
            resource_type: deputy_audit_analyze::ResourceType::IamRole,
            account_id: account.to_string(),
            region: "global".to_string(),
            policy: Some(role_doc.clone()),
            aws_managed: None,
        },
        &options,
    )
    .expect("role trust policy parses")
    .into_iter()
    .map(|f| (f.rule_id, f.statement_index, f.severity.to_string()))
    .collect();
    assert_eq!(
        found,
        vec![("CD100".to_string(), 0, "low".to_string())],
        "execution role {role_doc}: engine findings (left) vs CD100 low at 0 (right)"
    );
    assert_eq!(
        role.expected,
        vec![seed::ExpectedFinding {
            rule_id: "CD100".into(),
            statement_index: 0
        }],
        "lambda_execution_role.expected"
    );
}

/// The hand-written zip: the CRC is the standard CRC-32 (check value of "123456789"),
/// and the archive has its three records where the format puts them.
#[test]
fn placeholder_zip_is_well_formed() {
    assert_eq!(seed::crc32(b"123456789"), 0xCBF4_3926, "CRC-32 check value");
    let data = b"def handler(event, context):\n    return None\n";
    let zip = seed::stored_zip("index.py", data);
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(u32_at(0), 0x0403_4b50, "local file header signature");
    assert_eq!(u32_at(14), seed::crc32(data), "CRC in the local header");
    assert_eq!(&zip[30..38], b"index.py", "file name");
    assert_eq!(&zip[38..38 + data.len()], data, "stored data");
    let central = 38 + data.len();
    assert_eq!(u32_at(central), 0x0201_4b50, "central directory signature");
    let end = zip.len() - 22;
    assert_eq!(
        u32_at(end),
        0x0605_4b50,
        "end of central directory signature"
    );
    assert_eq!(
        u32_at(end + 16) as usize,
        central,
        "central directory offset"
    );
    assert_eq!(
        u32_at(end + 12) as usize,
        end - central,
        "central directory size"
    );
}
