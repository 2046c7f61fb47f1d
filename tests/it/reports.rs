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
