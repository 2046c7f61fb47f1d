//! Hostile and careless input through the binary (issue 10): outputs that are
//! devices, FIFOs, links or inputs; inputs that never end, carry a BOM or are
//! named twice; reports of another version; values that are not what their
//! flag needs. Offline: a scan here is pointed at a closed port, so any test
//! that reaches AWS fails with a connection error instead of the message it
//! expects — which is how "checked before the first AWS call" is proven.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

const ACCOUNT: &str = "111122223333";

/// A queue policy with one CD001 finding.
const EXPOSED_QUEUE: &str = r#"{"Statement":{"Sid":"FromSns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#;

/// Nothing listens there: a scan that gets as far as AWS fails to connect.
const CLOSED_ENDPOINT: &str = "http://127.0.0.1:1";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit {}\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.code, self.stderr, self.stdout
        )
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.describe()))
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deputy-audit"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    // Nothing from the developer's AWS setup; a dummy key so that a scan that
    // is not refused up front goes on to (fail to) connect.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", dir)
        .env("AWS_ACCESS_KEY_ID", ACCOUNT)
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let out = command(dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("runs deputy-audit");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `deputy-audit scan` against the closed endpoint, failing fast.
fn scan(dir: &Path, args: &[&str]) -> Outcome {
    let mut full = vec![
        "scan",
        "--endpoint-url",
        CLOSED_ENDPOINT,
        "--max-attempts",
        "1",
        "--timeout",
        "5",
    ];
    full.extend_from_slice(args);
    run(dir, &full)
}

fn files(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in entries {
        std::fs::write(dir.path().join(name), text).expect("write input");
    }
    dir
}

/// A refusal that happened before any AWS call: exit 2, the message says
/// `expected`, and nothing about connecting.
fn assert_refused_up_front(out: &Outcome, expected: &[&str]) {
    assert_eq!(out.code, 2, "{}", out.describe());
    for part in expected {
        assert!(
            out.stderr.contains(part),
            "stderr lacks {part:?}\n{}",
            out.describe()
        );
    }
    assert!(
        !out.stderr.to_ascii_lowercase().contains("connect") && !out.stderr.contains("dispatch"),
        "reached AWS before refusing\n{}",
        out.describe()
    );
}

/// A JSON report of `check`, to feed `diff` and `--baseline`.
fn report_of(dir: &Path) -> String {
    std::fs::write(dir.join("policy.json"), EXPOSED_QUEUE).expect("write policy");
    let out = run(dir, &["check", "--format", "json", "policy.json"]);
    assert_eq!(out.code, 1, "{}", out.describe());
    out.stdout
}

// ---- 1. --output onto a device, a FIFO, a symbolic link ----

#[cfg(unix)]
#[test]
fn output_writes_through_a_fifo_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let fifo = dir.path().join("reports.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().expect("utf-8 path")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let (sender, received) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        // Blocks until the report is opened for writing, then reads to EOF.
        let text = std::fs::read_to_string(&reader_path);
        let _ = sender.send(text);
    });
    let out = run(
        dir.path(),
        &["check", "--format", "json", "-o", "reports.fifo", "p.json"],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let meta = std::fs::symlink_metadata(&fifo).expect("the FIFO is still there");
    assert!(
        meta.file_type().is_fifo(),
        "the FIFO was replaced by {:?}",
        meta.file_type()
    );
    let text = received
        .recv_timeout(Duration::from_secs(30))
        .expect("the reader got the report")
        .expect("reads the FIFO");
    let report: Value = serde_json::from_str(&text).expect("a JSON report came through");
    assert_eq!(report["findings"][0]["rule_id"], "CD001");
}

#[cfg(unix)]
#[test]
fn output_writes_through_a_character_device() {
    use std::os::unix::fs::FileTypeExt;
    // The test's own /dev/null (mknod needs root; without it, /dev/null
    // itself, which the fixed binary only writes through).
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let own = dir.path().join("null");
    let c_path = std::ffi::CString::new(own.to_str().expect("utf-8 path")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mknod only creates the node.
    let made =
        unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    let device = if made {
        own
    } else {
        Path::new("/dev/null").to_path_buf()
    };
    let target = device.to_str().expect("utf-8 path");
    let out = run(dir.path(), &["check", "-o", target, "p.json"]);
    assert_eq!(
        out.code,
        1,
        "findings, and the report written\n{}",
        out.describe()
    );
    let meta = std::fs::symlink_metadata(&device).expect("the device is still there");
    assert!(
        meta.file_type().is_char_device(),
        "{target} was replaced by {:?}",
        meta.file_type()
    );
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_its_target_not_the_link() {
    let dir = files(&[("p.json", EXPOSED_QUEUE), ("old-report.json", "old")]);
    std::fs::create_dir(dir.path().join("reports")).expect("mkdir");
    std::fs::write(dir.path().join("reports/latest.json"), "old").expect("write");
    std::os::unix::fs::symlink("reports/latest.json", dir.path().join("link.json"))
        .expect("symlink");
    // A dangling link: its target is created.
    std::os::unix::fs::symlink("reports/new.json", dir.path().join("dangling.json"))
        .expect("symlink");
    for (link, target) in [
        ("link.json", "reports/latest.json"),
        ("dangling.json", "reports/new.json"),
    ] {
        let out = run(
            dir.path(),
            &["check", "--format", "json", "-o", link, "p.json"],
        );
        assert_eq!(out.code, 1, "{}", out.describe());
        let meta = std::fs::symlink_metadata(dir.path().join(link)).expect("link exists");
        assert!(meta.file_type().is_symlink(), "{link} is no longer a link");
        let text = std::fs::read_to_string(dir.path().join(target)).expect("target written");
        let report: Value = serde_json::from_str(&text).expect("the target holds the report");
        assert_eq!(report["findings"][0]["rule_id"], "CD001");
    }
}

// ---- 2. Inputs are read with a limit ----

#[test]
fn an_endless_stdin_is_not_read_to_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = command(dir.path(), &["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 64 * 1024];
        let mut written = 0usize;
        // Up to 256 MiB; the binary should hang up after its 256 KiB limit.
        while written < 256 * 1024 * 1024 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().expect("waits");
    let written = writer.join().expect("writer thread");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin> is too large"),
        "names the input: {stderr}"
    );
    assert!(
        written < 8 * 1024 * 1024,
        "read {written} bytes of a policy whose limit is 256 KiB"
    );
}

#[cfg(unix)]
#[test]
fn endless_files_are_refused_by_name_in_every_command() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let report = report_of(dir.path());
    std::fs::write(dir.path().join("report.json"), report).expect("write report");

    let out = run(dir.path(), &["check", "/dev/zero", "p.json"]);
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(
        out.stderr.contains("/dev/zero is too large"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("CD001"),
        "the other input is still analyzed\n{}",
        out.describe()
    );

    let out = run(dir.path(), &["diff", "report.json", "/dev/zero"]);
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(
        out.stderr.contains("report /dev/zero is too large"),
        "{}",
        out.describe()
    );

    let out = run(dir.path(), &["check", "--baseline", "/dev/zero", "p.json"]);
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(
        out.stderr.contains("baseline /dev/zero is too large"),
        "{}",
        out.describe()
    );

    let out = scan(
        dir.path(),
        &["--region", "us-east-1", "--config", "/dev/zero"],
    );
    assert_refused_up_front(&out, &["config file /dev/zero is too large"]);

    let out = scan(
        dir.path(),
        &["--region", "us-east-1", "--accounts-file", "/dev/zero"],
    );
    assert_refused_up_front(&out, &["accounts file /dev/zero is too large"]);
}

// ---- 3. An output that is one of the inputs ----

#[test]
fn output_over_an_input_is_refused_and_the_input_kept() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let out = run(dir.path(), &["check", "p.json", "-o", "./p.json"]);
    assert_refused_up_front(&out, &["--output ./p.json", "p.json"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.json")).expect("kept"),
        EXPOSED_QUEUE
    );

    let baseline = report_of(dir.path());
    std::fs::write(dir.path().join("b.json"), &baseline).expect("write baseline");
    let out = run(
        dir.path(),
        &["check", "--baseline", "b.json", "-o", "b.json", "p.json"],
    );
    assert_refused_up_front(&out, &["--baseline b.json"]);

    let out = scan(
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--baseline",
            "b.json",
            "-o",
            "b.json",
        ],
    );
    assert_refused_up_front(&out, &["--output b.json", "--baseline b.json"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.json")).expect("kept"),
        baseline
    );

    std::fs::write(dir.path().join("c.toml"), "fail-on = \"high\"\n").expect("write config");
    let out = scan(
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--config",
            "c.toml",
            "-o",
            "c.toml",
        ],
    );
    assert_refused_up_front(&out, &["config file c.toml"]);
}

// ---- 4. The destination is checked before anything is scanned ----

#[test]
fn an_unwritable_destination_is_found_before_the_scan() {
    let dir = files(&[("p.json", EXPOSED_QUEUE), ("a-file", "")]);
    let out = scan(
        dir.path(),
        &["--region", "us-east-1", "-o", "missing/dir/r.json"],
    );
    assert_refused_up_front(&out, &["--output missing/dir/r.json", "does not exist"]);

    // A directory that cannot be created (a file is in the way).
    let out = scan(
        dir.path(),
        &["--region", "us-east-1", "-o", "a-file/reports/"],
    );
    assert_refused_up_front(&out, &["--output a-file/reports/"]);

    let out = run(dir.path(), &["check", "-o", "missing/r.json", "p.json"]);
    assert_refused_up_front(&out, &["--output missing/r.json"]);
}

// ---- 6. A UTF-8 byte-order mark ----

#[test]
fn a_byte_order_mark_is_accepted_in_every_input() {
    let bom = |text: &str| format!("\u{feff}{text}");
    let dir = files(&[("p.json", &bom(EXPOSED_QUEUE))]);
    let out = run(dir.path(), &["check", "--format", "json", "p.json"]);
    assert_eq!(out.code, 1, "{}", out.describe());
    assert_eq!(out.json()["findings"][0]["rule_id"], "CD001");

    let report = report_of(dir.path());
    std::fs::write(dir.path().join("old.json"), bom(&report)).expect("write");
    std::fs::write(dir.path().join("new.json"), bom(&report)).expect("write");
    let out = run(
        dir.path(),
        &["diff", "old.json", "new.json", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(out.json()["summary"]["unchanged"], 1);

    let out = run(
        dir.path(),
        &[
            "check",
            "--baseline",
            "old.json",
            "--format",
            "json",
            "policy.json",
        ],
    );
    assert_eq!(
        out.code,
        0,
        "suppressed by the baseline\n{}",
        out.describe()
    );

    // The config and accounts files are read before connecting: with a BOM
    // they parse, so the scan gets as far as the (closed) endpoint.
    std::fs::write(dir.path().join("c.toml"), bom("fail-on = \"high\"\n")).expect("write");
    std::fs::write(
        dir.path().join("accounts.txt"),
        bom(&format!("{ACCOUNT}\n")),
    )
    .expect("write");
    let out = scan(
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--config",
            "c.toml",
            "--accounts-file",
            "accounts.txt",
            "--org-role",
            "Audit",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(
        !out.stderr.contains("c.toml") && !out.stderr.contains("accounts.txt"),
        "both files were accepted\n{}",
        out.describe()
    );
}

// ---- 7. One input per file ----

#[test]
fn the_same_file_named_three_ways_is_one_input_with_one_id() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let absolute = dir.path().canonicalize().expect("canonical").join("p.json");
    let absolute = absolute.to_str().expect("utf-8 path");
    let out = run(
        dir.path(),
        &[
            "check", "--format", "json", "p.json", "p.json", "./p.json", absolute,
        ],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0]["resource_arn"], absolute,
        "not in a git work tree"
    );
    let id = findings[0]["finding_id"].clone();
    for spelling in ["./p.json", absolute] {
        let out = run(dir.path(), &["check", "--format", "json", spelling]);
        assert_eq!(
            out.json()["findings"][0]["finding_id"],
            id,
            "the id does not depend on the spelling {spelling}"
        );
    }
}

// ---- 11. Formats ----

#[test]
fn repeated_formats_are_written_once_and_several_need_a_directory() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let out = run(
        dir.path(),
        &[
            "check", "--format", "json", "--format", "csv", "--format", "json", "p.json",
        ],
    );
    assert_refused_up_front(&out, &["--output DIR"]);
    assert!(out.stdout.is_empty(), "{}", out.describe());

    let out = run(
        dir.path(),
        &["check", "--format", "json", "--format", "json", "p.json"],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    out.json(); // one document, not two back to back

    let out = run(
        dir.path(),
        &[
            "check", "--format", "json", "--format", "csv", "--format", "json", "-o", "reports/",
            "p.json",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("reports"))
        .expect("report directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(
        written[0].ends_with(".csv") && written[1].ends_with(".json"),
        "{written:?}"
    );

    let out = scan(
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--format",
            "sarif",
        ],
    );
    assert_refused_up_front(&out, &["--output DIR"]);
}

// ---- 12. Reports of another version or tool ----

#[test]
fn diff_and_baseline_refuse_reports_of_another_version_or_tool() {
    let dir = files(&[]);
    let report: Value = serde_json::from_str(&report_of(dir.path())).expect("report JSON");
    std::fs::write(dir.path().join("good.json"), report.to_string()).expect("write");
    let mut future = report.clone();
    future["schema_version"] = 7.into();
    std::fs::write(dir.path().join("future.json"), future.to_string()).expect("write");
    let mut foreign = report.clone();
    foreign["tool"]["name"] = "other-scanner".into();
    std::fs::write(dir.path().join("foreign.json"), foreign.to_string()).expect("write");

    for (file, expected) in [
        ("future.json", "schema_version 7"),
        ("foreign.json", "\"other-scanner\""),
    ] {
        let out = run(dir.path(), &["diff", "good.json", file]);
        assert_eq!(out.code, 2, "{}", out.describe());
        assert!(
            out.stderr.contains(file) && out.stderr.contains(expected),
            "{}",
            out.describe()
        );
        let out = run(dir.path(), &["check", "--baseline", file, "policy.json"]);
        assert_eq!(out.code, 2, "{}", out.describe());
        assert!(
            out.stderr.contains(file) && out.stderr.contains(expected),
            "{}",
            out.describe()
        );
    }
}

// ---- 16. Values validated up front ----

#[test]
fn bad_values_are_usage_errors_naming_the_flag_or_key() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    for region in ["us-east-1 ", "../../etc", "", "US-EAST-1"] {
        let out = scan(dir.path(), &["--region", region]);
        assert_refused_up_front(&out, &["--region", "not an AWS region"]);
    }
    let out = scan(
        dir.path(),
        &["--region", "us-east-1", "--trusted-account", "xyz"],
    );
    assert_refused_up_front(&out, &["--trusted-account \"xyz\"", "12 digits"]);
    let out = scan(
        dir.path(),
        &[
            "--region",
            "us-east-1",
            "--role-arn",
            "arn:aws:iam::111122223333:role/",
        ],
    );
    assert_refused_up_front(&out, &["--role-arn", "not a role ARN"]);

    let out = run(dir.path(), &["check", "--account", "abc", "p.json"]);
    assert_refused_up_front(&out, &["--account \"abc\"", "12 digits"]);
    let out = run(dir.path(), &["check", "--trusted-account", "xyz", "p.json"]);
    assert_refused_up_front(&out, &["--trusted-account \"xyz\""]);

    for (config, key) in [
        ("services = [\"bogus\"]\n", "services"),
        ("region = [\"US-EAST-1\"]\n", "region"),
        ("trusted-account = [\"xyz\"]\n", "trusted-account"),
        (
            "role-arn = [\"arn:aws:iam::111122223333:role/\"]\n",
            "role-arn",
        ),
    ] {
        std::fs::write(dir.path().join("bad.toml"), config).expect("write config");
        let out = scan(
            dir.path(),
            &["--region", "us-east-1", "--config", "bad.toml"],
        );
        assert_refused_up_front(&out, &["config file bad.toml", key]);
    }
}

/// `scan` with extra environment variables, against the closed endpoint
/// unless `args` names another.
fn scan_with_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let mut cmd = command(dir, &["scan", "--max-attempts", "1", "--timeout", "5"]);
    cmd.args(args).env("AWS_CONFIG_FILE", dir.join("no-config"));
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("runs deputy-audit");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn endpoint_urls_are_validated_wherever_they_come_from() {
    let dir = files(&[]);
    let region = ["--region", "us-east-1"];
    for bad in ["", "127.0.0.1:4566", "junk", "http://", "ftp://host"] {
        let out = scan_with_env(
            dir.path(),
            &[],
            &["--region", "us-east-1", "--endpoint-url", bad],
        );
        assert_refused_up_front(&out, &["--endpoint-url", "not an endpoint URL"]);
        assert!(!out.stderr.contains("panicked"), "{}", out.describe());
        for var in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS"] {
            let out = scan_with_env(dir.path(), &[(var, bad)], &region);
            assert_refused_up_front(&out, &[&format!("{var} "), "not an endpoint URL"]);
        }
        std::fs::write(
            dir.path().join("e.toml"),
            format!("endpoint-url = {bad:?}\n"),
        )
        .expect("write config");
        let out = scan_with_env(
            dir.path(),
            &[],
            &["--region", "us-east-1", "--config", "e.toml"],
        );
        assert_refused_up_front(
            &out,
            &["config file e.toml", "endpoint-url", "not an endpoint URL"],
        );
    }
}

#[test]
fn regions_and_org_ids_from_anywhere_are_validated() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let endpoint = ["--endpoint-url", CLOSED_ENDPOINT];
    for bad in ["us-east-1 ", "US-EAST-1", "../../etc"] {
        let out = scan_with_env(dir.path(), &[("AWS_REGION", bad)], &endpoint);
        assert_refused_up_front(&out, &["AWS_REGION", "not an AWS region"]);
        if bad.ends_with(' ') {
            continue; // the profile parser trims it
        }
        std::fs::write(
            dir.path().join("aws-config"),
            format!("[profile audit]\nregion = {bad}\n"),
        )
        .expect("write profile");
        let config = dir.path().join("aws-config");
        let out = scan_with_env(
            dir.path(),
            &[("AWS_CONFIG_FILE", config.to_str().expect("utf-8"))],
            &["--profile", "audit", "--endpoint-url", CLOSED_ENDPOINT],
        );
        assert_refused_up_front(&out, &["profile audit", "aws-config", "not an AWS region"]);
    }
    for bad in ["foo", "o-*", "", "o-ABCDEFGHIJ"] {
        let out = scan(dir.path(), &["--region", "us-east-1", "--org-id", bad]);
        assert_refused_up_front(&out, &["--org-id", "not an AWS Organizations id"]);
        let out = run(dir.path(), &["check", "--org-id", bad, "p.json"]);
        assert_refused_up_front(&out, &["--org-id", "not an AWS Organizations id"]);
        std::fs::write(dir.path().join("o.toml"), format!("org-id = [{bad:?}]\n"))
            .expect("write config");
        let out = scan(dir.path(), &["--region", "us-east-1", "--config", "o.toml"]);
        assert_refused_up_front(&out, &["config file o.toml", "org-id"]);
    }
    let out = run(dir.path(), &["check", "--org-id", "o-a1b2c3d4e5", "p.json"]);
    assert_eq!(out.code, 1, "{}", out.describe());
}

// ---- Output paths, modes and identities (second hostile pass) ----

#[test]
fn several_formats_need_an_existing_directory_or_a_trailing_slash() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let both = [
        "check", "--format", "json", "--format", "csv", "p.json", "-o",
    ];
    for output in ["r.json", "a/b/c"] {
        let mut args = both.to_vec();
        args.push(output);
        let out = run(dir.path(), &args);
        assert_refused_up_front(&out, &["need a directory", output]);
        assert!(
            !dir.path().join(output).exists() && !dir.path().join("a").exists(),
            "nothing created for {output}"
        );
    }
    std::fs::create_dir(dir.path().join("existing")).expect("mkdir");
    for output in ["existing", "new/"] {
        let mut args = both.to_vec();
        args.push(output);
        let out = run(dir.path(), &args);
        assert_eq!(out.code, 1, "{}", out.describe());
        let written = std::fs::read_dir(dir.path().join(output.trim_end_matches('/')))
            .expect("report directory")
            .count();
        assert_eq!(written, 2, "{output}");
    }
    // One format: the parent must exist, and be a directory.
    let out = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "-o",
            "missing/r.json",
            "p.json",
        ],
    );
    assert_refused_up_front(&out, &["does not exist"]);
    let out = run(
        dir.path(),
        &["check", "--format", "json", "-o", "p.json/x.json", "p.json"],
    );
    assert_refused_up_front(&out, &["p.json is not a directory"]);
}

#[cfg(unix)]
#[test]
fn a_replaced_report_keeps_its_mode_and_a_new_one_is_0644() {
    use std::os::unix::fs::PermissionsExt;
    let dir = files(&[("p.json", EXPOSED_QUEUE), ("kept.json", "old")]);
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .expect("report")
            .permissions()
            .mode()
            & 0o7777
    };
    std::fs::set_permissions(
        dir.path().join("kept.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::os::unix::fs::symlink("kept.json", dir.path().join("link.json")).expect("symlink");
    for (output, expected) in [
        ("kept.json", 0o640),
        ("link.json", 0o640),
        ("new.json", 0o644),
    ] {
        let out = run(
            dir.path(),
            &["check", "--format", "json", "-o", output, "p.json"],
        );
        assert_eq!(out.code, 1, "{}", out.describe());
        assert_eq!(mode(output), expected, "{output}");
    }
}

#[test]
fn output_dash_is_standard_output() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let out = run(
        dir.path(),
        &["check", "--format", "json", "-o", "-", "p.json"],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    out.json();
    assert!(!dir.path().join("-").exists(), "no file named -");
}

#[cfg(unix)]
#[test]
fn output_over_a_file_given_as_standard_input_is_refused() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    let stdin = std::fs::File::open(dir.path().join("p.json")).expect("open");
    let out = command(
        dir.path(),
        &["check", "--format", "json", "-", "-o", "p.json"],
    )
    .stdin(stdin)
    .output()
    .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("same file as input <stdin>"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.json")).expect("read"),
        EXPOSED_QUEUE
    );
}

#[cfg(unix)]
#[test]
fn a_hard_link_is_the_same_input() {
    let dir = files(&[("p.json", EXPOSED_QUEUE)]);
    std::fs::hard_link(dir.path().join("p.json"), dir.path().join("hl.json")).expect("link");
    let out = run(
        dir.path(),
        &["check", "--format", "json", "p.json", "hl.json"],
    );
    assert_eq!(out.code, 1, "{}", out.describe());
    assert_eq!(
        out.json()["findings"].as_array().expect("findings").len(),
        1,
        "{}",
        out.describe()
    );
}

#[test]
fn finding_ids_do_not_depend_on_the_working_directory_or_the_checkout() {
    let ids = |root: &Path| {
        std::fs::create_dir_all(root.join(".git")).expect("git dir");
        std::fs::create_dir_all(root.join("p")).expect("p");
        std::fs::write(root.join("p/q.json"), EXPOSED_QUEUE).expect("write");
        let from_root = run(root, &["check", "--format", "json", "p/q.json"]);
        let from_p = run(&root.join("p"), &["check", "--format", "json", "q.json"]);
        let finding = |o: &Outcome| {
            let f = o.json()["findings"][0].clone();
            (f["resource_arn"].clone(), f["finding_id"].clone())
        };
        assert_eq!(finding(&from_root), finding(&from_p));
        finding(&from_root)
    };
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    let (name, id) = ids(one.path());
    assert_eq!(name, "p/q.json", "relative to the work tree root");
    assert_eq!(ids(two.path()), (name, id), "the same in another checkout");
}

#[test]
fn scan_help_says_role_arn_replaces_the_callers_account() {
    let dir = files(&[]);
    let out = run(dir.path(), &["scan", "--help"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    let text = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("instead of the caller's own") && !text.contains("role too"),
        "{text}"
    );
}
