//! What users read, as snapshots (insta): `explain` for every rule, and the report of
//! one fixed `check` run in every format (table, Markdown, SARIF, CSV, JSON) with its
//! messages on stderr. Any change to user-visible text shows up as a snapshot diff to
//! review. Timestamps, the tool's version and the temporary directory are masked.
//! Offline: no AWS, no LocalStack.
//!
//! Accept intended changes with `INSTA_UPDATE=always cargo test --test it snapshots::`
//! (or `cargo insta review`) and read the diff before committing; see tests/it/README.md.

use std::path::Path;

use assert_cmd::Command;

const ACCOUNT: &str = "111122223333";

/// Suppresses the CD004 finding of trust-policy.json, so every report shows a
/// suppressed finding beside the others.
const SUPPRESSIONS: &str = r#"{
  "suppressions": [
    { "finding_id": "DA-6be3e2a919332139", "reason": "Vendor integration, reviewed in SEC-142" }
  ]
}"#;

/// The inputs of the sample run: the three fixture policies (findings at high and
/// medium, one clean topic), a policy that is not JSON (not assessed), and a policy
/// whose Sid and principal carry control characters and formula prefixes.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    // A work tree root, as a repository of policies is: `check` names files
    // from there, so paths and finding ids do not depend on the temp dir.
    std::fs::create_dir(dir.path().join(".git")).expect("git dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies");
    for name in [
        "sqs-queue.json",
        "trust-policy.json",
        "protected-topic.json",
    ] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).expect("copy fixture");
    }
    std::fs::write(
        dir.path().join("broken.json"),
        "{\"Statement\": [\n  {\"Effect\": \"Allow\",,}\n]}",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("hostile.json"),
        r#"{"Statement":[{"Sid":"=cmd|' /C calc'!A0\u001b[2J","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}]}"#,
    )
    .expect("write");
    std::fs::write(dir.path().join("suppressions.json"), SUPPRESSIONS).expect("write");
    dir
}

/// Masks what changes from run to run or release to release.
fn settings(dir: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z",
        "[TIMESTAMP]",
    );
    settings.add_filter(
        &regex_escape(&format!("deputy-audit {}", env!("CARGO_PKG_VERSION"))),
        "deputy-audit [VERSION]",
    );
    settings.add_filter(
        &format!(
            r#""(version|semanticVersion)": "{}""#,
            regex_escape(env!("CARGO_PKG_VERSION"))
        ),
        r#""$1": "[VERSION]""#,
    );
    let dir = dir.canonicalize().expect("canonical temp dir");
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[DIR]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

fn visible_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if c.is_control() => format!("<U+{:04X}>", u32::from(c)),
            c => c.to_string(),
        })
        .collect()
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::cargo_bin("deputy-audit")
        .expect("binary built")
        .current_dir(dir)
        .env_remove("DEPUTY_AUDIT_LOG")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check` of the sample inputs in `format`, with the suppressions file.
fn sample_check(dir: &Path, format: &str) -> Outcome {
    run(
        dir,
        &[
            "check",
            "--account",
            ACCOUNT,
            "--baseline",
            "suppressions.json",
            "--format",
            format,
            "sqs-queue.json",
            "trust-policy.json",
            "protected-topic.json",
            "broken.json",
            "hostile.json",
        ],
    )
}

#[test]
fn check_report_in_every_format() {
    let dir = workspace();
    let settings = settings(dir.path());
    for (format, ext) in [
        ("table", "txt"),
        ("markdown", "md"),
        ("sarif", "sarif"),
        ("csv", "csv"),
        ("json", "json"),
    ] {
        let out = sample_check(dir.path(), format);
        // 2: an input could not be read (broken.json); every other file is reported.
        assert_eq!(out.code, Some(2), "{format}\n{}", out.stderr);
        // CSV keeps policy text exactly, control characters included; the snapshot
        // shows them as `<U+001B>` so that reading the file or its diff is safe.
        let shown = if format == "csv" {
            visible_controls(&out.stdout)
        } else {
            out.stdout
        };
        settings.bind(|| insta::assert_snapshot!(format!("check.{ext}"), shown));
        if format == "table" {
            settings.bind(|| insta::assert_snapshot!("check.stderr", out.stderr));
        }
    }
}

#[test]
fn explain_lists_every_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["explain"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    settings(dir.path()).bind(|| insta::assert_snapshot!("explain", out.stdout));
}

#[test]
fn explain_each_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = settings(dir.path());
    for rule in deputy_audit_analyze::rules() {
        let out = run(dir.path(), &["explain", rule.id]);
        assert_eq!(out.code, Some(0), "{}: {}", rule.id, out.stderr);
        settings.bind(|| insta::assert_snapshot!(format!("explain-{}", rule.id), out.stdout));
    }
    let out = run(dir.path(), &["explain", "CD999"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    settings.bind(|| insta::assert_snapshot!("explain-unknown.stderr", out.stderr));
}

#[test]
fn diff_table() {
    let dir = workspace();
    let report = |inputs: &[&str], name: &str| {
        let mut args = vec!["check", "--account", ACCOUNT, "--format", "json"];
        args.extend_from_slice(inputs);
        let out = run(dir.path(), &args);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        std::fs::write(dir.path().join(name), out.stdout).expect("write report");
    };
    report(&["sqs-queue.json", "trust-policy.json"], "old.json");
    report(&["sqs-queue.json", "hostile.json"], "new.json");
    let out = run(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    settings(dir.path()).bind(|| insta::assert_snapshot!("diff.txt", out.stdout));
}
