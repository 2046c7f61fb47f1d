//! ECR repository policies, live against moto's server (open-source LocalStack has no
//! ECR): an open policy (codebuild.amazonaws.com pulling images, nothing pinned) is CD001
//! high, a pinned one (aws:SourceAccount + aws:SourceArn) is clean, both scanned through
//! the binary with `--services ecr`.
//!
//! moto must be running at `DEPUTY_AUDIT_TEST_MOTO_ENDPOINT` (default
//! http://127.0.0.1:5566) and LocalStack (STS) at `DEPUTY_AUDIT_TEST_ENDPOINT`;
//! `scripts/test.sh` starts both. A missing server fails the test, never skips it.

use crate::support::{harness, moto};

use serde_json::Value;

/// A region no other test scans: moto keeps one ECR registry per region for every
/// caller, and other tests' scans must find theirs empty.
const REGION: &str = "ca-central-1";

fn open_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CodeBuildPull",
            "Effect": "Allow",
            "Principal": { "Service": "codebuild.amazonaws.com" },
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        }]
    })
    .to_string()
}

fn pinned_policy(account: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CodeBuildPullPinned",
            "Effect": "Allow",
            "Principal": { "Service": "codebuild.amazonaws.com" },
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Condition": {
                "ArnLike": { "aws:SourceArn": format!("arn:aws:codebuild:{REGION}:{account}:project/builder") },
                "StringEquals": { "aws:SourceAccount": account }
            }
        }]
    })
    .to_string()
}

async fn seed(endpoint: &str, suffix: &str) -> (String, String, String) {
    let client = aws_sdk_ecr::Client::new(&moto::moto_sdk_config(endpoint, REGION));
    let mut arns = Vec::new();
    for (name, policy) in [
        (format!("da-open-{suffix}"), Some(open_policy())),
        (
            format!("da-pinned-{suffix}"),
            Some(pinned_policy(moto::MOTO_ACCOUNT)),
        ),
        (format!("da-none-{suffix}"), None),
    ] {
        let created = client
            .create_repository()
            .repository_name(&name)
            .send()
            .await
            .expect("create repository in moto");
        if let Some(policy) = policy {
            client
                .set_repository_policy()
                .repository_name(&name)
                .policy_text(policy)
                .send()
                .await
                .expect("set repository policy in moto");
        }
        arns.push(
            created
                .repository
                .and_then(|r| r.repository_arn)
                .expect("repository ARN"),
        );
    }
    (arns[0].clone(), arns[1].clone(), arns[2].clone())
}

#[test]
fn open_and_pinned_ecr_repository_policies() {
    let localstack = harness::test_endpoint();
    harness::require_localstack(&localstack);
    let endpoint = moto::moto_endpoint();
    moto::require_moto(&endpoint);

    let suffix = moto::unique_suffix();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (open, pinned, none) = runtime.block_on(seed(&endpoint, &suffix));

    let dir = tempfile::tempdir().expect("temp dir");
    // The scanned account must be the one moto stores the repositories in (its default
    // account), or the pinned policy's aws:SourceAccount would be foreign (CD004).
    let account = moto::MOTO_ACCOUNT.to_string();
    let mut env: Vec<(String, String)> = moto::endpoint_env(&localstack, &endpoint, &["ecr"]);
    env.push(("AWS_ACCESS_KEY_ID".into(), account));
    env.push(("AWS_REGION".into(), REGION.into()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = [
        "scan",
        "--region",
        REGION,
        "--services",
        "ecr",
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness::run_deputy_audit(&args, &env_refs, dir.path());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e})\n{}", run.describe()));
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );

    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            let arn = f["resource_arn"].as_str().unwrap_or_default();
            [&open, &pinned, &none].iter().any(|a| a.as_str() == arn)
        })
        .collect();
    assert_eq!(findings.len(), 1, "{findings:#?}\n{}", run.describe());
    let f = findings[0];
    assert_eq!(f["resource_arn"], open.as_str());
    assert_eq!(f["resource_type"], "ecr-repository");
    assert_eq!(f["service"], "ecr");
    assert_eq!(f["rule_id"], "CD001");
    assert_eq!(f["severity"], "high");
    assert_eq!(
        f["principals"],
        serde_json::json!(["codebuild.amazonaws.com"])
    );
    // At least our three repositories were listed (a reused moto may hold more).
    assert!(
        report["resource_counts"]["ecr-repository"]
            .as_u64()
            .unwrap_or(0)
            >= 3,
        "{}",
        run.describe()
    );
    assert_eq!(
        run.code,
        Some(1),
        "an open policy gates\n{}",
        run.describe()
    );
}
