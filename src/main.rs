//! deputy-audit: finds cross-service confused deputy exposures in AWS accounts.

mod check;
mod cli;
mod collect;
mod config;
mod diff;
mod input;
mod progress;
mod report;
mod scan;
mod validate;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, OutputArgs};
use report::{Destination, Format, Report};

/// Exit codes, documented in the README and in `--help`.
pub mod exit {
    pub const CLEAN: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INCOMPLETE: u8 = 3;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Check(args) => check::run(&args),
        Command::Explain { rule } => explain(rule.as_deref()),
        Command::IamPolicy => print_iam_policy(),
        Command::Diff(args) => diff::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("deputy-audit: error: {err:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn explain(rule_id: Option<&str>) -> anyhow::Result<u8> {
    let Some(id) = rule_id else {
        for rule in deputy_audit_analyze::rules() {
            println!(
                "{}  {:<6}  {:<30}  {}",
                rule.id,
                rule.severity.as_str(),
                rule.name,
                rule.summary
            );
        }
        return Ok(exit::CLEAN);
    };
    let Some(rule) = deputy_audit_analyze::rule(&id.to_ascii_uppercase()) else {
        let known: Vec<&str> = deputy_audit_analyze::rules().iter().map(|r| r.id).collect();
        anyhow::bail!("unknown rule '{id}' (known: {})", known.join(", "));
    };
    println!(
        "{} {} (severity: up to {})\n",
        rule.id, rule.name, rule.severity
    );
    println!("{}\n", rule.summary);
    println!("Why it matters\n{}\n", rule.rationale);
    let (before, after) = rule.example_labels();
    println!("{before}\n{}\n", rule.vulnerable_example);
    println!("{after}\n{}\n", rule.fixed_example);
    println!("How to fix\n{}", rule.fix);
    Ok(exit::CLEAN)
}

fn print_iam_policy() -> anyhow::Result<u8> {
    println!("{}", serde_json::to_string_pretty(&collect::iam_policy())?);
    Ok(exit::CLEAN)
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "deputy_audit=info",
        _ => "deputy_audit=debug,deputy_audit_analyze=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEPUTY_AUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only for a person at a terminal; logs captured by a job stay plain.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn run_scan(args: cli::ScanArgs) -> anyhow::Result<u8> {
    let resolved = config::resolve(args)?;
    // Everything that can be checked offline is checked before the first AWS
    // call: a scan whose report cannot be written, or would overwrite one of
    // its own inputs, is a usage error, not a lost hour.
    let destination = Destination::from_args(resolved.output.as_deref(), &resolved.formats)?;
    let mut inputs: Vec<(&str, &std::path::Path)> = Vec::new();
    if let Some(path) = &resolved.baseline {
        inputs.push(("--baseline", path));
    }
    if let Some(path) = &resolved.config {
        inputs.push(("config file", path));
    }
    if let Some(path) = &resolved.request.accounts.accounts_file {
        inputs.push(("--accounts-file", path));
    }
    input::refuse_output_over_input(destination.file(), &inputs)?;
    destination.preflight()?;
    let baseline = report::baseline::load_optional(resolved.baseline.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let show_progress = !resolved.quiet && std::io::stderr().is_terminal();
    let progress: Box<dyn scan::Progress> = if show_progress {
        Box::new(progress::TerminalProgress::new())
    } else {
        Box::new(scan::NoProgress)
    };
    let report = match runtime.block_on(scan::run(resolved.request, progress.as_ref())) {
        Ok(report) => report,
        Err(scan::ScanStartError::Usage(message)) => anyhow::bail!(message),
        Err(scan::ScanStartError::Connect(err)) => return Err(err),
    };
    let report = report::baseline::apply_optional(baseline.as_ref(), report);
    emit(&report, &resolved.formats, &destination, resolved.fail_on)
}

/// Writes every report and decides the exit code.
pub fn emit(
    report: &Report,
    formats: &[Format],
    destination: &Destination,
    fail_on: deputy_audit_analyze::Severity,
) -> anyhow::Result<u8> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let written = destination.write_all(report, formats, &scan::file_stamp(), color)?;
    for path in written {
        eprintln!("deputy-audit: wrote {}", path.display());
    }
    Ok(exit_code(report, fail_on))
}

pub fn exit_code(report: &Report, fail_on: deputy_audit_analyze::Severity) -> u8 {
    if report.count_at_or_above(fail_on) > 0 {
        exit::FINDINGS
    } else if !report.is_complete() {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    }
}

fn formats_or_default(output: &OutputArgs) -> Vec<Format> {
    let mut formats = output.formats.clone();
    if formats.is_empty() {
        formats.push(Format::Table);
    }
    report::unique_formats(formats)
}
