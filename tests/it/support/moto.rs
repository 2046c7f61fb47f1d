//! What every moto integration test needs: moto's server address, a check that fails
//! (never skips) when it does not answer, SDK configs for seeding it, and the
//! environment that points the binary at LocalStack for everything and at moto for the
//! services LocalStack lacks, through the SDK's standard per-service endpoint variables
//! (the same code path as real AWS: no flag, no special casing in `src/`).
//!
//! Included with `#[path = "support/moto.rs"] mod moto;` beside `harness.rs`.
#![allow(dead_code)]

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

pub const DEFAULT_MOTO_ENDPOINT: &str = "http://127.0.0.1:5566";

/// moto's default account: with credentials it did not issue, every request is this
/// account's (moto's `DEFAULT_ACCOUNT_ID`).
pub const MOTO_ACCOUNT: &str = "123456789012";

pub fn moto_endpoint() -> String {
    std::env::var("DEPUTY_AUDIT_TEST_MOTO_ENDPOINT")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MOTO_ENDPOINT.to_string())
}

/// Panics unless moto's server answers `GET /moto-api/data.json` with JSON. No skip path.
pub fn require_moto(endpoint: &str) {
    if let Err(reason) = moto_health(endpoint) {
        panic!(
            "moto's server is not reachable at {endpoint} ({reason}); start it with \
             `moto/start.sh` (or run the README's test command, `scripts/test.sh`)"
        );
    }
}

fn moto_health(endpoint: &str) -> Result<(), String> {
    super::harness::http_get_json(endpoint, "/moto-api/data.json").map(|_| ())
}

/// An SDK config for seeding moto directly (tests only write through this).
pub fn moto_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test",
            "test",
            None,
            None,
            "moto-seed",
        )))
        .build()
}

/// Environment for the binary: LocalStack for every service through `AWS_ENDPOINT_URL`
/// and moto for `services` through `AWS_ENDPOINT_URL_<SERVICE>`. Not `--endpoint-url`:
/// an endpoint set in code outranks the per-service variables in the AWS SDK.
pub fn endpoint_env(localstack: &str, moto: &str, services: &[&str]) -> Vec<(String, String)> {
    let mut env = vec![("AWS_ENDPOINT_URL".to_string(), localstack.to_string())];
    for service in services {
        env.push((
            format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase()),
            moto.to_string(),
        ));
    }
    env
}

/// A name nobody used before on a long-lived moto server.
pub fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{}-{}", std::process::id(), nanos % 1_000_000_000)
}
