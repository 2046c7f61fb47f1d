//! What every moto integration test needs: moto's server address, a check that fails
//! (never skips) when it does not answer, SDK configs for seeding it, and the
//! environment that points the binary at LocalStack for everything and at moto for the
//! services LocalStack lacks, through the SDK's standard per-service endpoint variables
//! (the same code path as real AWS: no flag, no special casing in `src/`).
//!
//! Included with `#[path = "support/moto.rs"] mod moto;` beside `harness.rs`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

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
    let rest = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| "only http:// endpoints can be health-checked".to_string())?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority} resolves to no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("no response: {e}"))?;
    let status = response.lines().next().unwrap_or_default();
    if !status.contains(" 200") {
        return Err(format!(
            "answered {status:?}; is another server on that port?"
        ));
    }
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str::<serde_json::Value>(body)
        .map(|_| ())
        .map_err(|e| format!("answer is not moto's JSON: {e}"))
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
