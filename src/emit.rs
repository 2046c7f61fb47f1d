//! Writing the reports of `scan` and `check`, and the exit code they end with.

use std::io::IsTerminal;

use crate::cli::OutputArgs;
use crate::exit::{exit_code, Failure};
use crate::report::{self, Destination, Format, Report};

/// Writes every report and decides the exit code.
#[allow(clippy::print_stderr, reason = "tells the user where the report went")]
pub(crate) fn emit(
    report: &Report,
    formats: &[Format],
    destination: &Destination,
    fail_on: deputy_audit_analyze::Severity,
) -> Result<u8, Failure> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Filters (--rule, --exclude-rule, --min-severity) change what is shown;
    // the exit code below is decided on every finding (--fail-on gates).
    let shown = report.shown();
    let written = destination
        .write_all(&shown, formats, &crate::clock::file_stamp(), color)
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

pub(crate) fn formats_or_default(output: &OutputArgs) -> Vec<Format> {
    let mut formats = output.formats.clone();
    if formats.is_empty() {
        formats.push(Format::Table);
    }
    report::unique_formats(formats)
}
