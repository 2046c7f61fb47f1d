//! Exit codes and the one place failures become them.

use crate::report::Report;

// Exit codes, documented in the README and in `--help`.

/// No finding at or above `--fail-on`, and the scan is complete.
pub(crate) const CLEAN: u8 = 0;
pub(crate) const FINDINGS: u8 = 1;
pub(crate) const USAGE: u8 = 2;
pub(crate) const INCOMPLETE: u8 = 3;
/// The scan ran but its report could not be written.
pub(crate) const REPORT_NOT_WRITTEN: u8 = 4;

/// Why a command stopped without its report. Every failure a person sees goes
/// through here: [`Failure::exit_code`] is the one place that maps them to exit
/// codes, and each message names the flag, file, profile, role or endpoint at
/// fault and what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum Failure {
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
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_)
            | Failure::Config(_)
            | Failure::Credentials(_)
            | Failure::Connect(_)
            | Failure::InputFile(_) => USAGE,
            Failure::OutputFile(_) => REPORT_NOT_WRITTEN,
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

impl From<crate::scan::ScanStartError> for Failure {
    fn from(err: crate::scan::ScanStartError) -> Self {
        match err {
            crate::scan::ScanStartError::Usage(m) => Failure::Usage(m),
            crate::scan::ScanStartError::Credentials(m) => Failure::Credentials(m),
            crate::scan::ScanStartError::Connect(m) => Failure::Connect(m),
        }
    }
}

/// 3 outranks 1: findings from an incomplete scan are a lower bound, and a
/// job that alerts on 1 alone would take "3 findings" for "only 3 findings".
pub(crate) fn exit_code(report: &Report, fail_on: deputy_audit_analyze::Severity) -> u8 {
    if !report.is_complete() {
        INCOMPLETE
    } else if report.count_at_or_above(fail_on) > 0 {
        FINDINGS
    } else {
        CLEAN
    }
}
