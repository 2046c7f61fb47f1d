//! The fix workflow for CloudTrail, live against moto's server (open-source
//! LocalStack has no CloudTrail): a trail writing to a bucket and encrypting with
//! a key, both granting `cloudtrail.amazonaws.com` with no source pin. The scan
//! reads the trail (source kind `cloudtrail-trails`) and pins the bucket's and
//! the key's grants to the trail's ARN, which names the trail's home region;
//! the corrected policies are applied with the SDK, a second scan finds nothing
//! on them, and CloudTrail still accepts the trail's configuration.
//!
//! S3, KMS and CloudTrail go to moto through the SDK's per-service endpoint
//! variables (`AWS_ENDPOINT_URL_S3`, ...), STS to LocalStack (as in `ecr.rs`).
//! Both must be running; a missing server fails the test, never skips it. moto
//! does not enforce resource policies, so the last step proves CloudTrail
//! accepts the configuration, not AWS's evaluation of the pins; the pins
//! themselves are asserted exactly.

use serde_json::Value;

use crate::support::fixes::*;
use crate::support::seed::fix_wiring as wire;
use crate::support::{harness, moto};

/// A region no other test scans in moto (`moto::cloudtrail` takes eu-west-3):
/// the trail's home region, and the bucket's and key's region.
const REGION: &str = "eu-north-1";

fn scan(localstack: &str, endpoint: &str, dir: &std::path::Path) -> (harness::Run, Value) {
    std::fs::create_dir_all(dir).expect("scan dir");
    // The scanned account must be the one moto stores everything in (its default).
    let mut env = moto::endpoint_env(localstack, endpoint, &["s3", "kms", "cloudtrail"]);
    env.push(("AWS_ACCESS_KEY_ID".into(), moto::MOTO_ACCOUNT.into()));
    env.push(("AWS_REGION".into(), REGION.into()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = dir.join("report.json");
    let args: Vec<String> = [
        "scan",
        "--region",
        REGION,
        "--services",
        "s3,kms",
        "--format",
        "json",
        "-o",
        &out.to_string_lossy(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness::run_deputy_audit(&args, &env_refs, dir);
    let text = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no report at {}: {e}\n{}", out.display(), run.describe()));
    let report: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("report is not JSON: {e}\n{text}\n{}", run.describe()));
    (run, report)
}

#[test]
fn trail_bucket_and_key_are_pinned_to_the_trail_and_cloudtrail_still_accepts_them() {
    let localstack = harness::test_endpoint();
    harness::require_localstack(&localstack);
    let endpoint = moto::moto_endpoint();
    moto::require_moto(&endpoint);

    let account = moto::MOTO_ACCOUNT;
    let conf = moto::moto_sdk_config(&endpoint, REGION);
    let runtime = harness::runtime();
    let world = runtime
        .block_on(wire::seed_trail_world(
            &conf,
            account,
            &moto::unique_suffix(),
        ))
        .unwrap_or_else(|e| panic!("seeding moto at {endpoint} failed: {e:#}"));
    // arn:aws:cloudtrail:HOME_REGION:ACCOUNT:trail/NAME: the value CloudTrail sends
    // as aws:SourceArn to the bucket ("The value of aws:SourceArn is always the ARN
    // of the trail (or array of trail ARNs) that is using the bucket",
    // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html).
    assert_eq!(
        world.trail_arn,
        format!(
            "arn:aws:cloudtrail:{REGION}:{account}:trail/{}",
            world.trail_name
        ),
        "moto names the trail as AWS does"
    );
    let resources = [world.bucket_arn.as_str(), world.key_arn.as_str()];
    let dir = tempfile::tempdir().expect("tempdir");

    // ---- first scan: open grants, pinned to the trail ----
    let (run, report) = scan(&localstack, &endpoint, &dir.path().join("scan1"));
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );
    let before = findings_on(&report, &resources);
    for arn in resources {
        assert!(
            before.iter().any(|(a, _, _)| a == arn),
            "the open grant on {arn} is a finding: {before:#?}\n{}",
            run.describe()
        );
    }
    let trail = world.trail_arn.as_str();

    let bucket = remediation(&report, &world.bucket_arn);
    assert_used_by(
        bucket,
        &[
            (0, "cloudtrail.amazonaws.com", trail, "cloudtrail-trails"),
            (1, "cloudtrail.amazonaws.com", trail, "cloudtrail-trails"),
        ],
        account,
    );
    assert_statement_pinned(bucket, 0, &[trail], account);
    assert_statement_pinned(bucket, 1, &[trail], account);
    // The log-write statement keeps its own restriction.
    let write = &statement_fix(bucket, 1)["corrected_statements"][0];
    assert_eq!(
        condition_values(write, "s3:x-amz-acl")
            .get("StringEquals")
            .map(|v| v.iter().cloned().collect::<Vec<_>>()),
        Some(vec!["bucket-owner-full-control".to_string()]),
        "{write:#}"
    );

    let key = remediation(&report, &world.key_arn);
    assert_used_by(
        key,
        &[(1, "cloudtrail.amazonaws.com", trail, "cloudtrail-trails")],
        account,
    );
    assert_statement_pinned(key, 1, &[trail], account);
    // The administration statement is untouched.
    assert_eq!(
        key["corrected_policy"]["Statement"][0],
        wire::open_trail_key_policy(account)["Statement"][0],
        "{key:#}"
    );
    for r in [bucket, key] {
        assert_eq!(
            r["corrected_policy"]["Statement"].as_array().map(Vec::len),
            Some(2),
            "one corrected statement per original: {r:#}"
        );
        assert_eq!(r["unused_statements"], serde_json::json!([]), "{r:#}");
        assert_eq!(r["remaining"], serde_json::json!([]), "{r:#}");
    }

    // ---- apply with the SDK ----
    let targets = wire::Targets::default();
    for r in [bucket, key] {
        let arn = r["resource_arn"].as_str().unwrap_or_default();
        runtime
            .block_on(wire::apply_corrected(
                &conf,
                &targets,
                r["resource_type"].as_str().unwrap_or_default(),
                arn,
                &r["corrected_policy"],
            ))
            .unwrap_or_else(|e| panic!("applying the corrected policy of {arn} failed: {e:#}"));
    }

    // ---- second scan: nothing left on them ----
    let (run, after) = scan(&localstack, &endpoint, &dir.path().join("scan2"));
    assert_eq!(after["errors"], serde_json::json!([]), "{}", run.describe());
    assert_eq!(
        findings_on(&after, &resources),
        Default::default(),
        "{}",
        run.describe()
    );

    // ---- CloudTrail still accepts the trail's bucket and key ----
    runtime
        .block_on(wire::update_trail(
            &conf,
            &world.trail_name,
            &world.bucket,
            &world.key_arn,
        ))
        .unwrap_or_else(|e| panic!("CloudTrail refused the trail's configuration: {e:#}"));
}
