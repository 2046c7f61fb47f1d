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
    /// The scan ran but its report could not be written.
    pub const REPORT_NOT_WRITTEN: u8 = 4;
}

/// Why a command stopped without its report. Every failure a person sees goes
/// through here: [`Failure::exit_code`] is the one place that maps them to exit
/// codes, and each message names the flag, file, profile, role or endpoint at
/// fault and what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// A flag or argument that cannot work.
    #[error("{0}")]
    Usage(String),
    /// The config file (named, with the key).
    #[error("{0}")]
    Config(String),
    /// A profile that does not exist, credentials that do not work, a role
    /// that cannot be assumed.
    #[error("{0}")]
    Credentials(String),
    /// The endpoint could not be reached.
    #[error("{0}")]
    Connect(String),
    /// An input (policy, baseline, report, accounts file) cannot be read or parsed.
    #[error("{0}")]
    InputFile(String),
    /// The analysis is done but a report could not be written.
    #[error("{0}")]
    OutputFile(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_)
            | Failure::Config(_)
            | Failure::Credentials(_)
            | Failure::Connect(_)
            | Failure::InputFile(_) => exit::USAGE,
            Failure::OutputFile(_) => exit::REPORT_NOT_WRITTEN,
        }
    }
}

/// Errors not classified where they arose are usage errors; a [`Failure`]
/// anywhere in the chain keeps its kind.
impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        err.chain()
            .find_map(|cause| cause.downcast_ref::<Failure>().cloned())
            .unwrap_or_else(|| Failure::Usage(format!("{err:#}")))
    }
}

impl From<scan::ScanStartError> for Failure {
    fn from(err: scan::ScanStartError) -> Self {
        match err {
            scan::ScanStartError::Usage(m) => Failure::Usage(m),
            scan::ScanStartError::Credentials(m) => Failure::Credentials(m),
            scan::ScanStartError::Connect(m) => Failure::Connect(m),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<u8, Failure> = match cli.command {
        // After the config file is read: `quiet` may come from it.
        Command::Scan(args) => run_scan(args, cli.verbose),
        command => {
            init_logging(cli.verbose, false);
            match command {
                Command::Check(args) => check::run(&args).map_err(Failure::from),
                Command::Explain { rule } => explain(rule.as_deref()).map_err(Failure::from),
                Command::IamPolicy => print_iam_policy().map_err(Failure::from),
                Command::Diff(args) => diff::run(&args).map_err(Failure::from),
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
                eprintln!("deputy-audit: error: {}", report::escape::visible(line));
            }
            ExitCode::from(failure.exit_code())
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

/// Logs on stderr. `DEPUTY_AUDIT_LOG` takes a full filter; otherwise `-v`/`-vv`
/// raise deputy-audit's own level (and show the SDK's warnings); `-q` keeps
/// only deputy-audit's own errors.
fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::field::MakeExt;
    use tracing_subscriber::filter::FilterExt;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;

    // The SDK's own log lines (its errors included) repeat, as Debug dumps,
    // what the one error message or the report's reason already says: -v
    // shows them, nothing below it does.
    let default = match (quiet, verbose) {
        (true, _) => "off,deputy_audit=error,deputy_audit_analyze=error",
        (false, 0) => "off,deputy_audit=warn,deputy_audit_analyze=warn",
        (false, 1) => "warn,deputy_audit=info",
        (false, _) => "warn,deputy_audit=debug,deputy_audit_analyze=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEPUTY_AUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // --help promises that policies are never logged. At TRACE the SDK's
    // orchestrator logs every request and response body and the deserialized
    // output (policy documents included), so other crates stop at DEBUG,
    // whatever the filter asks for.
    let cap = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("deputy_audit") || *meta.level() <= tracing::Level::DEBUG
    });
    // Field values can hold ARNs and messages from AWS: control characters are
    // shown as escapes, never sent to the terminal.
    let fields = tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        let text = report::escape::visible(&text);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ");
    // Colour only for a person at a terminal; logs captured by a job stay plain.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false)
        .fmt_fields(fields)
        .with_filter(filter.and(cap));
    tracing_subscriber::registry().with(layer).init();
}

fn run_scan(args: cli::ScanArgs, verbose: u8) -> Result<u8, Failure> {
    let quiet_flag = args.quiet;
    let resolved = match config::resolve(args) {
        Ok(resolved) => resolved,
        Err(err) => {
            init_logging(verbose, quiet_flag);
            return Err(Failure::Config(format!("{err:#}")));
        }
    };
    init_logging(verbose, resolved.quiet);
    // Everything that can be checked offline is checked before the first AWS
    // call: a scan whose report cannot be written, or would overwrite one of
    // its own inputs, is a usage error, not a lost hour.
    let usage = |e: anyhow::Error| Failure::Usage(format!("{e:#}"));
    let destination =
        Destination::from_args(resolved.output.as_deref(), &resolved.formats).map_err(usage)?;
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
    input::refuse_output_over_input(destination.file(), &inputs).map_err(usage)?;
    destination.preflight().map_err(usage)?;
    // A bad baseline is a usage error too.
    let baseline = report::baseline::load_optional(resolved.baseline.as_deref())
        .map_err(|e| Failure::InputFile(format!("{e:#}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    let show_progress = !resolved.quiet && std::io::stderr().is_terminal();
    let progress: Box<dyn scan::Progress> = if show_progress {
        Box::new(progress::TerminalProgress::new())
    } else {
        Box::new(scan::NoProgress)
    };
    let report = runtime.block_on(scan::run(resolved.request, progress.as_ref()))?;
    let report = report::baseline::apply_optional(baseline.as_ref(), report);
    emit(&report, &resolved.formats, &destination, resolved.fail_on)
}

/// Writes every report and decides the exit code.
pub fn emit(
    report: &Report,
    formats: &[Format],
    destination: &Destination,
    fail_on: deputy_audit_analyze::Severity,
) -> Result<u8, Failure> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let written = destination
        .write_all(report, formats, &scan::file_stamp(), color)
        .map_err(|e| {
            Failure::OutputFile(format!(
                "the analysis finished but its report could not be written: {e:#}\n\
                 nothing is lost on the AWS side; fix the destination (--output) and run again"
            ))
        })?;
    for path in written {
        eprintln!("deputy-audit: wrote {}", path.display());
    }
    Ok(exit_code(report, fail_on))
}

/// 3 outranks 1: findings from an incomplete scan are a lower bound, and a
/// job that alerts on 1 alone would take "3 findings" for "only 3 findings".
pub fn exit_code(report: &Report, fail_on: deputy_audit_analyze::Severity) -> u8 {
    if !report.is_complete() {
        exit::INCOMPLETE
    } else if report.count_at_or_above(fail_on) > 0 {
        exit::FINDINGS
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
