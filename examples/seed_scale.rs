//! Fills LocalStack with a synthetic account at scale for the scan benchmark
//! (`scripts/bench-scan.sh`): IAM roles, SQS queues, SNS topics, S3 buckets and KMS keys,
//! each with a policy that is protected, unprotected or weak, in turn.
//!
//! ```text
//! cargo run --example seed_scale -- [--endpoint-url URL] [--account ID] [--region R]
//!     [--roles N] [--queues N] [--topics N] [--buckets N] [--keys N] [--concurrency N]
//! ```
//!
//! Defaults: the issue's scale (2,000 roles; 500 queues, topics and buckets; 200 keys) in
//! account 000000424242, us-east-1. Creates run concurrently. Running it again on a seeded
//! account changes nothing: a marker queue created last says the seed is complete, and
//! an interrupted seed is completed (creates are idempotent; keys are counted first).
//! Prints the resource counts as `type<TAB>count` lines on stdout.

// A developer tool built on the test support code (`#[path]`): it prints its
// progress and results, and shares that code's unwraps and `pub` items.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    unreachable_pub
)]

#[path = "../tests/it/support/seed/mod.rs"]
mod seed;

use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use futures::{StreamExt, TryStreamExt};

const MARKER_QUEUE: &str = "da-scale-complete";

struct Args {
    endpoint: String,
    account: String,
    region: String,
    roles: usize,
    queues: usize,
    topics: usize,
    buckets: usize,
    keys: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        endpoint: "http://127.0.0.1:4566".into(),
        account: "000000424242".into(),
        region: "us-east-1".into(),
        roles: 2000,
        queues: 500,
        topics: 500,
        buckets: 500,
        keys: 200,
        concurrency: 32,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        let n = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} {value}"))
        };
        match flag.as_str() {
            "--endpoint-url" => a.endpoint = value.clone(),
            "--account" => a.account = value.clone(),
            "--region" => a.region = value.clone(),
            "--roles" => a.roles = n()?,
            "--queues" => a.queues = n()?,
            "--topics" => a.topics = n()?,
            "--buckets" => a.buckets = n()?,
            "--keys" => a.keys = n()?,
            "--concurrency" => a.concurrency = n()?.max(1),
            other => return Err(anyhow!("unknown argument {other}")),
        }
    }
    if a.account.len() != 12 || !a.account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(anyhow!("--account must be 12 digits"));
    }
    Ok(a)
}

/// Which of the three policy shapes resource `i` gets.
#[derive(Clone, Copy)]
enum Shape {
    /// `aws:SourceAccount` pins the caller: no finding.
    Protected,
    /// A service principal and no condition: CD001.
    Unprotected,
    /// A condition that pins nothing (`aws:SourceArn` like `*`).
    Weak,
}

fn shape(i: usize) -> Shape {
    match i % 3 {
        0 => Shape::Protected,
        1 => Shape::Unprotected,
        _ => Shape::Weak,
    }
}

fn condition(shape: Shape, account: &str) -> serde_json::Value {
    match shape {
        Shape::Protected => serde_json::json!({"StringEquals": {"aws:SourceAccount": account}}),
        Shape::Unprotected => serde_json::json!(null),
        Shape::Weak => serde_json::json!({"ArnLike": {"aws:SourceArn": "*"}}),
    }
}

/// One statement letting `service` do `action` on `resource`, shaped by `i`.
fn policy(i: usize, account: &str, service: &str, action: &str, resource: &str) -> String {
    let mut statement = serde_json::json!({
        "Sid": format!("Scale{i}"),
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": action,
        "Resource": resource,
    });
    let c = condition(shape(i), account);
    if !c.is_null() {
        statement["Condition"] = c;
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn trust_policy(i: usize, account: &str) -> String {
    let mut statement = serde_json::json!({
        "Effect": "Allow",
        "Principal": {"Service": "iot.amazonaws.com"},
        "Action": "sts:AssumeRole",
    });
    let c = condition(shape(i), account);
    if !c.is_null() {
        statement["Condition"] = c;
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn err<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    )
}

/// Runs `f(0..n)` with at most `concurrency` in flight, failing on the first error.
async fn each<F, Fut>(n: usize, concurrency: usize, f: F) -> Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    futures::stream::iter((0..n).map(f))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

async fn seed(a: &Args) -> Result<()> {
    let conf = seed::sdk_config(&a.endpoint, &a.account, &a.region);
    let iam_conf = seed::sdk_config(&a.endpoint, &a.account, "us-east-1");
    let iam = aws_sdk_iam::Client::new(&iam_conf);
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let sns = aws_sdk_sns::Client::new(&conf);
    let kms = aws_sdk_kms::Client::new(&conf);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let (account, region, c) = (a.account.as_str(), a.region.as_str(), a.concurrency);

    each(a.roles, c, |i| {
        let iam = iam.clone();
        async move {
            let name = format!("da-scale-role-{i:05}");
            match iam
                .create_role()
                .role_name(&name)
                .assume_role_policy_document(trust_policy(i, account))
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_entity_already_exists_exception()) =>
                {
                    Ok(())
                }
                Err(e) => Err(err(e)).context(format!("CreateRole {name}")),
            }
        }
    })
    .await?;
    eprintln!("seed_scale: {} roles", a.roles);

    each(a.queues, c, |i| {
        let sqs = sqs.clone();
        async move {
            let name = format!("da-scale-queue-{i:05}");
            let arn = format!("arn:aws:sqs:{region}:{account}:{name}");
            let doc = policy(i, account, "sns.amazonaws.com", "sqs:SendMessage", &arn);
            sqs.create_queue()
                .queue_name(&name)
                .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, doc)
                .send()
                .await
                .map_err(err)
                .with_context(|| format!("CreateQueue {name}"))?;
            Ok(())
        }
    })
    .await?;
    eprintln!("seed_scale: {} queues", a.queues);

    each(a.topics, c, |i| {
        let sns = sns.clone();
        async move {
            let name = format!("da-scale-topic-{i:05}");
            let arn = format!("arn:aws:sns:{region}:{account}:{name}");
            let doc = policy(i, account, "events.amazonaws.com", "sns:Publish", &arn);
            sns.create_topic()
                .name(&name)
                .attributes("Policy", doc)
                .send()
                .await
                .map_err(err)
                .with_context(|| format!("CreateTopic {name}"))?;
            Ok(())
        }
    })
    .await?;
    eprintln!("seed_scale: {} topics", a.topics);

    each(a.buckets, c, |i| {
        let s3 = s3.clone();
        async move {
            let name = format!("da-scale-{account}-{i:05}");
            let mut req = s3.create_bucket().bucket(&name);
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                            region,
                        ))
                        .build(),
                );
            }
            match req.send().await {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_bucket_already_owned_by_you()) => {}
                Err(e) => return Err(err(e)).context(format!("CreateBucket {name}")),
            }
            let arn = format!("arn:aws:s3:::{name}/*");
            s3.put_bucket_policy()
                .bucket(&name)
                .policy(policy(
                    i,
                    account,
                    "logging.s3.amazonaws.com",
                    "s3:PutObject",
                    &arn,
                ))
                .send()
                .await
                .map_err(err)
                .with_context(|| format!("PutBucketPolicy {name}"))?;
            Ok(())
        }
    })
    .await?;
    eprintln!("seed_scale: {} buckets", a.buckets);

    // Keys have no name to be idempotent on: count the customer keys there already.
    let existing = kms
        .list_keys()
        .limit(1000)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .len();
    each(a.keys.saturating_sub(existing), c, |i| {
        let kms = kms.clone();
        async move {
            let i = existing + i;
            kms.create_key()
                .description(format!("deputy-audit scale key {i}"))
                .policy(policy(
                    i,
                    account,
                    "cloudtrail.amazonaws.com",
                    "kms:GenerateDataKey*",
                    "*",
                ))
                .bypass_policy_lockout_safety_check(true)
                .send()
                .await
                .map_err(err)
                .with_context(|| format!("CreateKey {i}"))?;
            Ok(())
        }
    })
    .await?;
    eprintln!("seed_scale: {} keys", a.keys);

    sqs.create_queue()
        .queue_name(MARKER_QUEUE)
        .send()
        .await
        .map_err(err)
        .context("CreateQueue (marker)")?;
    Ok(())
}

async fn is_complete(a: &Args) -> Result<bool> {
    let sqs = aws_sdk_sqs::Client::new(&seed::sdk_config(&a.endpoint, &a.account, &a.region));
    match sqs.get_queue_url().queue_name(MARKER_QUEUE).send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(false)
        }
        Err(e) => Err(err(e)).context("GetQueueUrl (marker)"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("seed_scale: {e:#}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    match is_complete(&a).await {
        Ok(true) => eprintln!("seed_scale: account {} is already seeded", a.account),
        Ok(false) => {
            if let Err(e) = seed(&a).await {
                eprintln!("seed_scale: {e:#}");
                return ExitCode::FAILURE;
            }
            eprintln!(
                "seed_scale: seeded account {} in {:.1} s",
                a.account,
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!(
                "seed_scale: cannot reach {} ({e:#}); start LocalStack with localstack/start.sh",
                a.endpoint
            );
            return ExitCode::FAILURE;
        }
    }
    // The marker queue is counted too: the scanner lists it.
    println!("iam-role\t{}", a.roles);
    println!("sqs-queue\t{}", a.queues + 1);
    println!("sns-topic\t{}", a.topics);
    println!("s3-bucket\t{}", a.buckets);
    println!("kms-key\t{}", a.keys);
    ExitCode::SUCCESS
}
