//! The `cloudtrail-trails` source kind, live against moto's server (open-source
//! LocalStack has no CloudTrail): a multi-region trail writing to a bucket,
//! encrypting with a key, notifying a topic and sending to CloudWatch Logs
//! through a role, every grant open to `cloudtrail.amazonaws.com`. The scan's
//! JSON report must name the trail as the user of each, pinned to the trail's
//! ARN (its home region), the role with no source ARN.
//!
//! Setup: moto checks at CreateTrail that the bucket exists in moto, so the
//! bucket, topic, key and role live in moto too, and the binary reads all of
//! them there: `AWS_ENDPOINT_URL_{CLOUDTRAIL,S3,SNS,KMS,IAM}` point at moto
//! (the SDK's standard per-service variables, the code path real AWS takes),
//! everything else (STS) at LocalStack, which maps the access key id to the
//! account, here moto's own account. `--services iam,s3,sns,kms` keeps the
//! scan to what moto holds for this test, `--sources cloudtrail-trails` to
//! the kind under test. moto keeps one state for every caller and test: only
//! this run's resources (a unique suffix) are asserted on.
//!
//! moto must be running at `DEPUTY_AUDIT_TEST_MOTO_ENDPOINT` (default
//! http://127.0.0.1:5566) and LocalStack (STS) at `DEPUTY_AUDIT_TEST_ENDPOINT`;
//! `scripts/test.sh` starts both. A missing server fails the test, never skips it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::seed::wiring_sources::seed_trail;
use crate::support::{harness, moto};

/// A region no other moto test uses: the trail's home region.
const REGION: &str = "eu-west-3";

#[test]
fn a_trail_is_named_as_the_user_of_its_bucket_key_topic_and_role() {
    let localstack = harness::test_endpoint();
    harness::require_localstack(&localstack);
    let endpoint = moto::moto_endpoint();
    moto::require_moto(&endpoint);

    let suffix = moto::unique_suffix();
    let account = moto::MOTO_ACCOUNT;
    let wired = harness::runtime()
        .block_on(seed_trail(
            &moto::moto_sdk_config(&endpoint, REGION),
            account,
            &suffix,
        ))
        .unwrap_or_else(|e| panic!("seeding the trail in moto at {endpoint} failed: {e:#}"));
    assert!(
        wired
            .trail_arn
            .starts_with(&format!("arn:aws:cloudtrail:{REGION}:{account}:trail/")),
        "{}",
        wired.trail_arn
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let mut env = moto::endpoint_env(
        &localstack,
        &endpoint,
        &["cloudtrail", "s3", "sns", "kms", "iam"],
    );
    env.push(("AWS_ACCESS_KEY_ID".into(), account.to_string()));
    env.push(("AWS_REGION".into(), REGION.into()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = [
        "scan",
        "--region",
        REGION,
        "--services",
        "iam,s3,sns,kms",
        "--sources",
        "cloudtrail-trails",
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness::run_deputy_audit(&args, &env_refs, dir.path());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e})\n{}", run.describe()));

    // Each target has a finding (the grants are open), so the kind was needed.
    let flagged: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["resource_arn"].as_str())
        .collect();
    for target in [
        &wired.bucket_arn,
        &wired.topic_arn,
        &wired.key_arn,
        &wired.logs_role_arn,
    ] {
        assert!(
            flagged.contains(target.as_str()),
            "no finding on {target}\n{}",
            run.describe()
        );
    }
    let status = report["wiring"]["kinds"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|k| k["kind"] == "cloudtrail-trails"))
        .map(|k| k["status"].clone());
    assert_eq!(status, Some(Value::from("read")), "{}", report["wiring"]);

    let ours = [
        &wired.bucket_arn,
        &wired.topic_arn,
        &wired.key_arn,
        &wired.logs_role_arn,
    ];
    let reported: BTreeSet<(String, Option<String>, String, String, String)> = report["wiring"]
        ["usages"]
        .as_array()
        .expect("wiring.usages")
        .iter()
        .filter(|u| u["kind"] == "cloudtrail-trails")
        .filter(|u| ours.iter().any(|t| u["target_arn"] == t.as_str()))
        .map(|u| {
            assert_eq!(u["service_principal"], "cloudtrail.amazonaws.com");
            (
                u["target_arn"].as_str().unwrap_or_default().to_string(),
                u["source_arn"].as_str().map(str::to_string),
                u["source_account"].as_str().unwrap_or_default().to_string(),
                u["source_region"].as_str().unwrap_or_default().to_string(),
                u["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let pinned = |target: &str, source: Option<&str>| {
        (
            target.to_string(),
            source.map(str::to_string),
            account.to_string(),
            REGION.to_string(),
            "cloudtrail-trails".to_string(),
        )
    };
    let trail = Some(wired.trail_arn.as_str());
    let expected = BTreeSet::from([
        pinned(&wired.bucket_arn, trail),
        pinned(&wired.topic_arn, trail),
        pinned(&wired.key_arn, trail),
        // CloudTrail's CloudWatch Logs role supports neither aws:SourceArn nor
        // aws:SourceAccount (cloudtrail-required-policy-for-cloudwatch-logs).
        pinned(&wired.logs_role_arn, None),
    ]);
    assert_eq!(reported, expected, "{}", run.describe());
    let errors: Vec<&Value> = report["errors"]
        .as_array()
        .map(|e| e.iter().collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "{errors:#?}\n{}", run.describe());
    assert_eq!(run.code, Some(1), "open grants gate\n{}", run.describe());
}
