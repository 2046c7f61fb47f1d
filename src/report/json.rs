//! The JSON report: the whole [`Report`] as one document.

use std::io::Write;

use super::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}
