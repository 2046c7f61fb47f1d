//! `deputy-audit fix REPORT.json --out DIR` through the binary, offline: the
//! files it writes, a script `bash -n` accepts, hostile report text that stays
//! data (run against a stub `aws` that records its arguments), and an
//! existing directory it refuses to touch.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:orders";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:thumbs";
/// A topic name no real topic has, written by a hostile report: a newline that
/// would end a comment, a command substitution, a quote.
const HOSTILE_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:t\ntouch PWNED1 #$(touch PWNED2)'";
const HOSTILE_SID: &str = "s'; touch PWNED3; echo '";

fn hostile_report() -> Value {
    let queue_statement = json!({
        "Sid": "FromSns", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:events"},
                      "StringEquals": {"aws:SourceAccount": "111122223333"}}
    });
    let lambda_statement = json!({
        "Sid": "$(touch PWNED4)", "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": FUNCTION,
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::photos`touch PWNED5`"},
                      "StringEquals": {"aws:SourceAccount": "111122223333"}}
    });
    let fix =
        |index: usize, sid: Option<&str>, action: &str, reason: &str, corrected: Vec<Value>| {
            json!({"index": index, "sid": sid, "rule_ids": ["CD001"], "action": action,
               "reason": reason, "unscanned_accounts": [], "corrected_statements": corrected})
        };
    let remediation = |resource_type: &str, arn: &str, statements: Vec<Value>, policy: Value| {
        json!({"account_id": "111122223333", "region": "us-east-1",
               "resource_type": resource_type, "resource_arn": arn,
               "used_by": [{"statement_index": 0, "service_principal": "sns.amazonaws.com",
                            "source_arn": "arn:aws:sns:us-east-1:111122223333:events",
                            "source_account": "111122223333", "kind": "sns-subscriptions"}],
               "unused_statements": [], "statements": statements,
               "corrected_policy": policy,
               // Never trusted: `fix` computes its own commands and names.
               "apply_command": "touch PWNED6", "policy_file": "../../escaped.json",
               "remaining": []})
    };
    json!({
        "schema_version": 2,
        "tool": {"name": "deputy-audit", "version": "0.0.0"},
        "scan_started": "2026-11-23T12:00:00Z",
        "scan_finished": "2026-11-23T12:00:04Z",
        "account_id": "111122223333",
        "regions": ["us-east-1"],
        "resource_counts": {},
        "findings": [],
        "errors": [],
        "remediations": [
            remediation("sqs-queue", QUEUE,
                vec![fix(0, Some("FromSns"), "pinned-to-sources", "the topic events delivers here", vec![queue_statement.clone()])],
                json!({"Version": "2012-10-17", "Statement": [queue_statement]})),
            remediation("lambda-function", FUNCTION,
                vec![fix(0, Some(HOSTILE_SID), "pinned-to-sources", "reason\nrm -rf ~ $(touch PWNED7)", vec![lambda_statement.clone()])],
                json!({"Version": "2012-10-17", "Statement": [lambda_statement]})),
            remediation("sns-topic", HOSTILE_TOPIC,
                vec![fix(0, None, "removed", "unused\r\n`touch PWNED8`", vec![])],
                // The owner's own statement stays (a policy left with no
                // statement is removed, not written: see apply.rs).
                json!({"Version": "2012-10-17", "Statement": [{
                    "Sid": "Owner", "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sns:Publish", "Resource": HOSTILE_TOPIC
                }]})),
            remediation("sns-topic", "arn:aws:sns:us-east-1:111122223333:manual",
                vec![fix(0, None, "unchanged", "decide who may publish", vec![])],
                Value::Null),
        ]
    })
}

fn write_report(dir: &Path, doc: &Value) -> std::path::PathBuf {
    let path = dir.join("report.json");
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

fn fix(report: &Path, out: &Path) -> std::process::Output {
    Command::cargo_bin("deputy-audit")
        .unwrap()
        .arg("fix")
        .arg(report)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn writes_policies_and_a_script_whose_text_stays_data() {
    let work = tempfile::tempdir().unwrap();
    let report = write_report(work.path(), &hostile_report());
    let out = work.path().join("fixes");
    let run = fix(&report, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("bash "), "{stderr}");

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Three corrected policies, the queue's attributes file, the script; the
    // resource that needs a person has no file; nothing escaped DIR.
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.contains(&"apply.sh".to_string()));
    assert!(!work.path().join("escaped.json").exists());
    let queue_policy = names
        .iter()
        .find(|n| n.starts_with("sqs-queue-orders-") && !n.contains("attributes"))
        .unwrap();
    let text = std::fs::read_to_string(out.join(queue_policy)).unwrap();
    assert!(text.ends_with("}\n"), "pretty JSON with a trailing newline");
    let policy: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        policy,
        hostile_report()["remediations"][0]["corrected_policy"]
    );
    let attributes_name = queue_policy.replace(".json", ".attributes.json");
    let attributes: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(&attributes_name)).unwrap())
            .unwrap();
    let inner: Value = serde_json::from_str(attributes["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(inner, policy);

    let script = std::fs::read_to_string(out.join("apply.sh")).unwrap();
    assert!(script.starts_with("#!/usr/bin/env bash\n# Generated by deputy-audit"));
    assert!(script.contains("never runs this script"), "{script}");
    assert!(script.contains("set -euo pipefail"));
    assert!(
        !script.contains("PWNED6"),
        "the report's apply_command is not trusted"
    );
    assert!(
        script.contains("# No command: no corrected policy"),
        "{script}"
    );
    for line in script.lines() {
        let code = !line.starts_with('#') && !line.is_empty();
        if code {
            assert!(
                line.starts_with("aws ")
                    || line.starts_with("queue_url=")
                    || line.starts_with("set ")
                    || line.starts_with("cd "),
                "unexpected shell line: {line}"
            );
        }
    }
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(out.join("apply.sh"))
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("apply.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o644,
            "run on purpose (bash apply.sh), never by accident"
        );
    }

    // Run it against a stub `aws` that only records its arguments: every
    // hostile string arrives as one argument, and nothing else runs.
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = work.path().join("aws.log");
    let stub = format!(
        "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> '{}'; done\nprintf '\\n\\0' >> '{}'\n[ \"$2\" = get-queue-url ] && echo https://sqs.us-east-1.amazonaws.com/111122223333/orders\nexit 0\n",
        log.display(),
        log.display()
    );
    std::fs::write(bin.join("aws"), stub).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let ran = std::process::Command::new("bash")
        .arg(out.join("apply.sh"))
        .current_dir(work.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    for dir in [work.path(), out.as_path()] {
        for n in 1..=8 {
            assert!(!dir.join(format!("PWNED{n}")).exists(), "PWNED{n} ran");
        }
    }
    let recorded = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<Vec<&str>> = recorded
        .split("\n\0")
        .filter(|c| !c.is_empty())
        .map(|c| c.split('\0').filter(|a| !a.is_empty()).collect())
        .collect();
    let has = |args: &[&str]| calls.iter().any(|c| args.iter().all(|a| c.contains(a)));
    assert!(
        has(&[
            "set-queue-attributes",
            "https://sqs.us-east-1.amazonaws.com/111122223333/orders"
        ]),
        "{calls:?}"
    );
    assert!(has(&["remove-permission", HOSTILE_SID]), "{calls:?}");
    assert!(
        has(&[
            "add-permission",
            "$(touch PWNED4)",
            "arn:aws:s3:::photos`touch PWNED5`"
        ]),
        "{calls:?}"
    );
    assert!(has(&["set-topic-attributes", HOSTILE_TOPIC]), "{calls:?}");
    assert_eq!(calls.len(), 5, "{calls:?}");
}

#[test]
fn an_existing_directory_with_files_is_refused_untouched() {
    let work = tempfile::tempdir().unwrap();
    let report = write_report(work.path(), &hostile_report());
    let out = work.path().join("fixes");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("apply.sh"), "mine\n").unwrap();
    let run = fix(&report, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&out.display().to_string()) && stderr.contains("not empty"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("apply.sh")).unwrap(),
        "mine\n"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);

    // An empty one is used.
    let empty = work.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(fix(&report, &empty).status.code(), Some(0));
}

#[test]
fn a_report_without_remediations_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let mut doc = hostile_report();
    doc["schema_version"] = json!(1);
    doc.as_object_mut().unwrap().remove("remediations");
    let report = write_report(work.path(), &doc);
    let out = work.path().join("fixes");
    let run = fix(&report, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no remediations"), "{stderr}");
    assert!(!out.exists(), "nothing created");
}
