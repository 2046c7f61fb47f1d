//! `deputy-audit diff OLD.json NEW.json`: what changed between two JSON
//! reports, keyed by the stable finding id.
//!
//! * **new**: in NEW, not in OLD;
//! * **resolved**: in OLD, not in NEW, and NEW assessed the resource;
//! * **not assessed**: in OLD, not in NEW, but NEW lists the resource under
//!   `errors` (it could not be read, so the finding may well still be there);
//! * **unchanged**: in both (NEW's copy is kept, with NEW's suppression).
//!
//! Ids that occur more than once in a report (identical statements without a
//! Sid) are matched one for one.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Serialize;

use crate::cli::{DiffArgs, DiffFormat};
use crate::escape::visible;
use crate::exit;
use crate::report::json::v2::{Finding, Report};
use crate::report::statement_label;

#[derive(Debug, Serialize)]
pub(crate) struct Diff {
    pub old_report: ReportRef,
    pub new_report: ReportRef,
    pub summary: Summary,
    pub new: Vec<Finding>,
    pub resolved: Vec<Finding>,
    pub not_assessed: Vec<Finding>,
    pub unchanged: Vec<Finding>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ReportRef {
    pub path: String,
    pub account_id: String,
    pub scan_finished: String,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Summary {
    pub new: usize,
    pub resolved: usize,
    pub not_assessed: usize,
    pub unchanged: usize,
}

pub(crate) fn run(args: &DiffArgs) -> anyhow::Result<u8> {
    let old = read(&args.old)?;
    let mut new = read(&args.new)?;
    if let Some(path) = &args.baseline {
        let baseline = crate::report::baseline::load(path)?;
        let subjects: Vec<_> = new
            .findings
            .iter()
            .map(crate::report::baseline::Subject::of_written)
            .collect();
        let (verdicts, outcome) = baseline.judge(&subjects, &crate::clock::today());
        for (finding, verdict) in new.findings.iter_mut().zip(verdicts) {
            finding.suppression =
                verdict.map(|s| crate::report::json::v2::Suppression { reason: s.reason });
        }
        crate::report::baseline::warn(&outcome);
    }
    let diff = compare(
        reference(&args.old, &old),
        &old,
        reference(&args.new, &new),
        &new,
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        DiffFormat::Json => serde_json::to_writer_pretty(&mut out, &diff)
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(writeln!(out)?)),
        DiffFormat::Table => write_table(&diff, &mut out),
    };
    if let Err(err) = written.and_then(|()| Ok(out.flush()?)) {
        if !crate::report::is_broken_pipe(&err) {
            return Err(err);
        }
    }
    let gating = diff
        .new
        .iter()
        .filter(|f| f.suppression.is_none() && f.severity >= args.fail_on)
        .count();
    Ok(if args.fail_on_new && gating > 0 {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

fn read(path: &Path) -> anyhow::Result<Report> {
    let text = crate::input::read_text(path, "report", crate::input::REPORT_LIMIT)?;
    let shown = path.display().to_string();
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{shown} is not a deputy-audit JSON report"))?;
    let report = crate::report::json::read(value, &shown)?;
    if let Some(index) = report.findings.iter().position(|f| f.finding_id.is_empty()) {
        bail!(
            "{}: findings[{index}] has no finding_id (a report from before finding ids); re-run the scan with this version",
            path.display()
        );
    }
    Ok(report)
}

fn reference(path: &Path, report: &Report) -> ReportRef {
    ReportRef {
        path: path.display().to_string(),
        account_id: report.account_id.clone(),
        scan_finished: report.scan_finished.clone(),
    }
}

pub(crate) fn compare(old_ref: ReportRef, old: &Report, new_ref: ReportRef, new: &Report) -> Diff {
    fn by_id(report: &Report) -> BTreeMap<&str, Vec<&Finding>> {
        let mut map: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &report.findings {
            map.entry(f.finding_id.as_str()).or_default().push(f);
        }
        map
    }
    let (old_ids, new_ids) = (by_id(old), by_id(new));
    let unreadable: BTreeSet<&str> = new.errors.iter().map(|e| e.resource_arn.as_str()).collect();
    let mut diff = Diff {
        old_report: old_ref,
        new_report: new_ref,
        summary: Summary {
            new: 0,
            resolved: 0,
            not_assessed: 0,
            unchanged: 0,
        },
        new: Vec::new(),
        resolved: Vec::new(),
        not_assessed: Vec::new(),
        unchanged: Vec::new(),
    };
    let empty = Vec::new();
    let ids: BTreeSet<&str> = old_ids.keys().chain(new_ids.keys()).copied().collect();
    for id in ids {
        let before = old_ids.get(id).unwrap_or(&empty);
        let after = new_ids.get(id).unwrap_or(&empty);
        let common = before.len().min(after.len());
        diff.unchanged
            .extend(after[..common].iter().map(|f| (*f).clone()));
        diff.new
            .extend(after[common..].iter().map(|f| (*f).clone()));
        for f in &before[common..] {
            if unreadable.contains(f.resource_arn.as_str()) {
                diff.not_assessed.push((*f).clone());
            } else {
                diff.resolved.push((*f).clone());
            }
        }
    }
    // The reports' own order (account, resource, statement, rule).
    let order = |a: &Finding, b: &Finding| {
        (
            &a.account_id,
            &a.resource_arn,
            a.statement_index,
            &a.rule_id,
        )
            .cmp(&(
                &b.account_id,
                &b.resource_arn,
                b.statement_index,
                &b.rule_id,
            ))
    };
    for list in [
        &mut diff.new,
        &mut diff.resolved,
        &mut diff.not_assessed,
        &mut diff.unchanged,
    ] {
        list.sort_by(|a, b| order(a, b));
    }
    diff.summary = Summary {
        new: diff.new.len(),
        resolved: diff.resolved.len(),
        not_assessed: diff.not_assessed.len(),
        unchanged: diff.unchanged.len(),
    };
    diff
}

/// Everything from a report is shown through [`visible`]: a report carries
/// Sids, ARNs and messages from policies, and this goes to a terminal.
fn write_table(diff: &Diff, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "deputy-audit diff: {} ({}) -> {} ({})",
        visible(&diff.old_report.path),
        visible(&diff.old_report.scan_finished),
        visible(&diff.new_report.path),
        visible(&diff.new_report.scan_finished)
    )?;
    let s = &diff.summary;
    writeln!(
        out,
        "New: {}   Resolved: {}   Not assessed in new: {}   Unchanged: {}",
        s.new, s.resolved, s.not_assessed, s.unchanged
    )?;
    for (title, list) in [
        ("New", &diff.new),
        ("Resolved", &diff.resolved),
        (
            "Not assessed in the new report (may still be present)",
            &diff.not_assessed,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{title}:")?;
        for f in list {
            let suppressed = if f.suppression.is_some() {
                " [suppressed]"
            } else {
                ""
            };
            writeln!(
                out,
                "  {:<6} {} {} {}{suppressed}",
                f.severity.as_str().to_uppercase(),
                visible(&f.rule_id),
                visible(&f.rule_name),
                visible(&f.finding_id)
            )?;
            writeln!(out, "         {}", visible(&f.resource_arn))?;
            writeln!(
                out,
                "         {}: {}",
                statement_label(f.statement_index, f.statement_sid.as_deref(), |s| visible(
                    s
                )
                .into_owned()),
                visible(&f.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::v2;

    fn sample_report() -> Report {
        let report = crate::report::test_support::sample_report();
        v2::Report::from_report(&report)
    }

    fn r(path: &str) -> ReportRef {
        ReportRef {
            path: path.to_string(),
            account_id: String::new(),
            scan_finished: String::new(),
        }
    }

    #[test]
    fn new_resolved_unchanged_and_not_assessed() {
        let old = sample_report();
        let mut new = old.clone();
        assert!(old.findings.len() >= 3);
        // One finding fixed, one new, and the role unreadable in the new scan.
        let fixed = new
            .findings
            .iter()
            .position(|f| f.resource_type != deputy_audit_analyze::ResourceType::IamRole)
            .expect("a non-role finding");
        let resolved = new.findings.remove(fixed);
        let mut added = new.findings[0].clone();
        added.finding_id = "DA-00000000000000ff".to_string();
        new.findings.push(added);
        let role = old
            .findings
            .iter()
            .find(|f| f.resource_type == deputy_audit_analyze::ResourceType::IamRole)
            .expect("a role finding")
            .clone();
        new.findings.retain(|f| f.finding_id != role.finding_id);
        let mut error = new.errors[0].clone();
        error.resource_arn = role.resource_arn.clone();
        new.errors.push(error);

        let diff = compare(r("old"), &old, r("new"), &new);
        assert_eq!(diff.new.len(), 1);
        assert_eq!(diff.new[0].finding_id, "DA-00000000000000ff");
        assert_eq!(diff.resolved.len(), 1);
        assert_eq!(diff.resolved[0].finding_id, resolved.finding_id);
        assert_eq!(diff.not_assessed.len(), 1);
        assert_eq!(diff.not_assessed[0].finding_id, role.finding_id);
        assert_eq!(diff.unchanged.len(), old.findings.len() - 2);
        assert_eq!(diff.summary.new, 1);
    }

    #[test]
    fn identical_reports_have_only_unchanged_findings() {
        let report = sample_report();
        let diff = compare(r("a"), &report, r("b"), &report);
        assert_eq!(
            diff.summary,
            Summary {
                new: 0,
                resolved: 0,
                not_assessed: 0,
                unchanged: report.findings.len()
            }
        );
    }
}
