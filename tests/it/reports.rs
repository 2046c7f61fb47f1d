//! The report features through the binary, offline (`check` needs no AWS and
//! no LocalStack): the JSON report against docs/report.schema.json, SARIF
//! against the vendored OASIS schema, `--baseline`, and `diff`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("deputy-audit").expect("binary built");
    cmd.env_remove("DEPUTY_AUDIT_LOG").env("NO_COLOR", "1");
    cmd
}

/// A scratch directory holding copies of the fixture policies, so that the
/// "ARNs" (file names) are short and the same in every run.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    // A repository, as in CI: `check` names files relative to its root.
    std::fs::create_dir(dir.path().join(".git")).expect("git dir");
    for name in [
        "sqs-queue.json",
        "trust-policy.json",
        "protected-topic.json",
    ] {
        std::fs::copy(
            root().join("tests/fixtures/policies").join(name),
            dir.path().join(name),
        )
        .expect("copy fixture");
    }
    dir
}

/// Runs `check` in `dir` and returns (exit code, stdout, stderr).
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = bin()
        .current_dir(dir)
        .args(["check", "--account", ACCOUNT])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const POLICIES: [&str; 3] = [
    "sqs-queue.json",
    "trust-policy.json",
    "protected-topic.json",
];

fn json_report(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&POLICIES);
    let (code, stdout, stderr) = check(dir, &args);
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    (code, doc)
}

fn validator(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(path)).expect("schema readable");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Every object key in `doc` is declared in the schema (the schema lets
/// consumers accept unknown fields, so validation alone would not notice an
/// undocumented one).
fn undeclared_keys(schema: &Value, doc: &Value) -> Vec<String> {
    fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.trim_start_matches('#');
                resolve(root, root.pointer(pointer).expect("ref resolves"))
            }
            None => node,
        }
    }
    fn walk(root: &Value, schema: &Value, doc: &Value, at: &str, out: &mut Vec<String>) {
        let schema = resolve(root, schema);
        match doc {
            // A schema naming no properties and no `additionalProperties` admits any
            // object (JSON Schema's default): a free-form document such as a
            // corrected policy, whose keys are AWS's, not the report's.
            Value::Object(_)
                if schema.get("properties").is_none()
                    && schema.get("additionalProperties").is_none() => {}
            Value::Object(map) => {
                let properties = schema.get("properties");
                let extra = schema.get("additionalProperties");
                for (key, value) in map {
                    let child = properties
                        .and_then(|p| p.get(key))
                        .or(extra.filter(|e| e.is_object()));
                    match child {
                        Some(child) => walk(root, child, value, &format!("{at}/{key}"), out),
                        None => out.push(format!("{at}/{key}")),
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        walk(root, item_schema, item, &format!("{at}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(schema, schema, doc, "", &mut out);
    out
}

#[test]
fn json_report_validates_against_the_published_schema() {
    let dir = workspace();
    let (code, doc) = json_report(dir.path(), &[]);
    assert_eq!(code, 1, "high findings gate: {doc:#}");
    let findings = doc["findings"].as_array().expect("findings");
    assert!(findings.len() >= 3, "{doc:#}");
    assert!(findings
        .iter()
        .all(|f| f["finding_id"].as_str().unwrap().starts_with("DA-")));
    assert_eq!(doc["suppressed_count"], 0);

    let schema_text = std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let v = validator("docs/report.schema.json");
    assert_eq!(errors(&v, &doc), Vec::<String>::new());
    assert_eq!(
        undeclared_keys(&schema, &doc),
        Vec::<String>::new(),
        "fields written but not described in docs/report.schema.json"
    );

    // And the schema does reject what is not a report.
    let mut broken = doc.clone();
    broken["findings"][0]["severity"] = json!("critical");
    assert!(!v.is_valid(&broken));
    let mut broken = doc.clone();
    broken["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("finding_id");
    assert!(!v.is_valid(&broken));
    let mut broken = doc.clone();
    broken["resource_counts"]["sqs"] = json!(1);
    assert!(!v.is_valid(&broken));
    assert!(!v.is_valid(&json!({ "findings": [] })));
}

#[test]
fn finding_ids_are_the_same_across_runs() {
    let dir = workspace();
    let ids = |doc: &Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["finding_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, first) = json_report(dir.path(), &[]);
    let (_, second) = json_report(dir.path(), &[]);
    assert_eq!(ids(&first), ids(&second));
}

#[test]
fn sarif_output_validates_and_locates_each_finding() {
    let dir = workspace();
    let mut args = vec!["--format", "sarif"];
    args.extend_from_slice(&POLICIES);
    let (code, stdout, stderr) = check(dir.path(), &args);
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    let v = validator("tests/schemas/sarif-schema-2.1.0.json");
    assert_eq!(errors(&v, &doc), Vec::<String>::new());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let (_, report) = json_report(dir.path(), &[]);
    assert_eq!(results.len(), report["findings"].as_array().unwrap().len());
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"sqs-queue.json"), "{uris:?}");
}

#[test]
fn a_previous_report_as_baseline_suppresses_everything_it_held() {
    let dir = workspace();
    let mut args = vec!["--format", "json", "--output", "baseline.json"];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 1, "{stderr}");

    let (code, doc) = json_report(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "suppressed findings do not gate: {doc:#}");
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(doc["suppressed_count"], findings.len());
    for f in findings {
        let reason = f["suppression"]["reason"].as_str().expect("suppressed");
        assert!(
            reason.starts_with("in baseline baseline.json ("),
            "{reason}"
        );
    }
    let v = validator("docs/report.schema.json");
    assert_eq!(errors(&v, &doc), Vec::<String>::new());

    // The other formats say so too.
    let mut args = vec!["--baseline", "baseline.json"];
    args.extend_from_slice(&POLICIES);
    let (code, table, _) = check(dir.path(), &args);
    assert_eq!(code, 0);
    assert!(table.contains("suppressed by --baseline"), "{table}");
    let mut args = vec!["--baseline", "baseline.json", "--format", "sarif"];
    args.extend_from_slice(&POLICIES);
    let (_, sarif, _) = check(dir.path(), &args);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["suppressions"][0]["kind"] == "external"));
}

#[test]
fn a_suppressions_file_suppresses_by_id_with_a_reason() {
    let dir = workspace();
    let (_, doc) = json_report(dir.path(), &[]);
    let findings = doc["findings"].as_array().unwrap();
    // Suppress every high finding: what remains is medium (CD004), still gating
    // at the default threshold, but not with --fail-on high.
    let high: Vec<&Value> = findings
        .iter()
        .filter(|f| f["severity"] == "high")
        .collect();
    assert!(!high.is_empty() && high.len() < findings.len());
    let entries: Vec<Value> = high
        .iter()
        .map(|f| json!({ "finding_id": f["finding_id"], "reason": "reviewed in SEC-42" }))
        .collect();
    std::fs::write(
        dir.path().join("suppressions.json"),
        json!({ "suppressions": entries }).to_string(),
    )
    .unwrap();

    let (code, doc) = json_report(
        dir.path(),
        &["--baseline", "suppressions.json", "--fail-on", "high"],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["suppressed_count"], high.len());
    let (code, _) = json_report(dir.path(), &["--baseline", "suppressions.json"]);
    assert_eq!(code, 1, "the unsuppressed medium finding still gates");

    let mut args = vec!["--baseline", "suppressions.json", "--format", "markdown"];
    args.extend_from_slice(&POLICIES);
    let (_, md, _) = check(dir.path(), &args);
    assert!(
        md.contains("<details>") && md.contains("reviewed in SEC-42"),
        "{md}"
    );
}

#[test]
fn a_suppression_without_a_reason_is_a_usage_error() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("s.json"),
        r#"{"suppressions":[{"finding_id":"DA-0000000000000001","reason":"ok"},{"finding_id":"DA-0123456789abcdef"}]}"#,
    )
    .unwrap();
    let mut args = vec!["--baseline", "s.json"];
    args.extend_from_slice(&POLICIES);
    let (code, stdout, stderr) = check(dir.path(), &args);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "nothing is reported: {stdout}");
    assert!(
        stderr.contains("suppressions[1] (DA-0123456789abcdef) has no reason"),
        "{stderr}"
    );

    let mut args = vec!["--baseline", "missing.json"];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.json"), "{stderr}");
}

fn diff(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = bin()
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn diff_reports_new_resolved_and_unchanged_findings() {
    let dir = workspace();
    let report = |out: &str| {
        let mut args = vec!["--format", "json", "--output", out];
        args.extend_from_slice(&POLICIES);
        check(dir.path(), &args);
    };
    report("old.json");
    // Fix the queue's second statement; let the topic trust another account.
    let queue = std::fs::read_to_string(dir.path().join("sqs-queue.json")).unwrap();
    let fixed = queue.replace(
        r#""StringLike": { "aws:SourceArn": "*" }"#,
        r#""StringEquals": { "aws:SourceAccount": "111122223333" }"#,
    );
    assert_ne!(queue, fixed);
    std::fs::write(dir.path().join("sqs-queue.json"), fixed).unwrap();
    let topic = std::fs::read_to_string(dir.path().join("protected-topic.json")).unwrap();
    let opened = topic.replace(
        r#""aws:SourceAccount": "111122223333""#,
        r#""aws:SourceAccount": "999999999999""#,
    );
    assert_ne!(topic, opened);
    std::fs::write(dir.path().join("protected-topic.json"), opened).unwrap();
    report("new.json");

    let (code, stdout, stderr) = diff(dir.path(), &["old.json", "new.json", "--format", "json"]);
    assert_eq!(
        code, 0,
        "diff reports, it does not gate by default: {stderr}"
    );
    let d: Value = serde_json::from_str(&stdout).expect("JSON");
    let rules = |key: &str| -> Vec<String> {
        d[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["resource_arn"].as_str().unwrap(),
                    f["rule_id"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(rules("resolved"), vec!["sqs-queue.json CD002"]);
    assert!(
        rules("new")
            .iter()
            .all(|r| r.starts_with("protected-topic.json ")),
        "{d:#}"
    );
    assert!(!rules("new").is_empty());
    assert_eq!(
        rules("unchanged"),
        vec!["sqs-queue.json CD001", "trust-policy.json CD004"],
        "the Sid keeps CD001's id although its neighbour changed"
    );
    assert_eq!(d["summary"]["resolved"], 1);

    let (code, table, _) = diff(dir.path(), &["old.json", "new.json"]);
    assert_eq!(code, 0);
    assert!(table.contains("Resolved: 1"), "{table}");
    assert!(table.contains("protected-topic.json"), "{table}");

    let (code, _, _) = diff(dir.path(), &["old.json", "new.json", "--fail-on-new"]);
    assert_eq!(code, 1, "--fail-on-new gates on the new findings");
    let (code, _, _) = diff(dir.path(), &["new.json", "old.json", "--fail-on-new"]);
    assert_eq!(code, 1, "the reverse: CD002 is new");
    let (code, _, _) = diff(dir.path(), &["old.json", "old.json", "--fail-on-new"]);
    assert_eq!(code, 0);
}

#[test]
fn diff_refuses_unreadable_inputs() {
    let dir = workspace();
    std::fs::write(dir.path().join("bad.json"), "{}").unwrap();
    let (code, _, stderr) = diff(dir.path(), &["nope.json", "bad.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.json"), "{stderr}");
    let mut args = vec!["--format", "json", "--output", "ok.json"];
    args.extend_from_slice(&POLICIES);
    check(dir.path(), &args);
    let (code, _, stderr) = diff(dir.path(), &["ok.json", "bad.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.json"), "{stderr}");
}

/// Issue 13, mutelist: by pattern, by id, expiry, unmatched entries named.
#[test]
fn suppressions_match_by_pattern_expire_and_name_stale_entries() {
    let dir = workspace();
    let (_, doc) = json_report(dir.path(), &[]);
    let findings = doc["findings"].as_array().unwrap().clone();
    let queue: Vec<&Value> = findings
        .iter()
        .filter(|f| f["resource_arn"] == "sqs-queue.json")
        .collect();
    assert!(!queue.is_empty());
    let trust = findings
        .iter()
        .find(|f| f["resource_arn"] == "trust-policy.json")
        .expect("a trust policy finding");
    std::fs::write(
        dir.path().join("mutelist.json"),
        json!({ "suppressions": [
            { "resource_arn": "sqs-*.json", "service": "sqs", "reason": "queues reviewed in SEC-7" },
            { "finding_id": trust["finding_id"], "reason": "lapsed", "expires": "2020-01-01" },
            { "rule_id": "CD009", "account_id": "999999999999", "reason": "another account" },
            { "finding_id": "DA-00000000000000ff", "reason": "fixed long ago" }
        ]})
        .to_string(),
    )
    .unwrap();
    let mut args = vec!["--format", "json", "--baseline", "mutelist.json"];
    args.extend_from_slice(&POLICIES);
    let (_, stdout, stderr) = check(dir.path(), &args);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        errors(&validator("docs/report.schema.json"), &doc),
        Vec::<String>::new()
    );
    assert_eq!(doc["suppressed_count"], queue.len(), "{doc:#}");
    for f in doc["findings"].as_array().unwrap() {
        let suppressed = f["suppression"]["reason"].as_str();
        if f["resource_arn"] == "sqs-queue.json" {
            assert_eq!(suppressed, Some("queues reviewed in SEC-7"));
        } else {
            assert_eq!(
                suppressed, None,
                "the expired entry suppresses nothing: {f:#}"
            );
        }
    }
    let expired = format!(
        "suppressions[1] ({}) (expired 2020-01-01)",
        trust["finding_id"].as_str().unwrap()
    );
    assert_eq!(doc["baseline"]["expired_entries"], json!([expired]));
    assert_eq!(
        doc["baseline"]["unmatched_entries"],
        json!([
            "suppressions[2] (account_id=999999999999, rule_id=CD009)",
            "suppressions[3] (DA-00000000000000ff)"
        ])
    );
    assert!(
        stderr.contains(&format!("{expired} has expired")),
        "{stderr}"
    );
    assert!(
        stderr.contains("suppressions[3] (DA-00000000000000ff) matched no finding"),
        "{stderr}"
    );

    // A bad date names the entry and stops the command.
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"suppressions":[{"rule_id":"CD001","reason":"r","expires":"31/12/2026"}]}"#,
    )
    .unwrap();
    let mut args = vec!["--baseline", "bad.json"];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("suppressions[0] (rule_id=CD001) has expires \"31/12/2026\""),
        "{stderr}"
    );
}

/// Issue 13: a suppression made for a statement does not follow it when the
/// statement grants more (the Vendor case: one service to three, `sqs:*`).
#[test]
fn a_broadened_statement_is_no_longer_suppressed() {
    let dir = workspace();
    let mut args = vec!["--format", "json", "--output", "baseline.json"];
    args.extend_from_slice(&POLICIES);
    check(dir.path(), &args);
    let (code, doc) = json_report(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(doc["baseline"]["widened_grants"]
        .as_array()
        .unwrap()
        .is_empty());

    let policy = dir.path().join("sqs-queue.json");
    let text = std::fs::read_to_string(&policy).unwrap().replacen(
        r#""Action": "sqs:SendMessage","#,
        r#""Action": ["sqs:SendMessage", "sqs:*"],"#,
        1,
    );
    std::fs::write(&policy, text).unwrap();
    let mut args = vec!["--format", "json", "--baseline", "baseline.json"];
    args.extend_from_slice(&POLICIES);
    let (code, stdout, stderr) = check(dir.path(), &args);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(code, 1, "the broadened grant gates again: {doc:#}");
    let widened = doc["baseline"]["widened_grants"].as_array().unwrap();
    assert!(!widened.is_empty(), "{doc:#}");
    assert_eq!(widened[0]["added"], json!(["action sqs:*"]));
    let id = widened[0]["finding_id"].as_str().unwrap();
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finding_id"] == id)
        .unwrap();
    assert!(finding.get("suppression").is_none(), "{finding:#}");
    assert!(
        stderr.contains(&format!(
            "{id} is not suppressed: its statement now grants more"
        )),
        "{stderr}"
    );

    // The same through a suppressions entry with a recorded grant, and through diff.
    std::fs::write(
        dir.path().join("s.json"),
        json!({ "suppressions": [{
            "finding_id": id, "reason": "vendor",
            "grant": { "principals": ["sns.amazonaws.com"], "actions": ["sqs:SendMessage"], "resources": ["*"] }
        }]})
        .to_string(),
    )
    .unwrap();
    let (_, doc) = json_report(dir.path(), &["--baseline", "s.json"]);
    assert_eq!(doc["suppressed_count"], 0, "{doc:#}");
    std::fs::write(dir.path().join("new.json"), stdout).unwrap();
    let (code, out, stderr) = diff(
        dir.path(),
        &[
            "baseline.json",
            "new.json",
            "--baseline",
            "s.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("is not suppressed"), "{stderr}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert!(d["unchanged"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("suppression").is_none()));
}

/// Issue 13, pass records: every resource in the JSON report with its status,
/// and in the CSV with --include-passed.
#[test]
fn every_resource_is_listed_with_its_status() {
    let dir = workspace();
    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    let (_, doc) = json_report(dir.path(), &[]);
    let trust = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource_arn"] == "trust-policy.json")
        .unwrap()
        .clone();
    std::fs::write(
        dir.path().join("s.json"),
        json!({ "suppressions": [{ "resource_arn": "trust-policy.json", "reason": "vendor" }] })
            .to_string(),
    )
    .unwrap();
    let mut args = vec!["--format", "json", "--baseline", "s.json", "broken.json"];
    args.extend_from_slice(&POLICIES);
    let (_, stdout, _) = check(dir.path(), &args);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        errors(&validator("docs/report.schema.json"), &doc),
        Vec::<String>::new()
    );
    let status: Vec<(String, String)> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource_arn"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |arn: &str| {
        status
            .iter()
            .find(|(a, _)| a == arn)
            .map(|(_, s)| s.as_str())
    };
    assert_eq!(find("protected-topic.json"), Some("pass"), "{status:?}");
    assert_eq!(find("sqs-queue.json"), Some("fail"));
    assert_eq!(find("trust-policy.json"), Some("suppressed"), "{trust:#}");
    assert_eq!(
        status.len(),
        3,
        "broken.json has no resource type: {status:?}"
    );

    let mut args = vec!["--format", "csv", "--include-passed"];
    args.extend_from_slice(&POLICIES);
    let (_, csv, _) = check(dir.path(), &args);
    let pass_rows: Vec<&str> = csv.lines().filter(|l| l.ends_with(",pass,")).collect();
    assert_eq!(pass_rows.len(), 1, "{csv}");
    assert!(pass_rows[0].contains("protected-topic.json"), "{csv}");
    let mut args = vec!["--format", "csv"];
    args.extend_from_slice(&POLICIES);
    let (_, csv, _) = check(dir.path(), &args);
    assert!(!csv.contains(",pass,"), "passes only on request: {csv}");
}

/// Issue 13, one view: the same report in every format agrees on counts and
/// on order (severity, then account, resource, statement); SARIF points at
/// the statement's line and maps info to `none`.
#[test]
fn every_format_agrees_on_counts_and_order() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("s.json"),
        json!({ "suppressions": [{ "resource_arn": "trust-policy.json", "reason": "vendor" }] })
            .to_string(),
    )
    .unwrap();
    let run = |format: &str| {
        let mut args = vec!["--format", format, "--baseline", "s.json"];
        args.extend_from_slice(&POLICIES);
        check(dir.path(), &args).1
    };
    let doc: Value = serde_json::from_str(&run("json")).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let ids = |pred: &dyn Fn(&Value) -> bool| -> Vec<String> {
        findings
            .iter()
            .filter(|f| pred(f))
            .map(|f| f["finding_id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = ids(&|_| true);
    let active = ids(&|f| f.get("suppression").is_none());
    let suppressed = all.len() - active.len();
    assert!(suppressed > 0 && !active.is_empty());
    let rank = |s: &str| {
        ["high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
    };
    let keys: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                rank(f["severity"].as_str().unwrap()),
                f["account_id"].as_str().unwrap().to_string(),
                f["resource_arn"].as_str().unwrap().to_string(),
                f["statement_index"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "JSON is ordered by severity, account, resource, statement"
    );

    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let sarif_ids: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["deputyAuditFindingId/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(sarif_ids, all);
    let props = &sarif["runs"][0]["properties"];
    assert_eq!(props["findings_count"], active.len());
    assert_eq!(props["suppressed_count"], suppressed);
    let queue_lines: Vec<u64> = results
        .iter()
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sqs-queue.json"
        })
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(
        queue_lines.contains(&4) && queue_lines.contains(&11),
        "{queue_lines:?}"
    );

    let csv = run("csv");
    let csv_ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            all.iter()
                .find(|id| l.contains(id.as_str()))
                .map(|s| s.as_str())
        })
        .collect();
    assert_eq!(csv_ids, all);

    let in_order = |text: &str, wanted: &[String]| {
        let positions: Vec<usize> = wanted
            .iter()
            .map(|id| {
                text.find(id.as_str())
                    .unwrap_or_else(|| panic!("{id} in {text}"))
            })
            .collect();
        let mut sorted = positions.clone();
        sorted.sort();
        assert_eq!(positions, sorted, "{text}");
    };
    let table = run("table");
    assert!(
        table.contains(&format!(
            "Findings: {} (+{suppressed} suppressed",
            active.len()
        )),
        "{table}"
    );
    in_order(&table, &active);
    let md = run("markdown");
    assert!(
        md.contains(&format!(
            "{} findings** · {suppressed} suppressed",
            active.len()
        )),
        "{md}"
    );
    in_order(&md, &active);

    // The interchange formats carry every finding (suppressed ones marked), in
    // the same order; the HTML page lists the active ones in the same order too.
    for format in ["ocsf", "asff"] {
        let text = run(format);
        let objects: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(objects.as_array().unwrap().len(), all.len(), "{format}");
        in_order(&text, &all);
    }
    let html = run("html");
    in_order(&html, &active);
}

/// Issue 13, filters: --rule, --exclude-rule and --min-severity change what is
/// shown; --fail-on still gates on every finding.
#[test]
fn filters_change_what_is_shown_not_what_gates() {
    let dir = workspace();
    let (code, all) = json_report(dir.path(), &[]);
    assert_eq!(code, 1);
    let all = all["findings"].as_array().unwrap().clone();
    let rules: Vec<&str> = all.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    let medium = all.iter().filter(|f| f["severity"] == "medium").count();
    assert!(medium > 0 && medium < all.len());

    let (code, doc) = json_report(dir.path(), &["--rule", "cd004"]);
    assert_eq!(code, 1, "hidden high findings still gate");
    let shown = doc["findings"].as_array().unwrap();
    assert!(shown.iter().all(|f| f["rule_id"] == "CD004"), "{doc:#}");
    assert_eq!(shown.len(), rules.iter().filter(|r| **r == "CD004").count());
    assert_eq!(doc["filters"]["hidden"], all.len() - shown.len());
    assert_eq!(
        errors(&validator("docs/report.schema.json"), &doc),
        Vec::<String>::new()
    );
    let fail: Vec<&Value> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    assert!(
        fail.iter().any(|r| r["resource_arn"] == "sqs-queue.json"),
        "a resource with hidden findings still fails: {fail:?}"
    );

    let (_, doc) = json_report(dir.path(), &["--exclude-rule", "CD004"]);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule_id"] != "CD004"));
    let (_, doc) = json_report(dir.path(), &["--min-severity", "high"]);
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        all.iter().filter(|f| f["severity"] == "high").count()
    );
    let mut args = vec!["--min-severity", "high"];
    args.extend_from_slice(&POLICIES);
    let (_, table, _) = check(dir.path(), &args);
    assert!(
        table.contains(&format!("({medium} hidden by filters)")),
        "{table}"
    );

    let mut args = vec!["--rule", "CD999"];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 2);
    assert!(stderr.contains("--rule CD999: no such rule"), "{stderr}");
}

/// Issue 13: --split-accounts writes one file per account into --output DIR,
/// and needs a directory.
#[test]
fn split_accounts_writes_one_file_per_account() {
    let dir = workspace();
    let mut args = vec!["--format", "json", "--split-accounts", "-o", "one.json"];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 2);
    assert!(stderr.contains("--split-accounts"), "{stderr}");

    let mut args = vec![
        "--format",
        "json",
        "--format",
        "csv",
        "--split-accounts",
        "-o",
        "out/",
    ];
    args.extend_from_slice(&POLICIES);
    let (code, _, stderr) = check(dir.path(), &args);
    assert_eq!(code, 1, "{stderr}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.starts_with(&format!("deputy-audit-{ACCOUNT}-"))),
        "{names:?}"
    );
    let json_file = names.iter().find(|n| n.ends_with(".json")).unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out").join(json_file)).unwrap(),
    )
    .unwrap();
    assert_eq!(doc["account_id"], ACCOUNT);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
}
