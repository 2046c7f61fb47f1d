//! The interchange formats through the binary, offline (`check`), validated by the
//! pinned validators scripts/validators.sh installs: OCSF against `py-ocsf-models`'
//! Detection Finding, ASFF against botocore's Security Hub model for
//! BatchImportFindings (tests/validators/validate.py).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ACCOUNT: &str = "111122223333";
const POLICIES: [&str; 3] = [
    "sqs-queue.json",
    "trust-policy.json",
    "protected-topic.json",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture policies in a scratch repository, and a `--baseline` report of the
/// first one, so that some findings are suppressed and some are not.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect("git dir");
    for name in POLICIES {
        std::fs::copy(
            root().join("tests/fixtures/policies").join(name),
            dir.path().join(name),
        )
        .expect("copy fixture");
    }
    let out = check(
        dir.path(),
        &["--format", "json", "-o", "baseline.json", POLICIES[0]],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    dir
}

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("deputy-audit")
        .expect("binary built")
        .env_remove("DEPUTY_AUDIT_LOG")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(["check", "--account", ACCOUNT])
        .args(args)
        .output()
        .expect("runs")
}

/// Writes `format` for every fixture (with the baseline) to a file; returns its
/// path and the parsed array.
fn report(dir: &Path, format: &str) -> (PathBuf, Vec<Value>) {
    let path = dir.join(format!("report.{format}.json"));
    let mut args = vec!["--baseline", "baseline.json", "--format", format, "-o"];
    let shown = path.to_str().expect("UTF-8 path");
    args.push(shown);
    args.extend_from_slice(&POLICIES);
    let out = check(dir, &args);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("report")).expect("JSON");
    let items = doc.as_array().expect("a JSON array").clone();
    (path, items)
}

/// Runs the pinned validator on `path`; panics with its findings when it refuses.
pub fn validate(kind: &str, path: &Path, expected: usize) {
    let setup = Command::new("bash")
        .arg(root().join("scripts/validators.sh"))
        .output()
        .expect("runs scripts/validators.sh");
    assert!(setup.status.success(), "scripts/validators.sh: {setup:?}");
    let python = String::from_utf8(setup.stdout).expect("UTF-8");
    let out = Command::new(python.trim())
        .arg(root().join("tests/validators/validate.py"))
        .arg(kind)
        .arg(path)
        .output()
        .expect("runs the validator");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{kind} report refused:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), format!("ok {expected}"));
}

/// The finding ids of the JSON report, and those the baseline suppresses.
fn json_ids(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut args = vec!["--baseline", "baseline.json", "--format", "json"];
    args.extend_from_slice(&POLICIES);
    let out = check(dir, &args);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = doc["findings"].as_array().expect("findings");
    let id = |f: &Value| f["finding_id"].as_str().expect("id").to_string();
    let suppressed = findings
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .map(id)
        .collect();
    (findings.iter().map(id).collect(), suppressed)
}

#[test]
fn ocsf_validates_as_detection_findings_one_per_finding() {
    let dir = workspace();
    let (path, events) = report(dir.path(), "ocsf");
    let (ids, suppressed) = json_ids(dir.path());
    assert!(!suppressed.is_empty() && suppressed.len() < ids.len());
    validate("ocsf", &path, ids.len());
    let uids: Vec<&str> = events
        .iter()
        .map(|e| e["finding_info"]["uid"].as_str().expect("uid"))
        .collect();
    assert_eq!(uids, ids);
    for e in &events {
        assert_eq!(e["class_uid"], 2004);
        assert_eq!(e["cloud"]["account"]["uid"], ACCOUNT);
        let uid = e["finding_info"]["uid"].as_str().expect("uid");
        let expected = if suppressed.iter().any(|s| s == uid) {
            3
        } else {
            1
        };
        assert_eq!(e["status_id"], expected, "{e:#}");
    }
}

#[test]
fn asff_validates_as_batch_import_findings() {
    let dir = workspace();
    let (path, findings) = report(dir.path(), "asff");
    let (ids, suppressed) = json_ids(dir.path());
    validate("asff", &path, ids.len());
    let got: Vec<&str> = findings
        .iter()
        .map(|f| f["Id"].as_str().expect("Id"))
        .collect();
    assert_eq!(got, ids);
    for f in &findings {
        assert_eq!(f["AwsAccountId"], ACCOUNT);
        assert_eq!(
            f["ProductArn"],
            format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default")
        );
        assert!(f["GeneratorId"].as_str().expect("rule").starts_with("CD"));
        let id = f["Id"].as_str().expect("Id");
        let status = if suppressed.iter().any(|s| s == id) {
            "SUPPRESSED"
        } else {
            "NEW"
        };
        assert_eq!(f["Workflow"]["Status"], status, "{f:#}");
    }
}
