//! Every corpus case with findings, corrected under three wirings, then
//! analysed again (issue 12's promise): the corrected policy has no finding at
//! `low` or above, except where a statement needs a person (and says why) or
//! names an account that was not scanned (pinned to it and marked so).
//!
//! The three wirings: nothing read (every fix falls back to the account-wide
//! pin), everything read and nothing uses the grant (unused grants removed),
//! and everything read with one source per service principal in the owner's
//! account (pinned to that exact source).

// Test code: a failed unwrap is the test's failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use deputy_audit_analyze::knowledge::knowledge;
use deputy_audit_analyze::policy;
use deputy_audit_analyze::remediate::{FixAction, Remediation};
use deputy_audit_analyze::wiring::{Feed, KindCoverage, KindStatus, Usage, Wiring};
use deputy_audit_analyze::{analyze, remediate, ResourcePolicy, Severity};
use support::{all_cases, options, resource, CORPUS};

#[derive(Debug, Clone, Copy)]
enum Scenario {
    NothingRead,
    AllReadUnused,
    AllReadUsed,
}

/// A wiring for `resource` under `scenario`.
fn wiring(resource: &ResourcePolicy, scenario: Scenario) -> Wiring {
    let text = resource.policy.as_deref().unwrap_or_default();
    let principals: Vec<String> = policy::parse(text)
        .map(|p| {
            p.statements
                .iter()
                .filter_map(|s| s.principal.as_ref())
                .flat_map(|p| p.services().map(str::to_string).collect::<Vec<_>>())
                .collect()
        })
        .unwrap_or_default();
    let mut w = Wiring {
        accounts: vec![resource.account_id.clone()],
        regions: vec![resource.region.clone()],
        ..Wiring::default()
    };
    if matches!(scenario, Scenario::NothingRead) {
        return w;
    }
    w.kinds.push(KindCoverage {
        kind: "test-kind".to_string(),
        feeds: principals
            .iter()
            .map(|p| Feed {
                principal: p.clone(),
                target: resource.resource_type,
            })
            .collect(),
        status: KindStatus::Read,
    });
    if matches!(scenario, Scenario::AllReadUsed) {
        for p in &principals {
            // The source ARN the knowledge base documents for the service,
            // made concrete; none where it documents none.
            let source_arn = knowledge().lookup(p).and_then(|e| {
                e.source_arn_for("aws", &resource.region, &resource.account_id)
                    .map(|a| a.replace('*', "deputy-audit-source"))
            });
            w.usages.push(Usage {
                kind: "test-kind".to_string(),
                service_principal: p.clone(),
                source_arn,
                source_account: resource.account_id.clone(),
                source_region: resource.region.clone(),
                target_arn: resource.arn.clone(),
            });
        }
    }
    w
}

/// Why a remaining finding is acceptable, or `Err` with the case's story.
fn check(name: &str, scenario: Scenario, r: &Remediation) -> Result<(), String> {
    let story = || {
        format!(
            "{name} ({scenario:?}):\n{}",
            serde_json::to_string_pretty(r).unwrap()
        )
    };
    if r.statements.is_empty() {
        return Err(format!("no statement fix: {}", story()));
    }
    for s in &r.statements {
        if s.reason.is_empty() {
            return Err(format!("a fix without a reason: {}", story()));
        }
        // Removed wholly (listed unused), or only its service principals (the
        // other principals keep a copy).
        if s.action == FixAction::Removed
            && (r.unused_statements.contains(&s.index) != s.corrected_statements.is_empty())
        {
            return Err(format!("removed but not listed unused: {}", story()));
        }
    }
    let manual: Vec<&str> = r
        .statements
        .iter()
        .filter(|s| s.action == FixAction::Unchanged)
        .flat_map(|s| s.rule_ids.iter().map(String::as_str))
        .collect();
    let unscanned = r
        .statements
        .iter()
        .any(|s| !s.unscanned_accounts.is_empty());
    for left in &r.remaining {
        let explained = manual.contains(&left.rule_id.as_str())
            // A statement left for a person can leave the generic finding
            // (CD001) or CD100 on it.
            || (!manual.is_empty() && ["CD001", "CD100"].contains(&left.rule_id.as_str()))
            || (unscanned && left.rule_id == "CD004");
        if !explained {
            return Err(format!(
                "{} ({}) is left and nothing explains it: {}",
                left.rule_id,
                left.message,
                story()
            ));
        }
    }
    if let Some(doc) = &r.corrected_policy {
        // The corrected document is a policy the grammar reads without a
        // problem (no duplicate keys, no malformed block).
        let text = doc.to_string();
        let parsed = policy::parse(&text).map_err(|e| format!("{e}: {}", story()))?;
        if parsed.other_reading.is_some()
            || parsed
                .statements
                .iter()
                .any(|s| !s.condition_problems.is_empty())
        {
            return Err(format!(
                "corrected policy is ambiguous or malformed: {}",
                story()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_corpus_finding_is_corrected_or_explained() {
    let mut failures = Vec::new();
    let mut counted = std::collections::BTreeMap::<String, usize>::new();
    for (path, case) in all_cases() {
        if case.expected_error.is_some() {
            continue;
        }
        let name = path
            .strip_prefix(CORPUS)
            .unwrap_or(&path)
            .display()
            .to_string();
        let resource = resource(&case);
        let options = options(&case);
        let findings: Vec<_> = analyze(&resource, &options)
            .unwrap()
            .into_iter()
            .filter(|f| f.severity >= Severity::Info)
            .collect();
        for scenario in [
            Scenario::NothingRead,
            Scenario::AllReadUnused,
            Scenario::AllReadUsed,
        ] {
            let w = wiring(&resource, scenario);
            match remediate(&resource, &findings, &w, &options) {
                None if findings.is_empty() || resource.aws_managed.is_some() => {}
                None => failures.push(format!(
                    "{name} ({scenario:?}): findings but no remediation"
                )),
                Some(r) => {
                    for s in &r.statements {
                        *counted.entry(format!("{:?}", s.action)).or_default() += 1;
                    }
                    if let Err(e) = check(&name, scenario, &r) {
                        failures.push(e);
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // Each outcome happens somewhere in the corpus.
    for action in [
        "PinnedToSources",
        "PinnedToAccount",
        "Removed",
        "Unchanged",
        "Repaired",
    ] {
        assert!(
            counted.get(action).copied().unwrap_or(0) > 0,
            "{action} never happens: {counted:?}"
        );
    }
}

const OWNER: &str = "111122223333";

fn resource_of(
    resource_type: &str,
    arn: &str,
    region: &str,
    policy: serde_json::Value,
) -> ResourcePolicy {
    ResourcePolicy {
        arn: arn.to_string(),
        resource_type: resource_type.parse().unwrap(),
        account_id: OWNER.to_string(),
        region: region.to_string(),
        policy: Some(policy.to_string()),
        aws_managed: None,
    }
}

/// A wiring that read `kind` (feeding `principal` on `target`) and found `uses`
/// as (source ARN, source account).
fn read(kind: &str, principal: &str, target: &ResourcePolicy, uses: &[(&str, &str)]) -> Wiring {
    Wiring {
        usages: uses
            .iter()
            .map(|(arn, account)| Usage {
                kind: kind.to_string(),
                service_principal: principal.to_string(),
                source_arn: Some(arn.to_string()),
                source_account: account.to_string(),
                source_region: target.region.clone(),
                target_arn: target.arn.clone(),
            })
            .collect(),
        accounts: vec![OWNER.to_string()],
        regions: vec![target.region.clone()],
        all_regions: false,
        kinds: vec![KindCoverage {
            kind: kind.to_string(),
            feeds: vec![Feed {
                principal: principal.to_string(),
                target: target.resource_type,
            }],
            status: KindStatus::Read,
        }],
    }
}

fn fix(resource: &ResourcePolicy, wiring: &Wiring) -> Remediation {
    let options = deputy_audit_analyze::AnalysisOptions::default();
    let findings = analyze(resource, &options).unwrap();
    assert!(!findings.is_empty(), "the case must have a finding");
    let r = remediate(resource, &findings, wiring, &options).unwrap();
    assert!(
        r.remaining.is_empty(),
        "{}",
        serde_json::to_string_pretty(&r).unwrap()
    );
    r
}

fn conditions(r: &Remediation) -> Vec<serde_json::Value> {
    r.corrected_policy.as_ref().unwrap()["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Condition"].clone())
        .collect()
}

const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:orders";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:orders-topic";

fn queue_policy(condition: serde_json::Value) -> ResourcePolicy {
    let mut st = serde_json::json!({
        "Sid": "FromSns", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": QUEUE
    });
    if !condition.is_null() {
        st["Condition"] = condition;
    }
    resource_of(
        "sqs-queue",
        QUEUE,
        "us-east-1",
        serde_json::json!({"Version": "2012-10-17", "Statement": [st]}),
    )
}

#[test]
fn cd001_is_pinned_to_the_topic_that_really_sends() {
    let q = queue_policy(serde_json::Value::Null);
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
    );
    assert_eq!(r.statements[0].action, FixAction::PinnedToSources);
    assert_eq!(r.used_by[0].source_arn.as_deref(), Some(TOPIC));
    assert_eq!(
        conditions(&r),
        [serde_json::json!({
            "ArnLike": {"aws:SourceArn": TOPIC},
            "StringEquals": {"aws:SourceAccount": OWNER}
        })]
    );
}

#[test]
fn cd005_weak_operator_is_replaced_not_merged() {
    // Merging the old suggestion (aws:SourceAccount only) left CD005 in place.
    let q = queue_policy(serde_json::json!({"StringEqualsIfExists": {"aws:SourceAccount": OWNER}}));
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
    );
    assert_eq!(
        conditions(&r),
        [serde_json::json!({
            "ArnLike": {"aws:SourceArn": TOPIC},
            "StringEquals": {"aws:SourceAccount": OWNER}
        })]
    );
}

#[test]
fn cd007_literal_wildcard_is_replaced() {
    let q = queue_policy(
        serde_json::json!({"StringEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}),
    );
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
    );
    let c = &conditions(&r)[0];
    assert_eq!(c["ArnLike"]["aws:SourceArn"], TOPIC);
    // The pattern it meant stays, under the operator that reads patterns.
    assert_eq!(
        c["StringLike"]["aws:SourceArn"],
        "arn:aws:sns:*:111122223333:*"
    );
    assert!(c
        .get("StringEquals")
        .is_some_and(|s| s.get("aws:SourceArn").is_none()));
}

#[test]
fn cd003_keeps_the_bucket_restriction_and_adds_the_account() {
    let topic = resource_of(
        "sns-topic",
        TOPIC,
        "us-east-1",
        serde_json::json!({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sns:Publish", "Resource": TOPIC,
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}
        }]}),
    );
    // Nothing read: the fallback keeps the bucket and pins the account.
    let r = fix(
        &topic,
        &Wiring {
            accounts: vec![OWNER.into()],
            regions: vec!["us-east-1".into()],
            ..Wiring::default()
        },
    );
    assert_eq!(r.statements[0].action, FixAction::PinnedToAccount);
    assert_eq!(
        conditions(&r),
        [serde_json::json!({
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"},
            "StringEquals": {"aws:SourceAccount": OWNER}
        })]
    );
    // A bucket the condition does not admit is not a user of this grant.
    let w = read(
        "s3-notifications",
        "s3.amazonaws.com",
        &topic,
        &[("arn:aws:s3:::other", OWNER)],
    );
    let r = fix(&topic, &w);
    assert_eq!(r.statements[0].action, FixAction::Removed);
    assert_eq!(r.unused_statements, [0]);
}

#[test]
fn cd004_foreign_account_is_a_trust_question_not_a_duplicate_key() {
    let q =
        queue_policy(serde_json::json!({"StringEquals": {"aws:SourceAccount": "444455556666"}}));
    let options = deputy_audit_analyze::AnalysisOptions::default();
    let findings = analyze(&q, &options).unwrap();
    let w = read(
        "sns-subscriptions",
        "sns.amazonaws.com",
        &q,
        &[(TOPIC, OWNER)],
    );
    let r = remediate(&q, &findings, &w, &options).unwrap();
    assert_eq!(r.statements[0].action, FixAction::Unchanged);
    assert_eq!(r.statements[0].unscanned_accounts, ["444455556666"]);
    assert!(r.statements[0].reason.contains("--trusted-account"));
}

#[test]
fn a_weak_pin_to_an_unscanned_account_is_pinned_to_it_and_marked() {
    let q = queue_policy(
        serde_json::json!({"StringEqualsIfExists": {"aws:SourceAccount": "444455556666"}}),
    );
    let options = deputy_audit_analyze::AnalysisOptions {
        trusted_accounts: vec!["444455556666".into()],
        ..Default::default()
    };
    let findings = analyze(&q, &options).unwrap();
    let w = read("sns-subscriptions", "sns.amazonaws.com", &q, &[]);
    let r = remediate(&q, &findings, &w, &options).unwrap();
    assert_eq!(r.statements[0].action, FixAction::PinnedToAccount);
    assert_eq!(r.statements[0].unscanned_accounts, ["444455556666"]);
    assert!(
        r.statements[0].reason.contains("not scanned"),
        "{}",
        r.statements[0].reason
    );
    assert_eq!(
        conditions(&r),
        [serde_json::json!({"StringEquals": {"aws:SourceAccount": "444455556666"}})]
    );
    assert!(r.remaining.is_empty());
}

#[test]
fn an_unused_grant_is_removed_and_says_why() {
    let q = queue_policy(serde_json::Value::Null);
    let r = fix(&q, &read("sns-subscriptions", "sns.amazonaws.com", &q, &[]));
    assert_eq!(r.statements[0].action, FixAction::Removed);
    assert!(r.statements[0].reason.contains("Unused grant"));
    assert!(r.statements[0].reason.contains("us-east-1"));
    assert_eq!(
        r.corrected_policy.as_ref().unwrap()["Statement"],
        serde_json::json!([])
    );
}

#[test]
fn a_logs_key_is_pinned_with_the_encryption_context_key_aws_documents() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let policy = serde_json::json!({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"], "Resource": "*"
    }]});
    let k = resource_of("kms-key", key, "us-east-1", policy);
    let group = "arn:aws:logs:us-east-1:111122223333:log-group:app";
    let r = fix(
        &k,
        &read(
            "log-group-keys",
            "logs.us-east-1.amazonaws.com",
            &k,
            &[(group, OWNER)],
        ),
    );
    assert_eq!(
        conditions(&r),
        [serde_json::json!({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group}})]
    );
    // Unknown uses: the account-wide form of the same key, not aws:SourceArn.
    let r = fix(
        &k,
        &Wiring {
            accounts: vec![OWNER.into()],
            ..Wiring::default()
        },
    );
    assert_eq!(
        conditions(&r),
        [
            serde_json::json!({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:111122223333:*"}})
        ]
    );
}

#[test]
fn a_bucket_in_another_region_names_the_trail_in_its_home_region() {
    let bucket = "arn:aws:s3:::trail-logs";
    let policy = serde_json::json!({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/AWSLogs/111122223333/*"
    }]});
    let b = resource_of("s3-bucket", bucket, "eu-west-1", policy);
    let trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
    let r = fix(
        &b,
        &read(
            "cloudtrail-trails",
            "cloudtrail.amazonaws.com",
            &b,
            &[(trail, OWNER)],
        ),
    );
    assert_eq!(conditions(&r)[0]["ArnLike"]["aws:SourceArn"], trail);
}

#[test]
fn a_lambda_permission_is_one_statement_per_source() {
    let function = "arn:aws:lambda:us-east-1:111122223333:function:handler";
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": function
    }]});
    let f = resource_of("lambda-function", function, "us-east-1", policy);
    let a = "arn:aws:execute-api:us-east-1:111122223333:abc123/*";
    let b = "arn:aws:execute-api:us-east-1:111122223333:def456/*";
    let r = fix(
        &f,
        &read(
            "apigateway-integrations",
            "apigateway.amazonaws.com",
            &f,
            &[(a, OWNER), (b, OWNER)],
        ),
    );
    let statements = r.corrected_policy.as_ref().unwrap()["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["Sid"], "apigw");
    assert_eq!(statements[1]["Sid"], "apigw-2");
    assert_eq!(statements[0]["Condition"]["ArnLike"]["aws:SourceArn"], a);
    assert_eq!(statements[1]["Condition"]["ArnLike"]["aws:SourceArn"], b);
}

#[test]
fn an_aws_principal_beside_the_service_keeps_its_access() {
    let policy = serde_json::json!({"Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com", "AWS": "arn:aws:iam::111122223333:role/worker"},
        "Action": "sqs:SendMessage", "Resource": QUEUE
    }]});
    let q = resource_of("sqs-queue", QUEUE, "us-east-1", policy);
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
    );
    let statements = r.corrected_policy.as_ref().unwrap()["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[0]["Principal"],
        serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/worker"})
    );
    assert!(statements[0].get("Condition").is_none());
    assert_eq!(
        statements[1]["Principal"],
        serde_json::json!({"Service": "sns.amazonaws.com"})
    );
}

/// The demo account (`tests/fixtures/realistic-account.json`, what
/// `scripts/demo.sh` seeds): every resource with findings is corrected under
/// the three wirings, and the corrected policies analysed again leave nothing
/// at `low` or above that is not explained.
#[test]
fn the_demo_account_is_corrected_or_explained() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/realistic-account.json"
    );
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (account, region) = ("000000000000", "us-east-1");
    let mut corrected = 0;
    let mut failures = Vec::new();
    for r in fixture["resources"].as_array().unwrap() {
        let fill = |s: &str| {
            s.replace("{{ACCOUNT}}", account)
                .replace("{{REGION}}", region)
        };
        let kind = r["kind"].as_str().unwrap();
        let name = fill(r["name"].as_str().unwrap());
        let arn = match kind {
            "iam-role" => format!(
                "arn:aws:iam::{account}:role{}{name}",
                r["path"].as_str().unwrap_or("/")
            ),
            "s3-bucket" => format!("arn:aws:s3:::{name}"),
            "kms-key" => format!(
                "arn:aws:kms:{region}:{account}:key/{}",
                r["id"].as_str().unwrap()
            ),
            "sns-topic" => format!("arn:aws:sns:{region}:{account}:{name}"),
            "sqs-queue" => format!("arn:aws:sqs:{region}:{account}:{name}"),
            "lambda-function" => format!("arn:aws:lambda:{region}:{account}:function:{name}"),
            other => panic!("a new kind in the fixture: {other}"),
        };
        let resource = ResourcePolicy {
            arn,
            resource_type: kind.parse().unwrap(),
            account_id: account.to_string(),
            region: if kind == "iam-role" { "global" } else { region }.to_string(),
            policy: Some(fill(&r["policy"].to_string())),
            aws_managed: (r["expected"] == "aws-managed").then(|| "AWS-managed".to_string()),
        };
        let options = deputy_audit_analyze::AnalysisOptions::default();
        let findings = analyze(&resource, &options).unwrap();
        for scenario in [
            Scenario::NothingRead,
            Scenario::AllReadUnused,
            Scenario::AllReadUsed,
        ] {
            let w = wiring(&resource, scenario);
            match remediate(&resource, &findings, &w, &options) {
                None if findings.is_empty() || resource.aws_managed.is_some() => {}
                None => failures.push(format!("{name}: findings but no remediation")),
                Some(fix) => {
                    corrected += 1;
                    if let Err(e) = check(&name, scenario, &fix) {
                        failures.push(e);
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(corrected >= 3 * 14, "only {corrected} remediations");
}

#[test]
fn contradictory_pins_are_removed_never_widened() {
    // CD006: the statement grants nothing today; keeping either half would grant something.
    let q = queue_policy(serde_json::json!({
        "StringEquals": {"aws:SourceAccount": OWNER},
        "ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:999988887777:foreign"}
    }));
    for w in [
        read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
        Wiring {
            accounts: vec![OWNER.into()],
            ..Wiring::default()
        },
    ] {
        let r = fix(&q, &w);
        assert_eq!(r.statements[0].action, FixAction::Removed, "{r:#?}");
        assert_eq!(
            r.corrected_policy.as_ref().unwrap()["Statement"],
            serde_json::json!([])
        );
    }
}

#[test]
fn removing_an_unused_service_keeps_the_other_principals() {
    let policy = serde_json::json!({"Statement": [{
        "Sid": "Both", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com", "AWS": "arn:aws:iam::111122223333:role/app"},
        "Action": "sqs:SendMessage", "Resource": QUEUE
    }]});
    let q = resource_of("sqs-queue", QUEUE, "us-east-1", policy);
    let r = fix(&q, &read("sns-subscriptions", "sns.amazonaws.com", &q, &[]));
    assert_eq!(r.statements[0].action, FixAction::Removed);
    assert!(r.unused_statements.is_empty());
    let statements = r.corrected_policy.as_ref().unwrap()["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(statements.len(), 1);
    assert_eq!(
        statements[0]["Principal"],
        serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/app"})
    );
}

#[test]
fn a_source_the_policy_refuses_today_is_not_let_in() {
    // The weak pin is broken (CD005) but still refuses another topic that sends the key.
    let q = queue_policy(
        serde_json::json!({"ArnEqualsIfExists": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:only"}}),
    );
    let other = "arn:aws:sns:us-east-1:111122223333:other";
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(other, OWNER)],
        ),
    );
    assert_ne!(r.statements[0].action, FixAction::PinnedToSources, "{r:#?}");
    assert!(!r
        .corrected_policy
        .as_ref()
        .unwrap()
        .to_string()
        .contains(":other"));
}

#[test]
fn split_statements_get_sids_of_their_own() {
    let policy = serde_json::json!({"Statement": [{
        "Sid": "Both", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com", "AWS": "arn:aws:iam::111122223333:role/app"},
        "Action": "sqs:SendMessage", "Resource": QUEUE
    }, {
        "Sid": "BothServices", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:*", "Resource": QUEUE
    }]});
    let q = resource_of("sqs-queue", QUEUE, "us-east-1", policy);
    let r = fix(
        &q,
        &read(
            "sns-subscriptions",
            "sns.amazonaws.com",
            &q,
            &[(TOPIC, OWNER)],
        ),
    );
    let sids: Vec<String> = r.corrected_policy.as_ref().unwrap()["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap().to_string())
        .collect();
    let unique: std::collections::BTreeSet<&String> = sids.iter().collect();
    assert_eq!(unique.len(), sids.len(), "{sids:?}");
}
