//! `deputy-audit scan`: flags and config file, offline checks, the scan, the reports.

use std::io::IsTerminal;

use crate::emit::emit;
use crate::exit::Failure;
use crate::logging::init_logging;
use crate::{cli, config, input, progress, report, scan};
use report::Destination;

pub(crate) fn run_scan(args: cli::ScanArgs, verbose: u8) -> Result<u8, Failure> {
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
    resolved
        .view
        .check_destination(&destination)
        .map_err(usage)?;
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
        let accounts = &resolved.request.accounts;
        let several =
            accounts.role_arns.len() > 1 || accounts.accounts_file.is_some() || accounts.org;
        Box::new(progress::TerminalProgress::new(several))
    } else {
        Box::new(scan::NoProgress)
    };
    let analysis = resolved.request.analysis.clone();
    let report = runtime.block_on(scan::run(resolved.request, progress.as_ref()))?;
    let mut report = report::baseline::apply_optional(baseline.as_ref(), report);
    crate::remediations::attach(&mut report, &analysis);
    report.view = resolved.view;
    emit(&report, &resolved.formats, &destination, resolved.fail_on)
}
