//! The audit-job workflow against LocalStack: several accounts in one run
//! (`--role-arn`, `--accounts-file`), `--services`, the config file and its
//! errors, `--fail-on` gating, and the scope flags LocalStack cannot serve
//! (`--all-regions`, `--org`) failing with a clear message instead of a
//! partial scan that looks complete.
//!
//! LocalStack must be running (see tests/it/support/harness.rs): these tests fail,
//! never skip, without it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::harness::*;
use crate::support::seed;

/// Two fresh accounts, each seeded with the whole seed catalogue in one region.
/// The first account's credentials act as the caller; the second is reached
/// only through sts:AssumeRole (LocalStack lets any caller assume a role in any
/// account, which is what makes multi-account runs testable here).
struct Accounts {
    endpoint: String,
    caller: seed::Manifest,
    other: seed::Manifest,
}

const REGION: &str = "eu-west-1";

fn accounts() -> &'static Accounts {
    static ACCOUNTS: OnceLock<Accounts> = OnceLock::new();
    ACCOUNTS.get_or_init(|| {
        let endpoint = test_endpoint();
        require_localstack(&endpoint);
        let ids = fresh_account_ids(2);
        let regions = vec![REGION.to_string()];
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let mut seeded = runtime
            .block_on(futures::future::try_join_all(
                ids.iter()
                    .map(|id| seed::seed_account(&endpoint, id, &regions)),
            ))
            .unwrap_or_else(|e| panic!("seeding LocalStack at {endpoint} failed: {e:#}"));
        let other = seeded.pop().expect("two manifests");
        let caller = seeded.pop().expect("two manifests");
        Accounts {
            endpoint,
            caller,
            other,
        }
    })
}

fn role_in(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/DeputyAuditRole")
}

fn scan(extra: &[&str], dir: &Path) -> Run {
    let a = accounts();
    run_scan(
        &a.caller.account_id,
        &[REGION.to_string()],
        &a.endpoint,
        extra,
        dir,
    )
}

fn json_report(path: &Path, run: &Run) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}\n{}", path.display(), run.describe()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report is not JSON: {e}\n{text}"))
}

/// `(account, resource_arn, rule_id, statement_index)` of every finding.
fn finding_keys(report: &Value) -> BTreeSet<(String, String, String, usize)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["account_id"].as_str().expect("account_id").to_string(),
                f["resource_arn"]
                    .as_str()
                    .expect("resource_arn")
                    .to_string(),
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["statement_index"].as_u64().expect("statement_index") as usize,
            )
        })
        .collect()
}

fn expected_keys(manifests: &[&seed::Manifest]) -> BTreeSet<(String, String, String, usize)> {
    manifests
        .iter()
        .flat_map(|m| {
            m.expected_findings()
                .into_iter()
                .map(|(arn, rule, index)| (m.account_id.clone(), arn, rule, index))
        })
        .collect()
}

#[test]
fn role_arns_scan_several_accounts_into_one_grouped_report() {
    let a = accounts();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let other_role = role_in(&a.other.account_id);
    let own_role = role_in(&a.caller.account_id);
    let run = scan(
        &[
            "--role-arn",
            &other_role,
            "--role-arn",
            &own_role,
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    // Each seeded account has a queue whose policy is not JSON: incomplete, and
    // 3 outranks the findings' 1.
    assert_eq!(
        run.code,
        Some(3),
        "an incomplete scan exits 3 whatever the findings\n{}",
        run.describe()
    );
    let report = json_report(&out, &run);
    assert_eq!(report["account_id"], "multiple");

    let accounts: BTreeMap<String, Value> = report["accounts"]
        .as_array()
        .expect("accounts array")
        .iter()
        .map(|s| (s["account_id"].as_str().expect("id").to_string(), s.clone()))
        .collect();
    assert_eq!(
        accounts.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([a.caller.account_id.clone(), a.other.account_id.clone()])
    );
    for (manifest, role) in [(&a.caller, &own_role), (&a.other, &other_role)] {
        let summary = &accounts[&manifest.account_id];
        assert_eq!(summary["status"], "incomplete", "the unparseable queue");
        assert_eq!(summary["role_arn"], role.as_str());
        assert_eq!(
            summary["findings"].as_u64(),
            Some(manifest.expected_findings().len() as u64),
            "per-account finding count for {}",
            manifest.account_id
        );
        assert_eq!(
            summary["errors"], 1,
            "the invalid-policy queue of {}",
            manifest.account_id
        );
    }
    assert_eq!(finding_keys(&report), expected_keys(&[&a.caller, &a.other]));
}

#[test]
fn accounts_file_takes_ids_with_org_role_and_role_arns() {
    let a = accounts();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("accounts.txt");
    std::fs::write(
        &file,
        format!(
            "# audited accounts\n{}\n{}  # by role\n",
            a.other.account_id,
            role_in(&a.caller.account_id)
        ),
    )
    .expect("write accounts file");
    let out = dir.path().join("report.json");
    let run = scan(
        &[
            "--accounts-file",
            file.to_str().unwrap(),
            "--org-role",
            "DeputyAuditRole",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    // The unparseable queue in each account makes the scan incomplete.
    assert_eq!(run.code, Some(3), "{}", run.describe());
    let report = json_report(&out, &run);
    assert_eq!(finding_keys(&report), expected_keys(&[&a.caller, &a.other]));

    // An account id without a role name to assume is a usage error naming the flag.
    let run = scan(&["--accounts-file", file.to_str().unwrap()], dir.path());
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("--org-role") && run.stderr.contains("accounts.txt:2"),
        "{}",
        run.describe()
    );
}

#[test]
fn services_limit_what_is_collected() {
    let a = accounts();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let run = scan(
        &[
            "--services",
            "sns,kms",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    let report = json_report(&out, &run);
    let counts = report["resource_counts"].as_object().expect("counts");
    assert_eq!(
        counts.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from(["sns-topic", "kms-key"]),
        "only the selected services are listed"
    );
    let expected: BTreeSet<_> = expected_keys(&[&a.caller])
        .into_iter()
        .filter(|(_, arn, _, _)| arn.contains(":sns:") || arn.contains(":kms:"))
        .collect();
    assert!(
        !expected.is_empty(),
        "the catalogue has SNS and KMS examples"
    );
    assert_eq!(finding_keys(&report), expected);
    assert_eq!(run.code, Some(1), "{}", run.describe());

    let run = scan(&["--services", "sqs,ec2"], dir.path());
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("unknown service 'ec2'"),
        "{}",
        run.describe()
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A fresh, unseeded account: only default event buses, which carry no
    // policy. Nothing to report and every resource read: exit 0.
    let a = accounts();
    let empty = fresh_account_ids(1).remove(0);
    let run = run_scan(&empty, &[REGION.to_string()], &a.endpoint, &[], dir.path());
    assert_eq!(run.code, Some(0), "{}", run.describe());
    // KMS holds the stripped Connect key examples (CD001, high) and the protected
    // `" ArnEquals"` example (CD008, medium).
    let out = dir.path().join("kms.json");
    let run = scan(
        &[
            "--services",
            "kms",
            "--fail-on",
            "high",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let severities: BTreeSet<String> = json_report(&out, &run)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["severity"].as_str().expect("severity").to_string())
        .collect();
    assert_eq!(
        severities,
        BTreeSet::from(["high".to_string(), "medium".to_string()])
    );
    // An unknown threshold is a usage error.
    let run = scan(&["--fail-on", "critical"], dir.path());
    assert_eq!(run.code, Some(2), "{}", run.describe());
}

#[test]
fn config_file_supplies_flags_and_flags_override_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("deputy-audit.toml");
    std::fs::write(
        &config,
        "services = [\"sqs\"]\nformat = [\"json\", \"csv\"]\noutput = \"reports/\"\nfail-on = \"info\"\nconcurrency = 4\n",
    )
    .expect("write config");
    let run = scan(&["--config", config.to_str().unwrap()], dir.path());
    // SQS includes the unparseable queue: incomplete.
    assert_eq!(run.code, Some(3), "{}", run.describe());
    let written: BTreeSet<String> = std::fs::read_dir(dir.path().join("reports"))
        .expect("the config's output directory, relative to the file")
        .map(|e| {
            e.expect("entry")
                .path()
                .extension()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        written,
        BTreeSet::from(["json".to_string(), "csv".to_string()])
    );

    // A flag wins over the file: --services replaces the file's list.
    // Several formats: a directory, written with a trailing / to be created.
    let sns_only = format!("{}/", dir.path().join("sns-only").display());
    let run = scan(
        &[
            "--config",
            config.to_str().unwrap(),
            "--services",
            "sns",
            "--output",
            &sns_only,
        ],
        dir.path(),
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
    let report = std::fs::read_dir(dir.path().join("sns-only"))
        .expect("the flag's output directory")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a JSON report");
    let report = json_report(&report, &run);
    let collected: BTreeSet<&str> = report["resource_counts"]
        .as_object()
        .expect("counts")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(collected, BTreeSet::from(["sns-topic"]));
}

/// LocalStack's open-source build serves neither the Account API nor
/// Organizations; what matters here is that the scan refuses to start, with
/// the API named, instead of silently scanning less than was asked.
#[test]
fn scope_apis_that_fail_stop_the_scan_with_their_name() {
    let a = accounts();
    let dir = tempfile::tempdir().expect("tempdir");
    // No --region: the region comes from AWS_REGION, as --all-regions requires.
    let run = run_scan(
        &a.caller.account_id,
        &[],
        &a.endpoint,
        &["--all-regions"],
        dir.path(),
    );
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("account:ListRegions"),
        "{}",
        run.describe()
    );

    let run = scan(&["--org", "--org-role", "DeputyAuditRole"], dir.path());
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("organizations:ListAccounts"),
        "{}",
        run.describe()
    );

    let run = scan(&["--all-regions"], dir.path());
    assert_eq!(
        run.code,
        Some(2),
        "--all-regions with --region is a usage error"
    );
    assert!(
        run.stderr.contains("cannot be used with"),
        "{}",
        run.describe()
    );
}

/// Progress bars are for a person at a terminal: a job's captured stderr
/// stays free of them.
#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = scan(&["--services", "sns"], dir.path());
    assert!(!run.stderr.contains("regions"), "{}", run.describe());
    assert!(
        !run.stderr.contains('\u{1b}'),
        "no terminal escapes\n{}",
        run.describe()
    );
}

/// `AWS_ENDPOINT_URL` works like `--endpoint-url` (the AWS CLI's convention),
/// S3's path-style addressing included.
#[test]
fn endpoint_from_the_environment() {
    let a = accounts();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let args: Vec<String> = [
        "scan",
        "--region",
        REGION,
        "--services",
        "s3",
        "--format",
        "json",
        "--output",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([out.to_string_lossy().into_owned()])
    .collect();
    let run = run_deputy_audit(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", a.caller.account_id.as_str()),
            ("AWS_ENDPOINT_URL", a.endpoint.as_str()),
        ],
        dir.path(),
    );
    let report = json_report(&out, &run);
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );
    let buckets = a
        .caller
        .resources
        .iter()
        .filter(|r| r.resource_type == "s3-bucket")
        .count();
    assert!(buckets > 0);
    assert_eq!(
        report["resource_counts"]["s3-bucket"].as_u64(),
        Some(buckets as u64)
    );
}

// ---------------------------------------------------------------------------
// Messages a person can act on (issue 10, item 17)
// ---------------------------------------------------------------------------

/// The lines deputy-audit itself printed as errors.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("deputy-audit: error:"))
        .collect()
}

/// No Rust Debug dump, no SDK internals, no warning noise.
fn assert_readable(what: &str, run: &Run) {
    for dump in [
        "{ ",
        "ProviderError",
        "DispatchFailure",
        "ConnectorError",
        "WARN",
    ] {
        assert!(
            !run.stderr.contains(dump),
            "{what}: stderr carries {dump:?}\n{}",
            run.describe()
        );
    }
    let lines = error_lines(&run.stderr);
    assert!(
        (1..=2).contains(&lines.len()),
        "{what}: one or two lines\n{}",
        run.describe()
    );
    assert_eq!(
        run.stderr.lines().count(),
        lines.len(),
        "{what}: nothing else\n{}",
        run.describe()
    );
}

#[test]
fn a_profile_that_does_not_exist_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile audit]\nregion = eu-west-1\n").expect("write config");
    let args: Vec<String> = ["scan", "--profile", "nope"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = run_deputy_audit(
        &args,
        &[("AWS_CONFIG_FILE", config.to_str().unwrap())],
        dir.path(),
    );
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("profile nope does not exist") && run.stderr.contains("known: audit"),
        "{}",
        run.describe()
    );
    assert!(
        !run.stderr.contains("no region configured"),
        "{}",
        run.describe()
    );
    assert_readable("--profile nope", &run);
}

/// An SSO profile without a cached token says to log in, with the profile's name,
/// under -q without the SDK's warnings.
#[test]
fn an_sso_profile_without_a_token_says_aws_sso_login() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile sso-audit]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 111122223333\nsso_role_name = Audit\nregion = us-east-1\n",
    )
    .expect("write config");
    for quiet in [false, true] {
        let mut args: Vec<String> = ["scan", "--profile", "sso-audit"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if quiet {
            args.push("-q".to_string());
        }
        let run = run_deputy_audit(
            &args,
            &[("AWS_CONFIG_FILE", config.to_str().unwrap())],
            dir.path(),
        );
        assert_eq!(run.code, Some(2), "{}", run.describe());
        assert!(
            run.stderr.contains("aws sso login --profile sso-audit"),
            "{}",
            run.describe()
        );
        assert_readable("SSO profile", &run);
    }
}

#[test]
fn an_unreachable_endpoint_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let account = fresh_account_ids(1).remove(0);
    let run = run_scan(
        &account,
        &["us-east-1".to_string()],
        "http://127.0.0.1:9",
        &[],
        dir.path(),
    );
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(
        run.stderr.contains("cannot reach http://127.0.0.1:9")
            && run.stderr.contains("--endpoint-url"),
        "{}",
        run.describe()
    );
    assert_readable("dead endpoint", &run);
}

/// The analysis finished, the report could not be written: its own exit code
/// (4) and message, not "nothing was scanned". A missing directory is caught
/// before anything runs (exit 2, tested with the other output checks), so the
/// failure here comes at write time: /dev/full accepts the open and refuses
/// the bytes (ENOSPC), as a full disk would.
#[test]
fn a_report_that_cannot_be_written_has_its_own_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.json"), r#"{"Statement":[]}"#).expect("write policy");
    let args: Vec<String> = [
        "check",
        "--resource-type",
        "sqs-queue",
        "p.json",
        "--format",
        "json",
        "--output",
        "/dev/full",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_deputy-audit"));
    cmd.args(&args).current_dir(dir.path());
    let run = run_with_timeout(cmd, dir.path());
    assert_eq!(run.code, Some(4), "{}", run.describe());
    assert!(
        run.stderr.contains("report could not be written") && run.stderr.contains("/dev/full"),
        "{}",
        run.describe()
    );
}
