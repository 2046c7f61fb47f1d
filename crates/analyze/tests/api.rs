//! The public API, exercised the way the binary uses it.

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
        aws_managed: false,
    }
}

fn ids(rt: ResourceType, policy: &str) -> Vec<(String, usize)> {
    analyze(&resource(rt, policy), &AnalysisOptions::default())
        .expect("analyzes")
        .into_iter()
        .map(|f| (f.rule_id, f.statement_index))
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
    assert_eq!(f.rule_id, "CD001");
    assert_eq!(f.rule_name, "missing-source-condition");
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
            "ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}
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
    assert_eq!(all.len(), 11);
    assert_eq!(
        deputy_audit_analyze::rule("cd009").map(|r| r.name),
        Some("public-principal")
    );
    assert!(deputy_audit_analyze::rule("CD999").is_none());
}
