//! `--baseline FILE`: findings already known and accepted.
//!
//! The file is either
//!
//! * a previous JSON report of deputy-audit: every finding in it is suppressed,
//!   with the reason `in baseline <file> (<scan_finished>)`; or
//! * a suppressions file, where every entry must say why:
//!
//!   ```json
//!   { "suppressions": [
//!       { "finding_id": "DA-0123456789abcdef", "reason": "vendor role, reviewed in SEC-42" } ] }
//!   ```
//!
//! Findings are matched by their stable `finding_id`. A suppressed finding stays
//! in every report, marked with its reason, and does not count toward
//! `--fail-on`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

use super::{Report, Suppression};

/// The ids to suppress, each with its reason.
#[derive(Debug, Clone)]
pub(crate) struct Baseline {
    pub path: PathBuf,
    pub reasons: BTreeMap<String, String>,
}

/// Other keys (a `description`, an entry's `resource_arn` or `note` for the
/// reader) are allowed and ignored; a misspelt `finding_id` or `reason` is
/// still caught, since both are required.
#[derive(Deserialize)]
struct SuppressionsFile {
    suppressions: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    finding_id: Option<String>,
    reason: Option<String>,
}

/// Reads a baseline. Every problem (unreadable, neither a report nor a
/// suppressions file, an entry without an id or a reason) is an error naming
/// the file, and the command exits 2 before anything is scanned.
pub(crate) fn load(path: &Path) -> anyhow::Result<Baseline> {
    let text = crate::input::read_text(path, "baseline", crate::input::REPORT_LIMIT)?;
    parse(path, &text)
}

pub(crate) fn parse(path: &Path, text: &str) -> anyhow::Result<Baseline> {
    let shown = path.display();
    let value: Value = serde_json::from_str(text)
        .with_context(|| format!("baseline {shown} is not valid JSON"))?;
    let mut reasons = BTreeMap::new();
    if value.get("suppressions").is_some() {
        let file: SuppressionsFile = serde_json::from_value(value)
            .with_context(|| format!("baseline {shown} is not a valid suppressions file"))?;
        for (index, entry) in file.suppressions.into_iter().enumerate() {
            let id = entry
                .finding_id
                .filter(|id| !id.trim().is_empty())
                .with_context(|| {
                    format!("baseline {shown}: suppressions[{index}] has no finding_id")
                })?;
            let Some(reason) = entry.reason.filter(|r| !r.trim().is_empty()) else {
                bail!("baseline {shown}: suppressions[{index}] ({id}) has no reason; every suppression must say why");
            };
            if reasons.insert(id.clone(), reason).is_some() {
                bail!("baseline {shown}: {id} is listed twice");
            }
        }
    } else if value.get("findings").is_some() && value.get("schema_version").is_some() {
        let report = super::json::read(value, &format!("baseline {shown}"))?;
        let reason = format!("in baseline {} ({})", shown, report.scan_finished);
        for finding in &report.findings {
            reasons.insert(finding.finding_id.clone(), reason.clone());
        }
    } else {
        bail!("baseline {shown} is neither a deputy-audit JSON report nor a suppressions file ({{\"suppressions\": [...]}})");
    }
    Ok(Baseline {
        path: path.to_path_buf(),
        reasons,
    })
}

impl Baseline {
    /// Marks every finding of `report` whose id is in the baseline. Returns how
    /// many baseline entries matched no finding (fixed since, or stale).
    pub(crate) fn apply(&self, report: &mut Report) -> usize {
        for finding in &report.findings {
            if let Some(reason) = self.reasons.get(&finding.finding_id) {
                report.suppressions.insert(
                    finding.finding_id.clone(),
                    Suppression {
                        reason: reason.clone(),
                    },
                );
            }
        }
        self.reasons
            .keys()
            .filter(|id| !report.suppressions.contains_key(*id))
            .count()
    }
}

/// Loads `path` if given (`--baseline`).
pub(crate) fn load_optional(path: Option<&Path>) -> anyhow::Result<Option<Baseline>> {
    path.map(load).transpose()
}

/// Applies an optional baseline and says on stderr what it did.
#[allow(
    clippy::print_stderr,
    reason = "unmatched entries are a warning the user must see, without -v"
)]
pub(crate) fn apply_optional(baseline: Option<&Baseline>, mut report: Report) -> Report {
    if let Some(baseline) = baseline {
        let unmatched = baseline.apply(&mut report);
        tracing::info!(
            suppressed = report.suppressed_count(),
            unmatched,
            "applied baseline {}",
            baseline.path.display()
        );
        if unmatched > 0 {
            eprintln!(
                "deputy-audit: {unmatched} of {} entries in baseline {} matched no finding (fixed, or out of scope)",
                baseline.reasons.len(),
                baseline.path.display()
            );
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_file_needs_a_reason_per_entry() {
        let ok = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-1","reason":"accepted"}]}"#,
        )
        .expect("parses");
        assert_eq!(ok.reasons["DA-1"], "accepted");
        for bad in [
            r#"{"suppressions":[{"finding_id":"DA-1"}]}"#,
            r#"{"suppressions":[{"finding_id":"DA-1","reason":"  "}]}"#,
        ] {
            let err = format!("{:#}", parse(Path::new("s.json"), bad).unwrap_err());
            assert!(
                err.contains("suppressions[0] (DA-1) has no reason"),
                "{err}"
            );
        }
        let err = parse(Path::new("s.json"), r#"{"suppressions":[{"reason":"x"}]}"#).unwrap_err();
        assert!(format!("{err:#}").contains("suppressions[0] has no finding_id"));
        let typo = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-1","reasons":"x"}]}"#,
        );
        assert!(format!("{:#}", typo.unwrap_err()).contains("has no reason"));
        let annotated = parse(
            Path::new("s.json"),
            r#"{"description":"team A","suppressions":[{"finding_id":"DA-1","reason":"ok","resource_arn":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#,
        );
        assert!(annotated.is_ok());
    }

    #[test]
    fn reports_of_another_version_or_tool_are_refused() {
        let report = |tool: &str, version: u32| {
            format!(
                r#"{{"schema_version":{version},"tool":{{"name":"{tool}","version":"9"}},"scan_started":"","scan_finished":"","account_id":"","regions":[],"resource_counts":{{}},"findings":[],"errors":[]}}"#
            )
        };
        assert!(parse(Path::new("b.json"), &report("deputy-audit", 1)).is_ok());
        let err = format!(
            "{:#}",
            parse(Path::new("b.json"), &report("deputy-audit", 2)).unwrap_err()
        );
        assert!(
            err.contains("baseline b.json has schema_version 2"),
            "{err}"
        );
        let err = format!(
            "{:#}",
            parse(Path::new("b.json"), &report("other-scanner", 1)).unwrap_err()
        );
        assert!(err.contains("\"other-scanner\""), "{err}");
    }

    #[test]
    fn other_documents_are_refused() {
        let err = parse(Path::new("x.json"), r#"{"hello":1}"#).unwrap_err();
        assert!(format!("{err:#}").contains("neither a deputy-audit JSON report"));
        assert!(parse(Path::new("x.json"), "not json").is_err());
    }
}
