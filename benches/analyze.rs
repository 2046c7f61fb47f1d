//! Analyzer throughput: parse + analyze, in policies per second (criterion reports
//! elements/s), on one core.
//!
//! - `seed-corpus`: every seed example (tests/fixtures/seed-examples.json) in its
//!   protected and stripped forms, plus every case under tests/corpus/ when present;
//! - `large-policy`: one policy of 100 statements, half of them confused-deputy grants.
//!
//! `cargo bench --bench analyze` (figures in docs/benchmarks.md).

// A benchmark over fixed inputs: a failed unwrap is a broken benchmark, not an input error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, ResourceType};
use serde_json::Value;

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

fn resource(resource_type: ResourceType, arn: String, policy: String) -> ResourcePolicy {
    ResourcePolicy {
        arn,
        resource_type,
        account_id: ACCOUNT.to_string(),
        region: REGION.to_string(),
        policy: Some(policy),
        aws_managed: None,
    }
}

fn arn_for(resource_type: ResourceType) -> String {
    match resource_type {
        ResourceType::IamRole => format!("arn:aws:iam::{ACCOUNT}:role/bench"),
        ResourceType::S3Bucket => "arn:aws:s3:::bench".to_string(),
        other => format!("arn:aws:{}:{REGION}:{ACCOUNT}:bench", other.service()),
    }
}

/// Removes every statement's `Condition` (the seed's "stripped" form).
fn strip(doc: &mut Value) {
    match doc.get_mut("Statement") {
        Some(Value::Array(items)) => items.iter_mut().for_each(|s| {
            if let Some(o) = s.as_object_mut() {
                o.remove("Condition");
            }
        }),
        Some(Value::Object(o)) => {
            o.remove("Condition");
        }
        _ => {}
    }
}

fn seed_corpus() -> Vec<ResourcePolicy> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/fixtures/seed-examples.json"))
        .expect("seed catalogue");
    let catalogue: Value = serde_json::from_str(&text).expect("catalogue is JSON");
    let mut out = Vec::new();
    for example in catalogue["examples"].as_array().expect("examples") {
        let ty: ResourceType = example["resource_type"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("resource_type");
        let arn = arn_for(ty);
        let rendered = example["policy"]
            .to_string()
            .replace("{{ACCOUNT}}", ACCOUNT)
            .replace("{{REGION}}", REGION)
            .replace("{{PARTITION}}", "aws")
            .replace("{{RESOURCE_ARN}}", &arn);
        let mut stripped: Value = serde_json::from_str(&rendered).expect("rendered JSON");
        strip(&mut stripped);
        out.push(resource(ty, arn.clone(), rendered));
        out.push(resource(ty, arn, stripped.to_string()));
    }
    collect_corpus(&root.join("tests/corpus"), &mut out);
    out
}

/// Every `*.json` case under `dir` (the analyzer's corpus), if the directory exists.
fn collect_corpus(dir: &Path, out: &mut Vec<ResourcePolicy>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_corpus(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(case) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        else {
            continue;
        };
        let Some(ty) = case["resource_type"].as_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let policy = match &case["policy"] {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        let arn = case["arn"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| arn_for(ty));
        out.push(resource(ty, arn, policy));
    }
}

/// One SQS queue policy of `n` statements: even ones pinned by `aws:SourceArn` and
/// `aws:SourceAccount`, odd ones a bare service grant (a finding each).
fn large_policy(n: usize) -> ResourcePolicy {
    let arn = arn_for(ResourceType::SqsQueue);
    let statements: Vec<Value> = (0..n)
        .map(|i| {
            let mut s = serde_json::json!({
                "Sid": format!("S{i}"),
                "Effect": "Allow",
                "Principal": {"Service": ["sns.amazonaws.com", "events.amazonaws.com"]},
                "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                "Resource": arn,
            });
            if i % 2 == 0 {
                s["Condition"] = serde_json::json!({
                    "ArnLike": {"aws:SourceArn": format!("arn:aws:sns:{REGION}:{ACCOUNT}:topic-{i}")},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                });
            }
            s
        })
        .collect();
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    resource(ResourceType::SqsQueue, arn, doc.to_string())
}

fn bench(c: &mut Criterion) {
    let options = AnalysisOptions::default();
    let corpus = seed_corpus();
    // Every corpus policy must analyze; a bench over errors would measure nothing.
    let findings: usize = corpus
        .iter()
        .map(|r| analyze(r, &options).map(|f| f.len()).unwrap_or(0))
        .sum();
    assert!(findings > 0, "the seed corpus produced no findings");

    let mut group = c.benchmark_group("analyze");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function(BenchmarkId::new("seed-corpus", corpus.len()), |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &corpus {
                n += analyze(std::hint::black_box(r), &options).map_or(0, |f| f.len());
            }
            n
        })
    });
    for statements in [10usize, 100] {
        let large = large_policy(statements);
        group.throughput(Throughput::Elements(1));
        group.bench_function(
            BenchmarkId::new("large-policy-statements", statements),
            |b| b.iter(|| analyze(std::hint::black_box(&large), &options).map(|f| f.len())),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
