//! The JSON report: the whole [`Report`] as one document, plus the derived
//! `suppressed_count`. Its schema is docs/report.schema.json.

use std::io::Write;

use serde::Serialize;

use super::Report;

/// The document as written: the report's fields, then `suppressed_count`
/// (derived, so it can never disagree with the findings; readers that
/// deserialize a [`Report`] ignore it).
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    suppressed_count: usize,
}

pub fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let document = Document {
        report,
        suppressed_count: report.suppressed_count(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
