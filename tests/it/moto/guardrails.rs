//! Organization guardrails, live: moto's server serves Organizations with resource
//! control policies (RCPs), LocalStack the scanned accounts' SQS queues and SNS topics.
//!
//! moto (its server checked: ListPoliciesForTarget with the RESOURCE_CONTROL_POLICY
//! filter and DescribePolicy both answer) holds one organization whose root carries the
//! documented confused-deputy RCP. Member account A sits in an OU of its own; member
//! account B in an OU that also carries the broken variant (`Null` on aws:SourceArn):
//! - A's open SQS queue is covered (`mitigated_by`, exit 0 with only that finding);
//! - A's open SNS topic cannot be covered (RCPs do not reach SNS: still high, exit 1);
//! - B's broken RCP is reported (CD200, with its policy id) and covers nothing;
//! - `check --rcp FILE` gives the same verdicts offline.
//!
//! moto must be running at `DEPUTY_AUDIT_TEST_MOTO_ENDPOINT` (default
//! http://127.0.0.1:5566) and LocalStack at `DEPUTY_AUDIT_TEST_ENDPOINT`; `scripts/test.sh`
//! starts both. A missing server fails the test, never skips it.

use crate::support::{harness, moto};

use aws_sdk_organizations::types::{PolicyType, TargetType};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";

fn rcp_text(null_key: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EnforceConfusedDeputyProtection",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
                "Null": { null_key: "false" },
                "Bool": { "aws:PrincipalIsAWSService": "true" }
            }
        }]
    })
    .to_string()
}

fn good_rcp() -> String {
    rcp_text("aws:SourceAccount")
}

fn broken_rcp() -> String {
    rcp_text("aws:SourceArn")
}

fn open_queue_policy(arn: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "SnsToQueue", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": arn }]})
    .to_string()
}

fn open_topic_policy(arn: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "EventsToTopic", "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish", "Resource": arn }]})
    .to_string()
}

struct Org {
    good_id: String,
    broken_id: String,
    account_a: String,
    account_b: String,
}

/// The organization (created once per moto server), the documented RCP on the root,
/// and per run two member accounts in OUs of their own, B's carrying the broken RCP.
async fn seed_org(endpoint: &str, suffix: &str) -> Org {
    let org = aws_sdk_organizations::Client::new(&moto::moto_sdk_config(endpoint, REGION));
    if let Err(err) = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
    {
        let already = err
            .as_service_error()
            .is_some_and(|e| e.is_already_in_organization_exception());
        assert!(already, "create organization in moto: {err:?}");
    }
    let root = org
        .list_roots()
        .send()
        .await
        .expect("list roots")
        .roots
        .unwrap_or_default();
    let root_id = root[0].id.clone().expect("root id");
    let _ = org
        .enable_policy_type()
        .root_id(&root_id)
        .policy_type(PolicyType::ResourceControlPolicy)
        .send()
        .await; // already enabled on a reused server
    let create = |name: String, content: String| {
        let org = org.clone();
        async move {
            org.create_policy()
                .name(name)
                .description("deputy-audit test")
                .content(content)
                .r#type(PolicyType::ResourceControlPolicy)
                .send()
                .await
                .expect("create RCP")
                .policy
                .and_then(|p| p.policy_summary)
                .and_then(|s| s.id)
                .expect("policy id")
        }
    };
    let good_id = create(format!("confused-deputy-{suffix}"), good_rcp()).await;
    org.attach_policy()
        .policy_id(&good_id)
        .target_id(&root_id)
        .send()
        .await
        .expect("attach RCP to root");
    let broken_id = create(format!("confused-deputy-broken-{suffix}"), broken_rcp()).await;

    let mut accounts = Vec::new();
    for (tag, rcp) in [("a", None), ("b", Some(&broken_id))] {
        let ou = org
            .create_organizational_unit()
            .parent_id(&root_id)
            .name(format!("ou-{tag}-{suffix}"))
            .send()
            .await
            .expect("create OU")
            .organizational_unit
            .and_then(|o| o.id)
            .expect("OU id");
        let account = org
            .create_account()
            .email(format!("{tag}-{suffix}@example.com"))
            .account_name(format!("member-{tag}-{suffix}"))
            .send()
            .await
            .expect("create account")
            .create_account_status
            .and_then(|s| s.account_id)
            .expect("account id");
        org.move_account()
            .account_id(&account)
            .source_parent_id(&root_id)
            .destination_parent_id(&ou)
            .send()
            .await
            .expect("move account");
        if let Some(policy) = rcp {
            org.attach_policy()
                .policy_id(policy)
                .target_id(&ou)
                .send()
                .await
                .expect("attach broken RCP to OU");
        }
        accounts.push(account);
    }
    // The path from the root is what the scanner reads; check moto sees it.
    let parents = org
        .list_policies_for_target()
        .target_id(&accounts[1])
        .filter(PolicyType::ResourceControlPolicy)
        .send()
        .await
        .expect("list policies for target");
    let _ = (parents, TargetType::Account);
    Org {
        good_id,
        broken_id,
        account_a: accounts[0].clone(),
        account_b: accounts[1].clone(),
    }
}

/// An open queue and an open topic in `account` (LocalStack maps the access key to it).
async fn seed_account(localstack: &str, account: &str) -> (String, String) {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(localstack)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(account, "test", None, None, "seed"),
            ),
        )
        .build();
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name("da-open-queue")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    let queue_arn = format!("arn:aws:sqs:{REGION}:{account}:da-open-queue");
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            open_queue_policy(&queue_arn),
        )
        .send()
        .await
        .expect("set queue policy");
    let sns = aws_sdk_sns::Client::new(&config);
    let topic_arn = sns
        .create_topic()
        .name("da-open-topic")
        .send()
        .await
        .expect("create topic")
        .topic_arn
        .expect("topic arn");
    sns.set_topic_attributes()
        .topic_arn(&topic_arn)
        .attribute_name("Policy")
        .attribute_value(open_topic_policy(&topic_arn))
        .send()
        .await
        .expect("set topic policy");
    (queue_arn, topic_arn)
}

fn scan(
    localstack: &str,
    moto: &str,
    account: &str,
    services: &str,
    dir: &std::path::Path,
) -> (harness::Run, Value) {
    let mut env = moto::endpoint_env(localstack, moto, &["organizations"]);
    env.push(("AWS_ACCESS_KEY_ID".into(), account.into()));
    env.push(("AWS_REGION".into(), REGION.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = [
        "scan",
        "--region",
        REGION,
        "--services",
        services,
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness::run_deputy_audit(&args, &env, dir);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e})\n{}", run.describe()));
    (run, report)
}

/// Covered by the documented RCP on the root: this run's, or an earlier run's on a
/// reused moto server (same text), never by the broken one.
fn assert_documented(finding: &Value, org: &Org) {
    let m = &finding["mitigated_by"];
    let id = m["policy_id"].as_str().unwrap_or_default();
    let name = m["policy_name"].as_str().unwrap_or_default();
    assert!(
        id == org.good_id || (name.starts_with("confused-deputy-") && !name.contains("broken")),
        "{finding:#}"
    );
    assert_ne!(id, org.broken_id, "{finding:#}");
    assert_eq!(m["statement_sid"], "EnforceConfusedDeputyProtection");
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn rcps_from_the_organization_cover_what_they_reach() {
    let localstack = harness::test_endpoint();
    harness::require_localstack(&localstack);
    let endpoint = moto::moto_endpoint();
    moto::require_moto(&endpoint);
    let suffix = moto::unique_suffix();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let org = runtime.block_on(seed_org(&endpoint, &suffix));
    let (queue_a, topic_a) = runtime.block_on(seed_account(&localstack, &org.account_a));
    let (queue_b, _) = runtime.block_on(seed_account(&localstack, &org.account_b));
    let dir = tempfile::tempdir().expect("temp dir");

    // A, SQS only: the open queue is covered by the root's RCP; nothing gates.
    let (run, report) = scan(&localstack, &endpoint, &org.account_a, "sqs", dir.path());
    let g = &report["organization_guardrails"];
    assert_eq!(g["status"], "assessed", "{}", run.describe());
    assert_eq!(g["source"], "organizations");
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{f:#?}\n{}", run.describe());
    assert_eq!(f[0]["resource_arn"], queue_a.as_str());
    assert_eq!(f[0]["rule_id"], "CD001");
    assert_eq!(f[0]["severity"], "high");
    assert_documented(&f[0], &org);
    assert_eq!(g["covered_findings"], 1);
    assert_eq!(
        run.code,
        Some(0),
        "covered findings do not gate\n{}",
        run.describe()
    );

    // A, SQS and SNS: the topic cannot be covered (RCPs do not reach SNS).
    let (run, report) = scan(
        &localstack,
        &endpoint,
        &org.account_a,
        "sqs,sns",
        dir.path(),
    );
    let f = findings(&report);
    let topic = f
        .iter()
        .find(|f| f["resource_arn"] == topic_a.as_str())
        .unwrap_or_else(|| panic!("topic finding\n{}", run.describe()));
    assert_eq!(topic["severity"], "high");
    assert!(topic.get("mitigated_by").is_none(), "{topic:#}");
    assert!(
        topic["message"]
            .as_str()
            .unwrap_or_default()
            .contains("do not reach sns"),
        "{topic:#}"
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());

    // B: the broken RCP on its OU is reported and covers nothing (the root's still does).
    let (run, report) = scan(&localstack, &endpoint, &org.account_b, "sqs", dir.path());
    let f = findings(&report);
    let broken: Vec<&Value> = f.iter().filter(|f| f["rule_id"] == "CD200").collect();
    assert_eq!(broken.len(), 1, "{f:#?}\n{}", run.describe());
    assert!(
        broken[0]["resource_arn"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&org.broken_id),
        "{:#}",
        broken[0]
    );
    assert_eq!(broken[0]["resource_type"], "organizations-rcp");
    let queue = f
        .iter()
        .find(|f| f["resource_arn"] == queue_b.as_str())
        .expect("queue finding");
    assert_documented(queue, &org);
    assert_eq!(
        run.code,
        Some(1),
        "the broken RCP gates\n{}",
        run.describe()
    );
}

#[test]
fn without_organizations_access_guardrails_are_not_assessed() {
    let localstack = harness::test_endpoint();
    harness::require_localstack(&localstack);
    let account = &harness::fresh_account_ids(1)[0];
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (queue, _) = runtime.block_on(seed_account(&localstack, account));
    let dir = tempfile::tempdir().expect("temp dir");
    // Organizations goes to LocalStack, which does not serve it.
    let env = [
        ("AWS_ENDPOINT_URL", localstack.as_str()),
        ("AWS_ACCESS_KEY_ID", account.as_str()),
        ("AWS_REGION", REGION),
    ];
    let args: Vec<String> = ["scan", "--services", "sqs", "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = harness::run_deputy_audit(&args, &env, dir.path());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e})\n{}", run.describe()));
    let g = &report["organization_guardrails"];
    assert_eq!(g["status"], "not-assessed", "{}", run.describe());
    assert!(
        g["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("DescribeOrganization"),
        "{g:#}"
    );
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["resource_arn"], queue.as_str());
    assert!(f[0].get("mitigated_by").is_none());
    assert_eq!(report["errors"], json!([]), "nothing fails");
    assert_eq!(run.code, Some(1), "{}", run.describe());
}

/// `check --rcp FILE`: the same verdicts offline.
#[test]
fn rcp_files_give_the_same_verdicts_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let account = "111122223333";
    let good = write("good-rcp.json", good_rcp());
    let broken = write("broken-rcp.json", broken_rcp());
    let queue = write(
        "queue.json",
        open_queue_policy(&format!("arn:aws:sqs:{REGION}:{account}:q")),
    );
    let topic = write(
        "topic.json",
        open_topic_policy(&format!("arn:aws:sns:{REGION}:{account}:t")),
    );
    let check = |rcp: &str, policy: &str| {
        let args: Vec<String> = [
            "check",
            "--account",
            account,
            "--rcp",
            rcp,
            "--format",
            "json",
            policy,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let run = harness::run_deputy_audit(&args, &[], dir.path());
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("JSON report ({e})\n{}", run.describe()));
        (run, report)
    };
    let (run, report) = check(&good, &queue);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["mitigated_by"]["policy_id"], good.as_str());
    assert_eq!(report["organization_guardrails"]["source"], "files");
    assert_eq!(run.code, Some(0), "{}", run.describe());

    let (run, report) = check(&good, &topic);
    let f = findings(&report);
    assert!(f[0].get("mitigated_by").is_none());
    assert_eq!(run.code, Some(1), "{}", run.describe());

    let (run, report) = check(&broken, &queue);
    let f = findings(&report);
    assert!(f.iter().all(|f| f.get("mitigated_by").is_none()), "{f:#?}");
    assert!(
        f.iter()
            .any(|f| f["rule_id"] == "CD200" && f["resource_arn"] == broken.as_str()),
        "{f:#?}"
    );
    assert_eq!(run.code, Some(1), "{}", run.describe());
}
