//! The corrected policies: each resource with findings the gate still counts
//! (not suppressed by `--baseline`), corrected by the analysis from the
//! account's wiring. After the baseline, so an accepted finding is never
//! "fixed" behind the reviewer's back.

use deputy_audit_analyze::{remediate, AnalysisOptions, Finding};

use crate::report::Report;

/// Fills `report.remediations` from its flagged policies, findings and wiring.
pub(crate) fn attach(report: &mut Report, options: &AnalysisOptions) {
    let mut remediations = Vec::new();
    for resource in &report.flagged_policies {
        let findings: Vec<Finding> = report
            .findings
            .iter()
            .filter(|f| {
                f.resource_arn == resource.arn
                    && f.account_id == resource.account_id
                    && report.suppression(f).is_none()
            })
            .cloned()
            .collect();
        if let Some(r) = remediate(resource, &findings, &report.wiring, options) {
            remediations.push(r);
        }
    }
    remediations
        .sort_by(|a, b| (&a.account_id, &a.resource_arn).cmp(&(&b.account_id, &b.resource_arn)));
    report.remediations = remediations;
}
