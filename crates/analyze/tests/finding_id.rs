//! The stable finding id: same finding, same id across runs and cosmetic edits.

// Test code: a failed unwrap is the test's failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, ResourceType};

const ARN: &str = "arn:aws:sqs:us-east-1:111122223333:q";

fn ids_for(arn: &str, policy: &str) -> Vec<(String, String)> {
    let resource = ResourcePolicy {
        arn: arn.to_string(),
        resource_type: ResourceType::SqsQueue,
        account_id: "111122223333".to_string(),
        region: "us-east-1".to_string(),
        policy: Some(policy.to_string()),
        aws_managed: None,
    };
    analyze(&resource, &AnalysisOptions::default())
        .expect("analyzes")
        .into_iter()
        .map(|f| (f.rule.id.to_string(), f.finding_id))
        .collect()
}

fn ids(policy: &str) -> Vec<(String, String)> {
    ids_for(ARN, policy)
}

#[test]
fn id_has_the_documented_shape() {
    let got = ids(
        r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#,
    );
    assert_eq!(got.len(), 1);
    let id = &got[0].1;
    assert!(id.starts_with("DA-"), "{id}");
    assert_eq!(id.len(), 3 + 16, "{id}");
    assert!(id[3..]
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
}

#[test]
fn reordered_keys_lists_and_statements_keep_the_id() {
    let a = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:*"},
        {"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","sns.amazonaws.com"]},"Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"*"}]}"#;
    let b = r#"{"Statement":[
        {"Resource":["*"],"Action":["SQS:GetQueueUrl","sqs:SendMessage"],"Principal":{"Service":["sns.amazonaws.com","events.amazonaws.com"]},"Effect":"Allow"},
        {"Action":"sqs:*","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"}}],"Version":"2012-10-17"}"#;
    let (ia, ib) = (ids(a), ids(b));
    assert!(!ia.is_empty());
    assert_eq!(ia, ib);
}

#[test]
fn different_rule_resource_or_statement_give_different_ids() {
    let open = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#;
    let other_action = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:ReceiveMessage"}}"#;
    let here = ids(open);
    let elsewhere = ids_for("arn:aws:sqs:us-east-1:111122223333:other", open);
    assert_eq!(here.len(), 1);
    assert_ne!(here[0].1, elsewhere[0].1);
    assert_ne!(here[0].1, ids(other_action)[0].1);
    // Two rules on one statement: two ids.
    let foreign = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage"},
        {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}"#;
    let all = ids(foreign);
    let mut unique: Vec<_> = all.iter().map(|(_, id)| id.clone()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "{all:?}");
}

#[test]
fn a_sid_keeps_the_id_through_condition_edits() {
    let before = r#"{"Statement":[{"Sid":"FromSns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}"#;
    let after = r#"{"Statement":[{"Sid":"AlsoOther","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:*"},
        {"Sid":"FromSns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["sqs:SendMessage"],"Condition":{"StringEquals":{"aws:SourceAccount":"888888888888"}}}]}"#;
    let (b, a) = (ids(before), ids(after));
    assert!(!b.is_empty());
    assert_eq!(b, a);
    // Without the Sid the condition is part of the identity.
    let strip = |s: &str| s.replace(r#""Sid":"FromSns","#, "");
    assert_ne!(ids(&strip(before)), ids(&strip(after)));
}

#[test]
fn a_duplicated_sid_falls_back_to_the_statement() {
    let p = r#"{"Statement":[
        {"Sid":"S","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"},
        {"Sid":"S","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage"}]}"#;
    let got = ids(p);
    assert_eq!(got.len(), 2);
    assert_ne!(got[0].1, got[1].1);
}
