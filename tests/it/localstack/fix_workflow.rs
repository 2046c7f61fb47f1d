//! The fix workflow end to end against LocalStack (issue 12, "Done when"): a fresh
//! account with real sources wired to resources whose grants are open (service
//! principal, no `Condition`), scanned; every `corrected_policy` applied with the
//! SDK; scanned again with zero findings on those resources; and every source's
//! configuration put again and a message delivered, proving the services still
//! accept it. Also: an unused grant is removed, a grant whose source may be in an
//! unscanned account is pinned to that account and marked so, and `deputy-audit
//! fix` writes the files and a script `bash -n` accepts.
//!
//! LocalStack must be running (see tests/it/support/harness.rs): this test fails,
//! never skips, without it. LocalStack does not enforce resource policies, so the
//! last step proves the services accept the configuration, not that AWS's
//! evaluation of the corrected policy admits the source; the pins themselves are
//! asserted exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::fixes::*;
use crate::support::harness::*;
use crate::support::seed;
use crate::support::seed::fix_wiring::{self as wire, open_grant, policy, Applied, Targets};

const REGION: &str = "us-east-1";

/// What the seed created, by role in the test.
struct World {
    account: String,
    /// An account that is never scanned: the one the unscanned-account grant names.
    partner: String,
    bucket: String,
    bucket_arn: String,
    /// The bucket notifies it (S3 -> SNS).
    s3_topic: String,
    /// Subscribed to `s3_topic` (SNS -> SQS, statement 0) and the rule's target
    /// (EventBridge -> SQS, statement 1).
    queue_url: String,
    queue_arn: String,
    rule_name: String,
    rule_arn: String,
    /// The alarm publishes to it (CloudWatch -> SNS).
    alarm_topic: String,
    alarm_name: String,
    alarm_arn: String,
    /// Grants sns.amazonaws.com; no topic subscribes it.
    unused_queue_url: String,
    unused_queue_arn: String,
    /// Grants s3.amazonaws.com with `StringEqualsIfExists aws:SourceAccount <partner>`.
    partner_topic: String,
}

async fn seed_world(endpoint: &str, account: &str, partner: &str) -> anyhow::Result<World> {
    let conf = seed::sdk_config(endpoint, account, REGION);
    // Bucket names are global in S3 (and in LocalStack): the account makes them unique.
    let bucket = format!("da-fix-{account}");
    let bucket_arn = wire::create_bucket(&conf, &bucket).await?;

    let s3_topic = wire::create_topic(&conf, "da-fix-uploads").await?;
    let (queue_url, queue_arn) = wire::create_queue(&conf, "da-fix-orders").await?;
    let alarm_topic = wire::create_topic(&conf, "da-fix-alarms").await?;
    let (unused_queue_url, unused_queue_arn) = wire::create_queue(&conf, "da-fix-orphan").await?;
    let partner_topic = wire::create_topic(&conf, "da-fix-partner").await?;

    // Open grants first, so the sources below are wired to resources that accept them.
    wire::set_topic_policy(
        &conf,
        &s3_topic,
        &policy(vec![open_grant(
            "S3Publish",
            "s3.amazonaws.com",
            "sns:Publish",
            &s3_topic,
        )])
        .to_string(),
    )
    .await?;
    wire::set_queue_policy(
        &conf,
        &queue_url,
        &policy(vec![
            open_grant(
                "SnsSend",
                "sns.amazonaws.com",
                "sqs:SendMessage",
                &queue_arn,
            ),
            open_grant(
                "EventsSend",
                "events.amazonaws.com",
                "sqs:SendMessage",
                &queue_arn,
            ),
        ])
        .to_string(),
    )
    .await?;
    wire::set_topic_policy(
        &conf,
        &alarm_topic,
        &policy(vec![open_grant(
            "AlarmPublish",
            "cloudwatch.amazonaws.com",
            "sns:Publish",
            &alarm_topic,
        )])
        .to_string(),
    )
    .await?;
    wire::set_queue_policy(
        &conf,
        &unused_queue_url,
        &policy(vec![open_grant(
            "SnsSendNobody",
            "sns.amazonaws.com",
            "sqs:SendMessage",
            &unused_queue_arn,
        )])
        .to_string(),
    )
    .await?;
    let mut partner_grant = open_grant(
        "PartnerS3",
        "s3.amazonaws.com",
        "sns:Publish",
        &partner_topic,
    );
    // IfExists lets a request without the key through (CD005); the account named
    // is not scanned, so the source may live there.
    partner_grant["Condition"] =
        serde_json::json!({ "StringEqualsIfExists": { "aws:SourceAccount": partner } });
    wire::set_topic_policy(
        &conf,
        &partner_topic,
        &policy(vec![partner_grant]).to_string(),
    )
    .await?;

    // The real sources.
    wire::notify_topic(&conf, &bucket, &s3_topic).await?;
    wire::subscribe_queue(&conf, &s3_topic, &queue_arn).await?;
    let rule_name = "da-fix-orders-rule".to_string();
    let rule_arn = wire::put_rule(&conf, &rule_name).await?;
    wire::put_target(&conf, &rule_name, &queue_arn).await?;
    let alarm_name = "da-fix-errors".to_string();
    let alarm_arn = wire::put_alarm(&conf, &alarm_name, &alarm_topic).await?;

    Ok(World {
        account: account.to_string(),
        partner: partner.to_string(),
        bucket,
        bucket_arn,
        s3_topic,
        queue_url,
        queue_arn,
        rule_name,
        rule_arn,
        alarm_topic,
        alarm_name,
        alarm_arn,
        unused_queue_url,
        unused_queue_arn,
        partner_topic,
    })
}

impl World {
    /// Every resource whose policy the test seeded.
    fn resources(&self) -> Vec<&str> {
        vec![
            &self.s3_topic,
            &self.queue_arn,
            &self.alarm_topic,
            &self.unused_queue_arn,
            &self.partner_topic,
        ]
    }
}

fn scan_to(world: &World, endpoint: &str, extra: &[&str], dir: &Path) -> (Run, Value) {
    std::fs::create_dir_all(dir).expect("scan dir");
    let out = dir.join("report.json");
    let out_text = out.to_string_lossy().to_string();
    let mut args = vec!["--format", "json", "-o", out_text.as_str()];
    args.extend_from_slice(extra);
    let run = run_scan(&world.account, &[REGION.to_string()], endpoint, &args, dir);
    let text = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no report at {}: {e}\n{}", out.display(), run.describe()));
    let report: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("report is not JSON: {e}\n{text}\n{}", run.describe()));
    (run, report)
}

#[test]
fn wired_sources_pin_the_corrected_policies_and_the_services_still_accept_them() {
    let endpoint = test_endpoint();
    require_localstack(&endpoint);
    let ids = fresh_account_ids(2);
    let (account, partner) = (ids[0].clone(), ids[1].clone());
    let runtime = runtime();
    let world = runtime
        .block_on(seed_world(&endpoint, &account, &partner))
        .unwrap_or_else(|e| panic!("seeding LocalStack at {endpoint} failed: {e:#}"));
    let dir = tempfile::tempdir().expect("tempdir");

    // ---- first scan: open grants, remediations from the wiring ----
    let (run, report) = scan_to(&world, &endpoint, &[], &dir.path().join("scan1"));
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );
    let before = findings_on(&report, &world.resources());
    for arn in world.resources() {
        assert!(
            before.iter().any(|(a, _, _)| a == arn),
            "the open grant on {arn} is a finding: {before:#?}\n{}",
            run.describe()
        );
    }
    assert_eq!(run.code, Some(1), "open grants gate\n{}", run.describe());

    // S3 -> SNS: the topic's grant is used by the bucket.
    let r = remediation(&report, &world.s3_topic);
    assert_used_by(
        r,
        &[(0, "s3.amazonaws.com", &world.bucket_arn, "s3-notifications")],
        &account,
    );
    assert_statement_pinned(r, 0, &[&world.bucket_arn], &account);
    assert_eq!(r["unused_statements"], serde_json::json!([]), "{r:#}");

    // SNS -> SQS (statement 0) and EventBridge -> SQS (statement 1) on one queue.
    let r = remediation(&report, &world.queue_arn);
    assert_used_by(
        r,
        &[
            (0, "sns.amazonaws.com", &world.s3_topic, "sns-subscriptions"),
            (
                1,
                "events.amazonaws.com",
                &world.rule_arn,
                "eventbridge-targets",
            ),
        ],
        &account,
    );
    assert_statement_pinned(r, 0, &[&world.s3_topic], &account);
    assert_statement_pinned(r, 1, &[&world.rule_arn], &account);
    assert_eq!(r["unused_statements"], serde_json::json!([]), "{r:#}");

    // Nothing else in the policies changed: one corrected statement per original.
    for (arn, statements) in [
        (&world.s3_topic, 1),
        (&world.queue_arn, 2),
        (&world.alarm_topic, 1),
        (&world.partner_topic, 1),
    ] {
        let r = remediation(&report, arn);
        assert_eq!(
            r["corrected_policy"]["Statement"].as_array().map(Vec::len),
            Some(statements),
            "{r:#}"
        );
    }

    // CloudWatch -> SNS.
    let r = remediation(&report, &world.alarm_topic);
    assert_used_by(
        r,
        &[(
            0,
            "cloudwatch.amazonaws.com",
            &world.alarm_arn,
            "cloudwatch-alarms",
        )],
        &account,
    );
    assert_statement_pinned(r, 0, &[&world.alarm_arn], &account);

    for arn in [&world.s3_topic, &world.queue_arn, &world.alarm_topic] {
        let r = remediation(&report, arn);
        assert_eq!(r["remaining"], serde_json::json!([]), "{r:#}");
        assert!(r["apply_command"].is_string(), "{r:#}");
        assert!(
            r["policy_file"].as_str().is_some_and(|f| !f.is_empty()),
            "{r:#}"
        );
    }

    // The unused grant: removed, and said so.
    let r = remediation(&report, &world.unused_queue_arn);
    assert_eq!(r["unused_statements"], serde_json::json!([0]), "{r:#}");
    assert_eq!(r["used_by"], serde_json::json!([]), "{r:#}");
    let fix = statement_fix(r, 0);
    assert_eq!(fix["action"], "removed", "{fix:#}");
    assert_eq!(
        fix["corrected_statements"],
        serde_json::json!([]),
        "{fix:#}"
    );
    assert!(
        fix["reason"].as_str().is_some_and(|s| !s.is_empty()),
        "a removal says why: {fix:#}"
    );
    assert_eq!(
        r["corrected_policy"]["Statement"],
        serde_json::json!([]),
        "{r:#}"
    );

    // The unscanned account: pinned to it, and marked.
    let r = remediation(&report, &world.partner_topic);
    let fix = statement_fix(r, 0);
    assert_eq!(fix["action"], "pinned-to-account", "{fix:#}");
    assert_eq!(
        fix["unscanned_accounts"],
        serde_json::json!([world.partner]),
        "{fix:#}"
    );
    assert!(
        fix["reason"]
            .as_str()
            .is_some_and(|s| s.contains(&world.partner)),
        "the reason names the unscanned account: {fix:#}"
    );
    let corrected = fix["corrected_statements"]
        .as_array()
        .expect("corrected_statements");
    assert_eq!(corrected.len(), 1, "{fix:#}");
    assert_eq!(
        condition_values(&corrected[0], "aws:SourceAccount"),
        BTreeMap::from([(
            "StringEquals".to_string(),
            BTreeSet::from([world.partner.clone()])
        )]),
        "no IfExists left, the partner account pinned: {fix:#}"
    );
    // What may remain is the question of trust only (CD004), never CD005.
    for remaining in r["remaining"].as_array().expect("remaining") {
        assert_eq!(remaining["rule_id"], "CD004", "{r:#}");
    }

    // ---- deputy-audit fix on the first report ----
    check_fix_output(&report, &dir.path().join("scan1/report.json"), dir.path());

    // ---- apply every corrected policy with the SDK ----
    let conf = seed::sdk_config(&endpoint, &account, REGION);
    let targets = Targets {
        queues: [
            (world.queue_arn.clone(), world.queue_url.clone()),
            (
                world.unused_queue_arn.clone(),
                world.unused_queue_url.clone(),
            ),
        ]
        .into_iter()
        .collect(),
    };
    let mut applied = BTreeMap::new();
    for arn in world.resources() {
        let r = remediation(&report, arn);
        let corrected = &r["corrected_policy"];
        assert!(corrected.is_object(), "a corrected policy for {arn}: {r:#}");
        let how = runtime
            .block_on(wire::apply_corrected(
                &conf,
                &targets,
                r["resource_type"].as_str().unwrap_or_default(),
                arn,
                corrected,
            ))
            .unwrap_or_else(|e| panic!("applying the corrected policy of {arn} failed: {e:#}"));
        applied.insert(arn.to_string(), how);
    }
    // Every statement of the unused queue's policy was removed: the policy itself
    // was removed (SetQueueAttributes Policy = "").
    assert_eq!(applied[&world.unused_queue_arn], Applied::PolicyRemoved);
    assert_eq!(
        runtime
            .block_on(wire::queue_policy(&conf, &world.unused_queue_url))
            .expect("read the queue policy back"),
        None,
        "the unused queue has no policy any more"
    );

    // ---- second scan: nothing left on those resources ----
    let (run, after_report) = scan_to(
        &world,
        &endpoint,
        &["--trusted-account", &world.partner],
        &dir.path().join("scan2"),
    );
    assert_eq!(
        after_report["errors"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );
    let after = findings_on(&after_report, &world.resources());
    assert_eq!(after, BTreeSet::new(), "{}", run.describe());
    let remediated: Vec<&str> = after_report["remediations"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r["resource_arn"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for arn in world.resources() {
        assert!(!remediated.contains(&arn), "{arn} still has a remediation");
    }

    // ---- the services still accept their configuration ----
    runtime
        .block_on(accept_configuration(&conf, &world))
        .unwrap_or_else(|e| panic!("a service refused its configuration: {e:#}"));
}

/// `deputy-audit fix REPORT --out DIR`: one policy file per corrected resource,
/// each the report's `corrected_policy`, and an `apply.sh` that `bash -n` accepts
/// and names every file.
fn check_fix_output(report: &Value, report_path: &Path, dir: &Path) {
    let out = dir.join("fixes");
    let args: Vec<String> = vec![
        "fix".into(),
        report_path.to_string_lossy().into(),
        "--out".into(),
        out.to_string_lossy().into(),
    ];
    let run = run_deputy_audit(&args, &[], &dir.join("fix-run"));
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let script_path = out.join("apply.sh");
    let script = std::fs::read_to_string(&script_path)
        .unwrap_or_else(|e| panic!("no apply.sh: {e}\n{}", run.describe()));
    let mut files = 0;
    for r in report["remediations"].as_array().expect("remediations") {
        let Some(corrected) = r["corrected_policy"].as_object() else {
            continue;
        };
        let file = r["policy_file"].as_str().expect("policy_file");
        let text = std::fs::read_to_string(out.join(file))
            .unwrap_or_else(|e| panic!("no {file} for {}: {e}", r["resource_arn"]));
        let written: Value = serde_json::from_str(&text).expect("policy file is JSON");
        assert_eq!(
            &written,
            &Value::Object(corrected.clone()),
            "{file} is the corrected policy of {}",
            r["resource_arn"]
        );
        assert!(script.contains(file), "apply.sh applies {file}:\n{script}");
        files += 1;
    }
    assert!(files >= 5, "one file per corrected resource:\n{script}");
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script_path)
        .output()
        .expect("run bash -n");
    assert!(
        check.status.success(),
        "bash -n apply.sh: {}\n{script}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// Every source's configuration put again (all must succeed), then a message
/// published to the topic arrives on the subscribed queue.
async fn accept_configuration(conf: &aws_config::SdkConfig, w: &World) -> anyhow::Result<()> {
    wire::notify_topic(conf, &w.bucket, &w.s3_topic).await?;
    wire::subscribe_queue(conf, &w.s3_topic, &w.queue_arn).await?;
    wire::put_target(conf, &w.rule_name, &w.queue_arn).await?;
    wire::put_alarm(conf, &w.alarm_name, &w.alarm_topic).await?;

    // Drain whatever the notification setup put on the queue (S3 test events).
    while !wire::receive_bodies(conf, &w.queue_url, 0)
        .await?
        .is_empty()
    {}
    let marker = format!("deputy-audit fix workflow {}", w.account);
    wire::publish(conf, &w.s3_topic, &marker).await?;
    for _ in 0..10 {
        let bodies = wire::receive_bodies(conf, &w.queue_url, 2).await?;
        if bodies.iter().any(|b| b.contains(&marker)) {
            return Ok(());
        }
    }
    anyhow::bail!(
        "the message published to {} never reached {}",
        w.s3_topic,
        w.queue_arn
    )
}
