//! Measures analysis throughput on seed-sized policies:
//! `cargo run --release -p deputy-audit-analyze --example throughput [N]`.
//! With `--dump FILE.json...` it prints the findings of policy files instead.

// An example program: it prints its measurements, and fails loudly on a bad file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, ResourceType};

const POLICIES: &[(ResourceType, &str)] = &[
    (
        ResourceType::KmsKey,
        r#"{"Version":"2012-10-17","Statement":{"Sid":"ConfusedDeputyPreventionExamplePolicy","Effect":"Allow","Principal":{"Service":"profile.amazonaws.com"},"Action":["kms:GenerateDataKey","kms:CreateGrant","kms:Decrypt"],"Resource":["arn:aws:kms:us-east-1:111122223333:key/k"],"Condition":{" ArnEquals":{"aws:SourceArn":"arn:aws:profile:us-east-1:111122223333:domains/d/objects/t"},"StringEquals":{"aws:SourceAccount":"111122223333"}}}}"#,
    ),
    (
        ResourceType::IamRole,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:iot:us-east-1:111122223333:*"}}}]}"#,
    ),
    (
        ResourceType::SqsQueue,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"},{"Effect":"Deny","Principal":"*","Action":"sqs:ReceiveMessage","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]}"#,
    ),
    (
        ResourceType::IamRole,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    ),
];

fn resource(rt: ResourceType, text: &str) -> ResourcePolicy {
    ResourcePolicy {
        arn: "arn:aws:sqs:us-east-1:111122223333:q".to_string(),
        resource_type: rt,
        account_id: "111122223333".to_string(),
        region: "us-east-1".to_string(),
        policy: Some(text.to_string()),
        aws_managed: None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--dump") {
        for path in &args[1..] {
            let text = std::fs::read_to_string(path).expect("readable file");
            let case: serde_json::Value = serde_json::from_str(&text).expect("JSON file");
            let rt: ResourceType = case["resource_type"]
                .as_str()
                .unwrap_or("sqs-queue")
                .parse()
                .expect("resource type");
            let policy = match &case["policy"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("== {path}");
            match analyze(&resource(rt, &policy), &AnalysisOptions::default()) {
                Ok(findings) => {
                    for f in findings {
                        println!(
                            "{} {} statement {}: {}",
                            f.rule.id, f.severity, f.statement_index, f.message
                        );
                    }
                }
                Err(e) => println!("error: {e}"),
            }
        }
        return;
    }
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let resources: Vec<ResourcePolicy> = POLICIES.iter().map(|(rt, p)| resource(*rt, p)).collect();
    let opts = AnalysisOptions::default();
    let start = Instant::now();
    let mut findings = 0usize;
    for i in 0..n {
        findings += analyze(&resources[i % resources.len()], &opts).map_or(0, |f| f.len());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} policies in {secs:.3}s: {:.0} policies/s ({findings} findings)",
        n as f64 / secs
    );
}
