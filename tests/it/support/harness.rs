//! What every LocalStack integration test needs: the endpoint, a health check
//! that fails (never skips) when LocalStack is missing, fresh account ids, and a
//! way to run the real binary with nothing from the developer's AWS setup.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::moto::moto_endpoint;

pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";

/// The services the seeder writes to and the scanner reads (the last four for
/// the wiring's source kinds).
pub const REQUIRED_SERVICES: [&str; 14] = [
    "iam",
    "sts",
    "sqs",
    "sns",
    "s3",
    "kms",
    "lambda",
    "secretsmanager",
    "events",
    "logs",
    "cloudwatch",
    "config",
    "apigateway",
    "scheduler",
];

/// Every source kind open-source LocalStack can answer for: all but
/// `cloudtrail-trails` (LocalStack has no CloudTrail; that kind is tested
/// against moto, `moto::cloudtrail`). For scans of LocalStack accounts that
/// hold CloudTrail's targets and must come out complete and error-free.
pub const LOCALSTACK_SOURCES: &str = "s3-notifications,sns-subscriptions,eventbridge-targets,\
cloudwatch-alarms,log-group-keys,log-subscriptions,config-delivery,apigateway-integrations,scheduler-schedules";

/// Generous: a scan of ~30 resources takes seconds; this only stops a hung binary from
/// hanging the test run.
pub const SCAN_TIMEOUT: Duration = Duration::from_secs(300);

pub fn test_endpoint() -> String {
    std::env::var("DEPUTY_AUDIT_TEST_ENDPOINT")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string())
}

/// Panics unless LocalStack answers its health check with every needed service usable.
/// Deliberately no skip path, whether or not `CI=true`.
pub fn require_localstack(endpoint: &str) {
    if let Err(reason) = localstack_health(endpoint) {
        panic!(
            "LocalStack is not reachable at {endpoint} ({reason}); start it with \
             `localstack/start.sh` (or run the README's test command, `scripts/test.sh`)"
        );
    }
    // Every scan also reads ECR, which moto's server serves.
    super::moto::require_moto(&moto_endpoint());
}

/// `GET /_localstack/health`, with every needed service usable.
pub fn localstack_health(endpoint: &str) -> Result<(), String> {
    let health = http_get_json(endpoint, "/_localstack/health")?;
    for service in REQUIRED_SERVICES {
        let state = health["services"][service].as_str().unwrap_or("missing");
        if state != "running" && state != "available" {
            return Err(format!("service {service} is {state}"));
        }
    }
    Ok(())
}

/// `GET path` on an `http://` endpoint over a plain socket (no HTTP client in the
/// dependencies): the JSON body of a 200 answer, or why there is none. Shared by
/// the LocalStack and moto health checks.
pub fn http_get_json(endpoint: &str, path: &str) -> Result<Value, String> {
    let rest = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| "only http:// endpoints can be health-checked".to_string())?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let addr_text = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = addr_text
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr_text}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr_text} resolves to no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    // HTTP/1.0: the body arrives unchunked and the server closes the connection.
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| format!("cannot send GET {path}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("no answer to GET {path}: {e}"))?;
    let status = response.lines().next().unwrap_or_default();
    if !status.contains(" 200") {
        return Err(format!(
            "GET {path} answered {status:?}; is another server on that port?"
        ));
    }
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).map_err(|e| format!("GET {path} answered no JSON: {e}"))
}

/// Account ids nobody used before, so reruns against a long-lived LocalStack see empty
/// accounts and the expected sets stay exact. Time and pid make them differ between
/// runs; `RandomState` adds per-process randomness without a `rand` dependency.
pub fn fresh_account_ids(n: usize) -> Vec<String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock before 1970")
        .as_nanos();
    let random = RandomState::new();
    let mut ids: Vec<String> = Vec::with_capacity(n);
    let mut salt = 0u64;
    while ids.len() < n {
        let hash = random.hash_one((nanos, std::process::id(), salt));
        salt += 1;
        // 12 digits, no leading zero, never LocalStack's default 000000000000.
        let id = format!("{}", 100_000_000_000 + hash % 900_000_000_000);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "exit code {:?}\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.code, self.stderr, self.stdout
        )
    }
}

/// An account id nobody used before (see [`fresh_account_ids`]).
pub fn fresh_account_id() -> String {
    fresh_account_ids(1).remove(0)
}

/// A runtime for the seeding helpers (async AWS SDK calls) in synchronous tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// `deputy-audit scan` for `account` in `regions` through `endpoint`, with nothing from
/// the developer's AWS setup leaking in (see [`clean_command`]).
pub fn scan_command(
    account: &str,
    regions: &[String],
    endpoint: &str,
    extra: &[&str],
    home: &Path,
) -> Command {
    let mut args = vec![
        "scan".to_string(),
        "--endpoint-url".to_string(),
        endpoint.to_string(),
    ];
    for region in regions {
        args.push("--region".to_string());
        args.push(region.clone());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let region = regions.first().map_or("us-east-1", String::as_str);
    clean_command(
        &args,
        &[("AWS_ACCESS_KEY_ID", account), ("AWS_REGION", region)],
        home,
    )
}

/// Runs `deputy-audit scan` for `account` (see [`scan_command`]), its HOME under `dir`.
pub fn run_scan(
    account: &str,
    regions: &[String],
    endpoint: &str,
    extra: &[&str],
    dir: &Path,
) -> Run {
    let cmd = scan_command(account, regions, endpoint, extra, &dir.join("home"));
    run_with_timeout(cmd, dir)
}

/// Runs the binary with `args` and a clean AWS environment (see [`clean_command`]), its
/// HOME under `dir`.
pub fn run_deputy_audit(args: &[String], env: &[(&str, &str)], dir: &Path) -> Run {
    run_with_timeout(clean_command(args, env, &dir.join("home")), dir)
}

/// The binary with `args` and a clean AWS environment: every `AWS_*` variable and
/// `DEPUTY_AUDIT_LOG` removed, `HOME` an empty directory (no ~/.aws), instance
/// metadata disabled, a dummy secret key, then `env` on top (the access key id is the
/// account, LocalStack's mapping). Standard input is empty.
pub fn clean_command(args: &[String], env: &[(&str, &str)], home: &Path) -> Command {
    std::fs::create_dir_all(home).expect("create temp HOME");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deputy-audit"));
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home)
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", home.join("no-such-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-such-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("DEPUTY_AUDIT_LOG")
        // ECR is served by moto's server (open-source LocalStack has none), reached
        // through the SDK's standard per-service variable; `env` may override it.
        .env("AWS_ENDPOINT_URL_ECR", moto_endpoint())
        .stdin(Stdio::null());
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd
}

/// Waits for the child, polling; kills it and panics after `timeout`.
pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("wait for deputy-audit") {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("deputy-audit did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `condition` every 10 ms until it holds; panics with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `cmd` to its end (at most [`SCAN_TIMEOUT`]), its output in files under `dir`.
pub fn run_with_timeout(mut cmd: Command, dir: &Path) -> Run {
    // Files rather than pipes: no reader threads, no pipe-buffer deadlock.
    let out_path = dir.join("stdout.txt");
    let err_path = dir.join("stderr.txt");
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let mut child = cmd.spawn().expect("spawn deputy-audit");
    let deadline = Instant::now() + SCAN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for deputy-audit") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    };
    assert!(
        status.is_some(),
        "deputy-audit did not finish within {SCAN_TIMEOUT:?}\n{}",
        run.describe()
    );
    run
}
