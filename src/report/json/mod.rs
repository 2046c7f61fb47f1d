//! The JSON report: the [`Report`] written as [`v1`]'s wire types, whose
//! schema is docs/report.schema.json; and the one reader of such reports
//! (`diff`, `--baseline`).

pub(crate) mod v2;

use std::io::Write;

use anyhow::Context;
use serde_json::Value;

use super::Report;

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &v2::Report::from_report(report))?;
    writeln!(out)?;
    Ok(())
}

/// Reads a JSON report already parsed as JSON: refuses one written by another
/// tool or with another `schema_version` ([`super::check_report_origin`]).
/// `shown` names the file and what it is (`baseline b.json`, `b.json`).
pub(crate) fn read(value: Value, shown: &str) -> anyhow::Result<v2::Report> {
    super::check_report_origin(&value, shown)?;
    serde_json::from_value(value)
        .with_context(|| format!("{shown} is not a deputy-audit JSON report"))
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
            serde_json::from_str(include_str!("../../../docs/report.schema.json")).expect("JSON");
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
        // Every top-level field is described (nested objects are closed by
        // `additionalProperties: false` in their definitions).
        let top = schema["properties"].as_object().unwrap();
        for key in doc.as_object().unwrap().keys() {
            assert!(top.contains_key(key), "field {key} not in the schema");
        }
        assert_eq!(doc["remediations"].as_array().map(Vec::len), Some(3));
        assert_eq!(doc["wiring"]["kinds"][0]["status"], "read");
        let declared = schema["$defs"]["error"]["properties"].as_object().unwrap();
        for key in doc["errors"][0].as_object().unwrap().keys() {
            assert!(
                declared.contains_key(key),
                "error field {key} not in the schema"
            );
        }
        // A report reads back (what --baseline and diff do) as the same document.
        let back = read(doc.clone(), "r.json").expect("reads back");
        assert_eq!(serde_json::to_value(&back).expect("serializes"), doc);
        let written: Vec<v2::Finding> = report
            .findings
            .iter()
            .map(|f| v2::Finding::new(f, report.suppression(f)))
            .collect();
        assert_eq!(back.findings, written);
    }

    /// Reports written before remediations and wiring existed still read
    /// (`diff`, `--baseline`): both fields default.
    #[test]
    fn reports_without_remediations_read_back() {
        let mut out = Vec::new();
        write(&sample_report(), &mut out).expect("writes");
        let mut doc: Value = serde_json::from_slice(&out).expect("JSON");
        let fields = doc.as_object_mut().unwrap();
        fields.remove("remediations");
        fields.remove("wiring");
        let back = read(doc, "old.json").expect("reads");
        assert!(back.remediations.is_empty() && back.wiring.is_none());
    }
}
