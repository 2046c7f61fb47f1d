//! The test suite's fault-injecting proxy as a standalone program: by default a counting
//! pass-through proxy, used by `scripts/bench-scan.sh` to count the API calls a scan makes.
//!
//! ```text
//! cargo run --example fault_proxy -- [--listen 127.0.0.1:4567] [--upstream URL]
//!     [--counts-file PATH] [--throttle SHARE] [--server-error SHARE] [--slow SHARE]
//!     [--drop SHARE] [--slow-ms MS] [--deny NAME]... [--rate-limit PER_SECOND]
//!     [--empty-body OPERATION]... [--spare SERVICE]...
//! ```
//!
//! It prints `listening on http://...` once ready. On SIGINT or SIGTERM it writes one line
//! per `(service, operation)` with its request count, as `service<TAB>operation<TAB>count`,
//! to `--counts-file` (atomically) or stdout, then exits.

// A developer tool built on the test support code (`#[path]`): it prints its
// progress and results, and shares that code's unwraps and `pub` items.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    unreachable_pub
)]

#[path = "../tests/it/support/fault_proxy.rs"]
mod fault_proxy;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use fault_proxy::{FaultPlan, FaultProxy};

struct Args {
    listen: String,
    upstream: String,
    counts_file: Option<String>,
    plan: FaultPlan,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:4567".into(),
        upstream: "http://127.0.0.1:4566".into(),
        counts_file: None,
        plan: FaultPlan::pass_through(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let share = |v: String| {
            v.parse::<f64>()
                .ok()
                .filter(|s| (0.0..=1.0).contains(s))
                .ok_or_else(|| format!("{v:?} is not a share between 0 and 1"))
        };
        match flag.as_str() {
            "--listen" => args.listen = value()?,
            "--upstream" => args.upstream = value()?,
            "--counts-file" => args.counts_file = Some(value()?),
            "--throttle" => args.plan.throttle = share(value()?)?,
            "--server-error" => args.plan.server_error = share(value()?)?,
            "--slow" => args.plan.slow = share(value()?)?,
            "--drop" => args.plan.drop_connection = share(value()?)?,
            "--slow-ms" => {
                let v = value()?;
                let ms = v.parse().map_err(|_| format!("--slow-ms {v:?}"))?;
                args.plan.slow_delay = Duration::from_millis(ms);
            }
            "--deny" => args.plan.deny.push(value()?),
            "--empty-body" => args.plan.empty_body.push(value()?),
            "--spare" => args.plan.spared_services.push(value()?),
            "--rate-limit" => {
                let v = value()?;
                let rate = v.parse::<f64>().ok().filter(|r| *r >= 1.0).ok_or_else(|| {
                    format!("--rate-limit {v:?}: requests per second, at least 1")
                })?;
                args.plan.rate_limit = Some(rate);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fault_proxy: {e}");
            return ExitCode::from(2);
        }
    };
    let proxy = match FaultProxy::start_on(&args.listen, &args.upstream, args.plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("fault_proxy: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {} -> {}", proxy.url(), args.upstream);
    let _ = std::io::stdout().flush();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let signal = runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        }
    });

    let mut text = String::new();
    for ((service, operation), n) in proxy.counts() {
        text.push_str(&format!("{service}\t{operation}\t{n}\n"));
    }
    drop(proxy);
    match &args.counts_file {
        Some(path) => {
            // Write then rename, so the benchmark never reads half a file.
            let tmp = format!("{path}.tmp");
            if let Err(e) = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, path)) {
                eprintln!("fault_proxy: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
        None => print!("{text}"),
    }
    eprintln!("fault_proxy: stopped by {signal}");
    ExitCode::SUCCESS
}
