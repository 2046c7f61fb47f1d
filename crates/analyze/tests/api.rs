//! The public API, exercised the way the binary uses it.

// Test code: a failed unwrap is the test's failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use deputy_audit_analyze::knowledge::{knowledge, KeySupport};
use deputy_audit_analyze::{
    analyze, AnalysisOptions, PolicyError, ResourcePolicy, ResourceType, Severity,
};

const OWNER: &str = "111122223333";

fn resource(rt: ResourceType, policy: &str) -> ResourcePolicy {
    ResourcePolicy {
        arn: "arn:aws:sqs:us-east-1:111122223333:q".to_string(),
        resource_type: rt,
        account_id: OWNER.to_string(),
        region: "us-east-1".to_string(),
        policy: Some(policy.to_string()),
        aws_managed: None,
    }
}

fn ids(rt: ResourceType, policy: &str) -> Vec<(String, usize)> {
    analyze(&resource(rt, policy), &AnalysisOptions::default())
        .expect("analyzes")
        .into_iter()
        .map(|f| (f.rule.id.to_string(), f.statement_index))
        .collect()
}

fn pairs(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(r, i)| (r.to_string(), *i)).collect()
}

#[test]
fn no_policy_no_findings() {
    let mut r = resource(ResourceType::SqsQueue, "");
    r.policy = None;
    assert_eq!(analyze(&r, &AnalysisOptions::default()), Ok(vec![]));
}

#[test]
fn single_statement_object_unprotected_is_cd001_at_zero() {
    let p = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#;
    assert_eq!(ids(ResourceType::SqsQueue, p), pairs(&[("CD001", 0)]));
}

#[test]
fn cd001_at_the_right_index_in_a_list() {
    let p = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:*"},
        {"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","sns.amazonaws.com"]},"Action":"sqs:SendMessage"}]}"#;
    assert_eq!(ids(ResourceType::SqsQueue, p), pairs(&[("CD001", 1)]));
}

#[test]
fn element_and_key_names_are_case_insensitive() {
    let p = r#"{"statement":[{"effect":"Allow","principal":{"service":"sns.amazonaws.com"},"action":"sqs:SendMessage","condition":{"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}}}]}"#;
    assert_eq!(ids(ResourceType::SqsQueue, p), vec![]);
}

#[test]
fn finding_fields_are_filled_from_resource_and_statement() {
    let p = r#"{"Statement":[{"Sid":"S","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["sqs:SendMessage"]}]}"#;
    let f = analyze(
        &resource(ResourceType::SqsQueue, p),
        &AnalysisOptions::default(),
    )
    .expect("ok");
    let f = &f[0];
    assert_eq!(f.rule.id, "CD001");
    assert_eq!(f.rule.name, "missing-source-condition");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.account_id, OWNER);
    assert_eq!(f.region, "us-east-1");
    assert_eq!(f.service, "sqs");
    assert_eq!(f.resource_type, ResourceType::SqsQueue);
    assert_eq!(f.resource_arn, "arn:aws:sqs:us-east-1:111122223333:q");
    assert_eq!(f.statement_sid.as_deref(), Some("S"));
    assert_eq!(f.principals, ["sns.amazonaws.com"]);
    assert_eq!(f.actions, ["sqs:SendMessage"]);
    assert!(f.message.contains("sns.amazonaws.com"));
    assert_eq!(
        f.suggested_condition,
        Some(serde_json::json!({
            "StringEquals": {"aws:SourceAccount": OWNER},
            "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}
        }))
    );
}

#[test]
fn invalid_json_carries_line_and_column() {
    let r = resource(ResourceType::SqsQueue, "{\n\"Statement\": [}\n");
    match analyze(&r, &AnalysisOptions::default()) {
        Err(PolicyError::InvalidJson { line, column, .. }) => assert_eq!((line, column), (2, 15)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_documents_are_errors() {
    for p in ["[1,2]", r#"{"Statement":"x"}"#, "null"] {
        let r = resource(ResourceType::SqsQueue, p);
        assert!(
            matches!(
                analyze(&r, &AnalysisOptions::default()),
                Err(PolicyError::Malformed(_))
            ),
            "{p}"
        );
    }
}

#[test]
fn rule_registry_lookup() {
    let all = deputy_audit_analyze::rules();
    assert_eq!(all.len(), 12);
    assert_eq!(
        deputy_audit_analyze::rule("cd009").map(|r| r.name),
        Some("public-principal")
    );
    assert!(deputy_audit_analyze::rule("CD999").is_none());
}

fn run_with(
    rt: ResourceType,
    policy: &str,
    options: &AnalysisOptions,
) -> Vec<deputy_audit_analyze::Finding> {
    analyze(&resource(rt, policy), options).expect("analyzes")
}

#[test]
fn strict_ec2_is_cd001_without_a_condition_that_would_break_it() {
    // No AWS page says EC2 sends aws:SourceArn/aws:SourceAccount to STS: a
    // suggested condition could break the instance role, so none is given and
    // the recommendation says why, as unverified, not as fact.
    let ec2 = knowledge().lookup("ec2.amazonaws.com").expect("known");
    assert_ne!(ec2.sts_source_keys, KeySupport::Sent);
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let strict = AnalysisOptions {
        strict: true,
        ..AnalysisOptions::default()
    };
    let f = run_with(ResourceType::IamRole, p, &strict);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule.id, "CD001");
    assert_eq!(f[0].suggested_condition, None);
    assert_eq!(f[0].severity, Severity::High, "--strict: an exposure");
    let expected = match ec2.sts_source_keys {
        KeySupport::NotSent => "AWS documents that ec2.amazonaws.com does not send",
        _ => {
            "no AWS page found says whether ec2.amazonaws.com sends aws:SourceArn/aws:SourceAccount"
        }
    };
    assert!(
        f[0].recommendation.contains(expected),
        "{}",
        f[0].recommendation
    );
    let f = run_with(ResourceType::IamRole, p, &AnalysisOptions::default());
    assert_eq!((f[0].rule.id, f[0].severity), ("CD100", Severity::Low));
    assert_eq!(f[0].suggested_condition, None);
}

#[test]
fn cd100_advice_is_about_the_passed_role_service_only() {
    // Glue uses a role passed inside the account (CD100); Rekognition's AWS
    // page documents the confused-deputy risk for the roles it assumes (CD001).
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["glue.amazonaws.com","rekognition.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
    let f = run_with(ResourceType::IamRole, p, &AnalysisOptions::default());
    let cd001 = f
        .iter()
        .find(|f| f.rule.id == "CD001")
        .expect("CD001 for rekognition");
    let cd100 = f
        .iter()
        .find(|f| f.rule.id == "CD100")
        .expect("CD100 for glue");
    assert_eq!(
        (cd001.severity, cd100.severity),
        (Severity::High, Severity::Low)
    );
    assert!(cd001.message.contains("rekognition.amazonaws.com") && !cd001.message.contains("glue"));
    assert!(cd100.message.contains("glue.amazonaws.com") && !cd100.message.contains("rekognition"));
    // A condition is suggested for the passed-role service only where AWS
    // documents that it sends the keys.
    let glue = knowledge().lookup("glue.amazonaws.com").expect("known");
    assert_eq!(
        cd100.suggested_condition.is_some(),
        glue.sts_source_keys == KeySupport::Sent
    );
    // Both findings list every principal of the statement.
    assert_eq!(cd001.principals, cd100.principals);
}

#[test]
fn guarded_statement_explanation_names_the_deny() {
    let p = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}}},
        {"Sid":"DenyOthers","Effect":"Deny","Principal":"*","Action":"sqs:*","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
    let f = run_with(ResourceType::SqsQueue, p, &AnalysisOptions::default());
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule.id, "CD004");
    assert!(
        f[0].message
            .contains("Deny statement 1 (Sid \"DenyOthers\")"),
        "{}",
        f[0].message
    );
}

#[test]
fn public_fix_uses_org_id_when_given() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}"#;
    let opts = AnalysisOptions {
        org_ids: vec!["o-a1b2c3d4e5".into()],
        ..AnalysisOptions::default()
    };
    let f = run_with(ResourceType::S3Bucket, p, &opts);
    assert_eq!(f[0].rule.id, "CD009");
    assert_eq!(f[0].principals, ["*"]);
    assert_eq!(
        f[0].suggested_condition,
        Some(serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))
    );
}

#[test]
fn messages_escape_control_characters_from_the_policy() {
    // The IoT page extraction put newlines inside values; a report line must
    // show them, not break on them.
    let p = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"iot.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringLike\":{\"aws:SourceAccount\":\"\\n1111*\\n\"}}}]}";
    let f = run_with(ResourceType::IamRole, p, &AnalysisOptions::default());
    assert_eq!(f[0].rule.id, "CD002");
    assert!(!f[0].message.contains('\n'), "{}", f[0].message);
}

#[test]
fn unknown_owner_account_suggests_a_placeholder_and_skips_cd004() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}}}]}"#;
    let mut r = resource(ResourceType::SqsQueue, p);
    r.account_id = String::new();
    assert_eq!(analyze(&r, &AnalysisOptions::default()), Ok(vec![]));
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}]}"#;
    r.policy = Some(p.to_string());
    let f = analyze(&r, &AnalysisOptions::default()).expect("ok");
    assert_eq!(
        f[0].suggested_condition
            .as_ref()
            .and_then(|c| c["StringEquals"]["aws:SourceAccount"].as_str()),
        Some("<account-id>")
    );
}

#[test]
fn a_deny_for_one_service_leaves_the_other_reported() {
    let p = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":["sns.amazonaws.com","s3.amazonaws.com"]},"Action":"sqs:SendMessage"},
        {"Sid":"OnlySns","Effect":"Deny","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
    let f = run_with(ResourceType::SqsQueue, p, &AnalysisOptions::default());
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .starts_with("s3.amazonaws.com can be pointed at this sqs-queue from any AWS account"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("guards only sns.amazonaws.com"),
        "{}",
        f[0].message
    );
    // S3 source ARNs carry no account, so only SourceAccount is suggested.
    assert_eq!(
        f[0].suggested_condition,
        Some(serde_json::json!({"StringEquals": {"aws:SourceAccount": OWNER}}))
    );
}

#[test]
fn suggested_source_arn_only_when_every_service_has_a_pattern() {
    let run = |services: &str| {
        let p = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":{services}}},"Action":"sqs:SendMessage"}}]}}"#
        );
        run_with(ResourceType::SqsQueue, &p, &AnalysisOptions::default())
            .remove(0)
            .suggested_condition
            .expect("a suggestion")
    };
    // Two known services: both patterns, as a list.
    assert_eq!(
        run(r#"["sns.amazonaws.com","events.amazonaws.com"]"#)["ArnLike"]["aws:SourceArn"],
        serde_json::json!([
            "arn:aws:events:*:111122223333:rule/*",
            "arn:aws:sns:*:111122223333:*"
        ])
    );
    // An unknown service has no pattern: a SourceArn for SNS alone would lock it out.
    assert!(run(r#"["sns.amazonaws.com","newservice.amazonaws.com"]"#)
        .get("ArnLike")
        .is_none());
}

/// The rules are the one classifier: a pinned statement, a guarded one and a
/// Deny have no finding, the exposed one CD001, the one that can never match CD007.
#[test]
fn pinned_guarded_exposed_and_dead_statements() {
    let p = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},
        {"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage"},
        {"Sid":"DenyOthers","Effect":"Deny","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:*","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}},
        {"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage"},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:*"},
        {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}}]}"#;
    let r = resource(ResourceType::SqsQueue, p);
    let findings = analyze(&r, &AnalysisOptions::default()).expect("ok");
    let ids: Vec<(String, usize)> = findings
        .iter()
        .map(|f| (f.rule.id.to_string(), f.statement_index))
        .collect();
    assert_eq!(ids, pairs(&[("CD001", 3), ("CD007", 5)]));
    assert!(
        findings[0].message.starts_with("s3.amazonaws.com"),
        "{}",
        findings[0].message
    );
}

/// A finding on a statement that a Deny guards names the Deny in its message
/// and refers to it (reports show it as a related location).
#[test]
fn findings_on_a_guarded_statement_refer_to_the_deny() {
    let p = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"},
        {"Sid":"DenyOthers","Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Condition":{"StringNotEquals":{"aws:SourceAccount":"444455556666"}}}]}"#;
    let findings = analyze(
        &resource(ResourceType::SqsQueue, p),
        &AnalysisOptions::default(),
    )
    .expect("analyzes");
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f.rule.id, "CD004");
    assert_eq!(
        f.guarded_by,
        Some(deputy_audit_analyze::StatementRef {
            index: 1,
            sid: Some("DenyOthers".to_string())
        })
    );
    assert!(
        f.message.contains("Deny statement 1 (Sid \"DenyOthers\")"),
        "{}",
        f.message
    );
    // An unguarded finding refers to no statement.
    let open = analyze(
        &resource(
            ResourceType::SqsQueue,
            r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#,
        ),
        &AnalysisOptions::default(),
    )
    .expect("analyzes");
    assert_eq!(open[0].guarded_by, None);
}

/// AWS IoT documents that some of its STS integrations send no source keys:
/// the advice to add them must carry that warning, on trust policies only.
#[test]
fn iot_trust_recommendation_repeats_the_documented_sts_caveat() {
    let trust = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
    let findings = analyze(
        &resource(ResourceType::IamRole, trust),
        &AnalysisOptions::default(),
    )
    .expect("analyzes");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule.id, "CD001");
    assert!(
        findings[0].recommendation.contains("AccessDenied"),
        "{}",
        findings[0].recommendation
    );
    assert!(
        findings[0].suggested_condition.is_some(),
        "the condition is still suggested"
    );

    let queue = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sqs:SendMessage"}}"#;
    let findings = analyze(
        &resource(ResourceType::SqsQueue, queue),
        &AnalysisOptions::default(),
    )
    .expect("analyzes");
    assert!(
        !findings[0].recommendation.contains("AccessDenied"),
        "STS caveats are for trust policies"
    );
}

/// Oversized documents are refused before parsing; deep nesting is refused by
/// the JSON parser's recursion limit. Both are errors, never panics.
#[test]
fn oversized_and_deeply_nested_documents_are_errors() {
    let big = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Sid":"{}"}}]}}"#,
        "x".repeat(deputy_audit_analyze::policy::MAX_POLICY_BYTES)
    );
    match analyze(
        &resource(ResourceType::S3Bucket, &big),
        &AnalysisOptions::default(),
    ) {
        Err(PolicyError::TooLarge { bytes, limit }) => assert!(bytes > limit),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let deep = format!(
        r#"{{"Statement":{}{}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(matches!(
        analyze(
            &resource(ResourceType::S3Bucket, &deep),
            &AnalysisOptions::default()
        ),
        Err(PolicyError::InvalidJson { .. })
    ));
}

/// Duplicate keys (issue 10): whichever copy comes last, the findings are the
/// same, the worse reading is reported, and CD008 names the duplicated key.
#[test]
fn duplicate_keys_never_make_the_verdict_depend_on_key_order() {
    let grant = |effect_a: &str, effect_b: &str| {
        format!(
            r#"{{"Statement":{{"Effect":"{effect_a}","Effect":"{effect_b}","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage"}}}}"#
        )
    };
    let condition = |a: &str, b: &str| {
        format!(
            r#"{{"Statement":{{"Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage","Condition":{{"StringEquals":{{"aws:SourceAccount":"{a}","aws:SourceAccount":"{b}"}}}}}}}}"#
        )
    };
    let statement = |a: &str, b: &str| {
        format!(
            r#"{{"Statement":{{"Effect":"{a}","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage"}},"statement":{{"Effect":"{b}","Principal":"*","Action":"sqs:ReceiveMessage"}}}}"#
        )
    };
    let cases = [
        (
            grant("Allow", "Deny"),
            grant("Deny", "Allow"),
            &[("CD001", 0), ("CD008", 0)][..],
            "\"Effect\" appears twice",
        ),
        (
            condition(OWNER, "444455556666"),
            condition("444455556666", OWNER),
            &[("CD004", 0), ("CD008", 0)][..],
            "\"aws:SourceAccount\" appears twice",
        ),
        (
            statement("Allow", "Allow"),
            statement("Allow", "Allow")
                .replacen("\"Statement\"", "\"tmp\"", 1)
                .replacen("\"statement\"", "\"Statement\"", 1)
                .replacen("\"tmp\"", "\"statement\"", 1),
            &[("CD001", 0), ("CD008", 0), ("CD009", 0)][..],
            "both appear in the document",
        ),
    ];
    for (one_order, other_order, expected, named) in cases {
        let a = analyze(
            &resource(ResourceType::SqsQueue, &one_order),
            &AnalysisOptions::default(),
        )
        .expect("analyzes");
        let b = analyze(
            &resource(ResourceType::SqsQueue, &other_order),
            &AnalysisOptions::default(),
        )
        .expect("analyzes");
        let keys = |fs: &[deputy_audit_analyze::Finding]| {
            fs.iter()
                .map(|f| (f.rule.id.to_string(), f.statement_index))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&a), pairs(expected), "{one_order}");
        assert_eq!(
            keys(&a),
            keys(&b),
            "key order changed the verdict:\n{one_order}\n{other_order}"
        );
        let cd008 = a.iter().find(|f| f.rule.id == "CD008").expect("CD008");
        assert!(
            cd008.message.contains("ambiguous") && cd008.message.contains(named),
            "{}",
            cd008.message
        );
    }
}
