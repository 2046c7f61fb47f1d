//! Seeds a demo account in LocalStack with every confused-deputy seed example and the
//! Lambda (function, version and alias policies), Secrets Manager, EventBridge bus and
//! CloudWatch Logs resource-policy fixtures, each in its protected and its stripped (no
//! `Condition`) form, plus one queue whose policy is not valid JSON, so that
//! `deputy-audit scan` has something to find; and, in the first region, the realistic
//! account of `tests/fixtures/realistic-account.json` (what real accounts hold: AWS-managed
//! roles and keys, service roles, console-made and log-delivery policies, a few real
//! exposures), so the demo shows how the scan judges an ordinary account too.
//!
//! ECR lives in moto's server (open-source LocalStack has none): an open repository
//! policy (codebuild.amazonaws.com pulls, nothing pinned) and a pinned one
//! (aws:SourceAccount and aws:SourceArn), in [`ECR_REGION`]. moto answers every caller
//! whose access key it did not issue as its one default account, and the integration
//! tests scan ECR in moto too: the demo's repositories go to a region no test scans, so
//! a demo run never adds findings to the tests' scans. They are kept apart from the
//! realistic account's fixture, whose test scans LocalStack alone.
//!
//! ```text
//! cargo run --example seed_demo -- [--endpoint-url URL] [--moto-endpoint-url URL]
//!     [--account ID] [--region R]...
//! ```
//!
//! Defaults: http://127.0.0.1:4566, moto at http://127.0.0.1:5566, account
//! 000000000000, regions us-east-1 and eu-west-1. Running it again on a seeded account
//! changes nothing.

// A developer tool built on the test support code (`#[path]`): it prints its
// progress and results, and shares that code's unwraps and `pub` items.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    unreachable_pub
)]

#[path = "../tests/it/support/realistic.rs"]
mod realistic;
#[path = "../tests/it/support/seed/mod.rs"]
mod seed;

use std::process::ExitCode;

/// Where the demo's ECR repositories live in moto: a region no integration test scans.
const ECR_REGION: &str = "us-west-2";

// A plain multi-line literal: `\` line continuations would eat the indentation.
const USAGE: &str = "usage: seed_demo [--endpoint-url URL] [--moto-endpoint-url URL] [--account ID] [--region REGION]...
  --endpoint-url URL   AWS-compatible endpoint (default http://127.0.0.1:4566)
  --moto-endpoint-url URL
                       moto's server, for ECR (default http://127.0.0.1:5566); the
                       repositories go to us-west-2
  --account ID         12-digit account id, used as the access key id (default 000000000000)
  --region REGION      region to spread regional resources over; repeatable
                       (default us-east-1 and eu-west-1)";

struct Args {
    endpoint: String,
    moto_endpoint: String,
    account: String,
    regions: Vec<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut endpoint = "http://127.0.0.1:4566".to_string();
    let mut moto_endpoint = "http://127.0.0.1:5566".to_string();
    let mut account = "000000000000".to_string();
    let mut regions = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--endpoint-url" => endpoint = value()?,
            "--moto-endpoint-url" => moto_endpoint = value()?,
            "--account" => account = value()?,
            "--region" => regions.push(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("--account must be 12 digits, got {account:?}"));
    }
    if regions.is_empty() {
        regions = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
    }
    Ok(Some(Args {
        endpoint,
        moto_endpoint,
        account,
        regions,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("seed_demo: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // Endpoints through the SDK's variables, not --endpoint-url (which would outrank
    // the per-service one): LocalStack for everything, moto for ECR.
    let scan_hint = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL={} \
         AWS_ENDPOINT_URL_ECR={} deputy-audit scan {} --region {ECR_REGION}",
        args.account,
        args.endpoint,
        args.moto_endpoint,
        args.regions
            .iter()
            .map(|r| format!("--region {r}"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    match seed::seed_state(&args.endpoint, &args.account, &args.regions).await {
        Ok(seed::SeedState::Complete) => {
            println!(
                "seed examples: account {} at {} is already seeded",
                args.account, args.endpoint
            );
        }
        Ok(seed::SeedState::Outdated) => {
            eprintln!(
                "seed_demo: account {} at {} holds a demo seeded by an older version, without \
                 the Lambda, Secrets Manager, EventBridge and CloudWatch Logs fixtures; restart \
                 LocalStack (localstack/stop.sh, localstack/start.sh) or pass another --account",
                args.account, args.endpoint
            );
            return ExitCode::FAILURE;
        }
        Ok(seed::SeedState::Partial) => {
            eprintln!(
                "seed_demo: account {} at {} holds part of the demo (an earlier seed was \
                 interrupted); restart LocalStack (localstack/stop.sh, localstack/start.sh) \
                 or pass another --account",
                args.account, args.endpoint
            );
            return ExitCode::FAILURE;
        }
        Ok(seed::SeedState::Absent) => {
            match seed::seed_account(&args.endpoint, &args.account, &args.regions).await {
                Ok(manifest) => println!("seeded demo {}", manifest.summary()),
                Err(e) => {
                    eprintln!("seed_demo: seeding failed: {e:#}");
                    return ExitCode::FAILURE;
                }
            }
        }
        Err(e) => {
            eprintln!(
                "seed_demo: cannot reach {} ({e:#}); start LocalStack with localstack/start.sh",
                args.endpoint
            );
            return ExitCode::FAILURE;
        }
    }

    // The realistic account goes into the same account, so one scan shows both; its
    // regional resources go to the first region.
    let region = &args.regions[0];
    match realistic::realistic_state(&args.endpoint, &args.account).await {
        Ok(seed::SeedState::Complete) => {
            println!("realistic account: {} is already seeded", args.account);
        }
        Ok(seed::SeedState::Absent) => {
            match realistic::seed_realistic(
                &args.endpoint,
                &args.account,
                region,
                realistic::Variant::WithExposures,
            )
            .await
            {
                Ok(manifest) => println!("seeded {}", manifest.summary()),
                Err(e) => {
                    eprintln!("seed_demo: seeding the realistic account failed: {e:#}");
                    return ExitCode::FAILURE;
                }
            }
        }
        Ok(_) => {
            eprintln!(
                "seed_demo: account {} at {} holds part of the realistic account (an earlier \
                 seed was interrupted); restart LocalStack (localstack/stop.sh, \
                 localstack/start.sh) or pass another --account",
                args.account, args.endpoint
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("seed_demo: checking the realistic account failed: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    match seed_ecr(&args.moto_endpoint, &args.account).await {
        Ok(n) => println!(
            "ECR: {n} repositories (one open, one pinned) in {ECR_REGION} at {}",
            args.moto_endpoint
        ),
        Err(e) => {
            eprintln!(
                "seed_demo: seeding ECR in moto at {} failed: {e}; start moto's server with \
                 moto/start.sh",
                args.moto_endpoint
            );
            return ExitCode::FAILURE;
        }
    }
    println!("scan it with: {scan_hint}");
    ExitCode::SUCCESS
}

/// codebuild.amazonaws.com pulling images, pinned to `account`'s build project or not.
fn ecr_policy(account: Option<&str>) -> String {
    let mut statement = serde_json::json!({
        "Sid": "CodeBuildPull",
        "Effect": "Allow",
        "Principal": { "Service": "codebuild.amazonaws.com" },
        "Action": [
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability"
        ]
    });
    if let Some(account) = account {
        statement["Sid"] = "CodeBuildPullPinned".into();
        statement["Condition"] = serde_json::json!({
            "ArnLike": {
                "aws:SourceArn": format!("arn:aws:codebuild:{ECR_REGION}:{account}:project/demo-builder")
            },
            "StringEquals": { "aws:SourceAccount": account }
        });
    }
    serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string()
}

/// The open and the pinned repository, in moto's server. Idempotent: an existing
/// repository is reused and its policy set again.
async fn seed_ecr(moto_endpoint: &str, account: &str) -> Result<usize, String> {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(ECR_REGION))
        .endpoint_url(moto_endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(account, "test", None, None, "seed-demo"),
            ),
        )
        .build();
    let ecr = aws_sdk_ecr::Client::new(&config);
    let repositories = [
        ("deputy-audit-demo-open", ecr_policy(None)),
        ("deputy-audit-demo-pinned", ecr_policy(Some(account))),
    ];
    for (name, policy) in &repositories {
        if let Err(err) = ecr.create_repository().repository_name(*name).send().await {
            let exists = err
                .as_service_error()
                .is_some_and(|e| e.is_repository_already_exists_exception());
            if !exists {
                return Err(format!("CreateRepository {name}: {err:?}"));
            }
        }
        ecr.set_repository_policy()
            .repository_name(*name)
            .policy_text(policy)
            .send()
            .await
            .map_err(|e| format!("SetRepositoryPolicy {name}: {e:?}"))?;
    }
    Ok(repositories.len())
}
