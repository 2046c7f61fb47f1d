//! `deputy-audit check` through the binary: exit codes, stdin, errors that name
//! the file with line and column, resource-type inference, `--fail-on`.
//! Offline: no AWS, no LocalStack.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const ACCOUNT: &str = "111122223333";

/// The Connect dead-letter queue example from AWS's guidance, as a queue policy.
const PROTECTED_QUEUE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "AllowProfiles",
    "Effect": "Allow",
    "Principal": { "Service": "profile.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:dlq",
    "Condition": { "StringEquals": {
      "aws:SourceAccount": "111122223333",
      "aws:SourceArn": "arn:aws:profile:us-east-1:111122223333:domains/d"
    } }
  }]
}"#;

/// The same statement with its Condition stripped, after an unrelated first statement.
const STRIPPED_QUEUE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
      "Action": "sqs:*", "Resource": "*" },
    { "Sid": "AllowProfiles", "Effect": "Allow",
      "Principal": { "Service": "profile.amazonaws.com" },
      "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:dlq" }
  ]
}"#;

/// The QLDB trust policy with the seed's `" ArnEquals"` typo: SourceAccount still
/// pins it (no CD001), but the broken operator is CD008 (medium).
const TYPO_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Principal": { "Service": "qldb.amazonaws.com" },
    "Action": ["sts:AssumeRole"],
    "Condition": {
      " ArnEquals": { "aws:SourceArn": "arn:aws:qldb:us-east-1:111122223333:stream/ledger/*" },
      "StringEquals": { "aws:SourceAccount": "111122223333" }
    }
  }
}"#;

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// `(rule_id, statement_index)` of every finding, in report order.
    fn findings(&self) -> Vec<(String, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().expect("rule_id").to_string(),
                    f["statement_index"].as_u64().expect("statement_index"),
                )
            })
            .collect()
    }
}

fn check(dir: &Path, args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut cmd = Command::cargo_bin("deputy-audit").expect("binary built");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn files(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in entries {
        std::fs::write(dir.path().join(name), text).expect("write policy");
    }
    dir
}

#[test]
fn protected_is_clean_and_stripped_is_cd001_at_its_statement() {
    let dir = files(&[
        ("protected.json", PROTECTED_QUEUE),
        ("stripped.json", STRIPPED_QUEUE),
    ]);
    let clean = check(
        dir.path(),
        &["--account", ACCOUNT, "--format", "json", "protected.json"],
        None,
    );
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(clean.findings(), vec![]);

    let exposed = check(
        dir.path(),
        &["--account", ACCOUNT, "--format", "json", "stripped.json"],
        None,
    );
    assert_eq!(exposed.code, 1, "{}", exposed.stderr);
    assert_eq!(exposed.findings(), vec![("CD001".to_string(), 1)]);
    let finding = &exposed.json()["findings"][0];
    let canonical = dir.path().canonicalize().expect("canonical");
    assert_eq!(
        finding["resource_arn"],
        canonical.join("stripped.json").to_str().expect("utf-8"),
        "the file stands in for the ARN (outside a git work tree: its canonical path)"
    );
    assert_eq!(
        finding["resource_type"], "sqs-queue",
        "inferred from sqs: actions"
    );
    assert_eq!(finding["statement_sid"], "AllowProfiles");
    assert_eq!(
        finding["suggested_condition"]["StringEquals"]["aws:SourceAccount"],
        ACCOUNT
    );
}

#[test]
fn reads_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = check(
        dir.path(),
        &["--account", ACCOUNT, "--format", "json", "-"],
        Some(STRIPPED_QUEUE),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["findings"][0]["resource_arn"], "<stdin>");
}

#[test]
fn invalid_json_names_file_line_and_column_and_exits_2() {
    let broken = "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}";
    let dir = files(&[("broken.json", broken), ("stripped.json", STRIPPED_QUEUE)]);
    let out = check(
        dir.path(),
        &[
            "--account",
            ACCOUNT,
            "--format",
            "json",
            "broken.json",
            "stripped.json",
        ],
        None,
    );
    assert_eq!(
        out.code, 2,
        "an unreadable input decides the exit code\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("broken.json") && out.stderr.contains("line 3, column"),
        "{}",
        out.stderr
    );
    // The readable file is still analyzed and reported.
    assert_eq!(out.findings(), vec![("CD001".to_string(), 1)]);

    let out = check(dir.path(), &["missing.json"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("missing.json"), "{}", out.stderr);
}

#[test]
fn a_policy_of_unknown_kind_asks_for_resource_type() {
    let doc = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"ec2:RunInstances"}}"#;
    let dir = files(&[("odd.json", doc)]);
    let out = check(dir.path(), &["odd.json"], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--resource-type") && out.stderr.contains("odd.json"),
        "{}",
        out.stderr
    );

    let out = check(
        dir.path(),
        &[
            "--resource-type",
            "sqs-queue",
            "--format",
            "json",
            "odd.json",
        ],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);

    let out = check(dir.path(), &["--resource-type", "queue", "odd.json"], None);
    assert_eq!(out.code, 2, "an unknown type is a usage error");
    assert!(
        out.stderr.contains("sqs-queue"),
        "lists the valid types: {}",
        out.stderr
    );
}

#[test]
fn fail_on_is_the_gate() {
    let dir = files(&[("typo.json", TYPO_TRUST)]);
    let out = check(
        dir.path(),
        &["--account", ACCOUNT, "--format", "json", "typo.json"],
        None,
    );
    assert_eq!(out.findings(), vec![("CD008".to_string(), 0)]);
    assert_eq!(out.code, 1, "medium meets the default --fail-on medium");
    let out = check(
        dir.path(),
        &["--account", ACCOUNT, "--fail-on", "high", "typo.json"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = check(
        dir.path(),
        &["--account", ACCOUNT, "--fail-on", "low", "typo.json"],
        None,
    );
    assert_eq!(out.code, 1);
}

#[test]
fn explain_prints_every_rule_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("deputy-audit")
            .expect("binary built")
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, list, _) = run(&["explain"]);
    assert_eq!(code, Some(0));
    for rule in deputy_audit_analyze::rules() {
        assert!(
            list.contains(rule.id) && list.contains(rule.name),
            "{} missing from:\n{list}",
            rule.id
        );
    }
    let (code, text, _) = run(&["explain", "cd003"]);
    assert_eq!(code, Some(0));
    let rule = deputy_audit_analyze::rule("CD003").expect("CD003 exists");
    for part in [
        rule.rationale,
        rule.vulnerable_example,
        rule.fixed_example,
        rule.fix,
    ] {
        assert!(text.contains(part.trim()), "explain CD003 lacks {part:?}");
    }
    let (code, _, err) = run(&["explain", "CD999"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown rule 'CD999'"), "{err}");
}

// ---------------------------------------------------------------------------
// Hostile text in reports (issue 10, items 8, 9 and 10)
// ---------------------------------------------------------------------------

/// A queue policy whose Sid is a spreadsheet formula that also carries terminal
/// control sequences: ESC clearing the screen, BEL, and a CR + LF that would start
/// a fake `HIGH` line. It is CD001 (no source condition).
const HOSTILE_SID_QUEUE: &str = r#"{
  "Statement": [{
    "Sid": "=cmd|' /C calc'!A0\u001b[2J\u0007\r\nHIGH   CD000 all-clear",
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage"
  }]
}"#;

/// What each hazardous character must look like once escaped.
const VISIBLE_ESCAPES: [&str; 4] = ["\\u{1b}", "\\u{7}", "\\u{d}", "\\u{a}"];

fn assert_no_raw_controls(what: &str, text: &str) {
    for c in ['\u{1b}', '\u{7}', '\r'] {
        assert!(
            !text.contains(c),
            "{what} carries a raw {c:?}:\n{}",
            text.escape_debug()
        );
    }
    assert!(
        !text.lines().any(|l| l.starts_with("HIGH   CD000")),
        "{what} lets the policy start a line of its own:\n{text}"
    );
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_neutralised() {
    let dir = files(&[("q.json", HOSTILE_SID_QUEUE)]);
    let out = check(dir.path(), &["--format", "csv", "q.json"], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let sid_column = headers
        .iter()
        .position(|h| h == "statement_sid")
        .expect("statement_sid column");
    let row = reader
        .records()
        .next()
        .expect("one row")
        .expect("valid CSV");
    let sid = &row[sid_column];
    assert!(sid.starts_with("'=cmd|"), "not neutralised: {sid:?}");
    // Every cell: none starts with a character a spreadsheet runs.
    for cell in row.iter() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "cell {cell:?} would run as a formula"
        );
    }
}

#[test]
fn control_characters_from_policies_are_shown_as_escapes() {
    let dir = files(&[("q.json", HOSTILE_SID_QUEUE)]);
    for format in ["table", "markdown"] {
        let out = check(dir.path(), &["--format", format, "q.json"], None);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert_no_raw_controls(format, &out.stdout);
        for escape in VISIBLE_ESCAPES {
            assert!(
                out.stdout.contains(escape),
                "{format} does not show {escape}:\n{}",
                out.stdout
            );
        }
    }

    // diff shows findings from two JSON reports the same way.
    let report = check(dir.path(), &["--format", "json", "q.json"], None);
    std::fs::write(dir.path().join("new.json"), &report.stdout).expect("write new");
    let empty = check(
        dir.path(),
        &["--format", "json", "-"],
        Some(PROTECTED_QUEUE),
    );
    std::fs::write(dir.path().join("old.json"), &empty.stdout).expect("write old");
    let out = Command::cargo_bin("deputy-audit")
        .expect("binary built")
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_no_raw_controls("diff", &stdout);
    assert!(stdout.contains("\\u{1b}[2J"), "{stdout}");

    // Error messages (the terminal's other channel) name a hostile file name
    // the same way.
    let name = "bad\u{1b}[2J\u{7}.json";
    std::fs::write(dir.path().join(name), "{").expect("write bad");
    let out = check(dir.path(), &[name], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_no_raw_controls("stderr", &out.stderr);
    assert!(
        out.stderr.contains("bad\\u{1b}[2J\\u{7}.json"),
        "{}",
        out.stderr
    );
}

/// `check empty.json good.json`: the unreadable input is in every format, as
/// `scan` lists what it could not read, and the exit code stays 2.
#[test]
fn unreadable_inputs_are_listed_in_every_format() {
    let dir = files(&[("empty.json", ""), ("good.json", PROTECTED_QUEUE)]);
    let run = |format: &str| {
        let out = check(
            dir.path(),
            &["--format", format, "empty.json", "good.json"],
            None,
        );
        assert_eq!(out.code, 2, "{format}: {}", out.stderr);
        out
    };

    let json = run("json").json();
    let errors = json["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{json}");
    let canonical = dir.path().canonicalize().expect("canonical");
    assert_eq!(
        errors[0]["resource_arn"],
        canonical.join("empty.json").to_str().expect("utf-8")
    );
    assert!(errors[0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("empty.json") && r.contains("not valid JSON")));
    assert_eq!(
        json["resource_counts"]["sqs-queue"], 1,
        "good.json assessed"
    );

    let sarif: Value = serde_json::from_str(&run("sarif").stdout).expect("SARIF is JSON");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation}");
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert!(
        notes.iter().any(|n| n.to_string().contains("empty.json")),
        "{invocation}"
    );

    let table = run("table").stdout;
    assert!(table.contains("Not assessed: 1"), "{table}");
    let listed = table.find("Not assessed:\n").expect("a Not assessed list");
    assert!(table[listed..].contains("empty.json"), "{table}");

    let markdown = run("markdown").stdout;
    assert!(markdown.contains("1 not assessed"), "{markdown}");
    assert!(markdown.contains("empty.json"), "{markdown}");

    // CSV: a `not-assessed` row names the file and the operation.
    let csv = run("csv");
    assert!(csv.stderr.contains("empty.json"), "{}", csv.stderr);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[column("status")] == "not-assessed")
        .collect();
    assert_eq!(rows.len(), 1, "{}", csv.stdout);
    assert!(rows[0][column("resource_arn")].ends_with("empty.json"));
    assert_eq!(&rows[0][column("operation")], "ReadPolicyFile");
    assert!(rows[0][column("message")].contains("not valid JSON"));
}

/// Policy text that is not UTF-8 cannot be stored in any AWS service (their APIs take
/// strings), so it is tested where it can arrive: a file given to `check`.
#[test]
fn invalid_utf8_policy_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.json");
    std::fs::write(&path, b"{\"Statement\": [\"\xff\xfe\"]}").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deputy-audit"))
        .args([
            "check",
            "--resource-type",
            "sqs-queue",
            "--account",
            "111122223333",
        ])
        .arg(&path)
        .output()
        .expect("run check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
}
