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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;
    use serde_json::Value;

    /// A scan-shaped report (regions, errors, a suppressed finding) validates
    /// against the published schema; tests/reports.rs does the same for `check`.
    #[test]
    fn scan_report_validates_against_the_published_schema() {
        let schema: Value =
            serde_json::from_str(include_str!("../../docs/report.schema.json")).expect("JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let report = sample_report();
        let mut out = Vec::new();
        write(&report, &mut out).expect("writes");
        let doc: Value = serde_json::from_slice(&out).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(doc["suppressed_count"], 1);
        let declared = schema["$defs"]["error"]["properties"].as_object().unwrap();
        for key in doc["errors"][0].as_object().unwrap().keys() {
            assert!(
                declared.contains_key(key),
                "error field {key} not in the schema"
            );
        }
        // A report reads back (what --baseline and diff do), suppressed_count ignored.
        let back: Report = serde_json::from_value(doc).expect("reads back");
        assert_eq!(back.findings, report.findings);
    }
}
