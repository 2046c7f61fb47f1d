//! deputy-audit: finds cross-service confused deputy exposures in AWS accounts.

//!
//! This file is the module root and the command dispatch; see
//! `docs/ARCHITECTURE.md` for where each concern lives.

mod check;
mod cli;
mod clock;
mod collect;
mod config;
mod defaults;
mod diff;
mod emit;
mod escape;
mod exit;
mod explain;
mod fix;
mod guardrails;
mod iam_policy;
mod input;
mod logging;
mod progress;
mod remediations;
mod report;
mod scan;
mod scan_command;
mod scan_error;
mod sentinel;
mod validate;
mod wiring_scan;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use exit::Failure;
use logging::init_logging;

// The one place a failure becomes the user's error message (stderr).
#[allow(clippy::print_stderr, reason = "error messages of the process")]
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<u8, Failure> = match cli.command {
        // After the config file is read: `quiet` may come from it.
        Command::Scan(args) => scan_command::run_scan(args, cli.verbose),
        command => {
            init_logging(cli.verbose, false);
            match command {
                Command::Check(args) => check::run(&args).map_err(Failure::from),
                Command::Explain { rule } => {
                    explain::explain(rule.as_deref()).map_err(Failure::from)
                }
                Command::IamPolicy => print_iam_policy().map_err(Failure::from),
                Command::Diff(args) => diff::run(&args).map_err(Failure::from),
                Command::Fix(args) => fix::run(&args),
                Command::Scan(_) => unreachable!("handled above"),
            }
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Messages quote file names and AWS answers: control characters are
            // shown, not obeyed; a message's own line break is kept.
            for line in failure.to_string().lines() {
                eprintln!("deputy-audit: error: {}", crate::escape::visible(line));
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

#[allow(clippy::print_stdout, reason = "the policy is this command's output")]
fn print_iam_policy() -> anyhow::Result<u8> {
    println!(
        "{}",
        serde_json::to_string_pretty(&iam_policy::iam_policy())?
    );
    Ok(exit::CLEAN)
}
