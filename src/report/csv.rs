//! The CSV report: one row per finding, then one per AWS-managed resource
//! (`status` = `aws-managed`, no rule), then one per error (`status` =
//! `not-assessed`: the resource, listing or input file that could not be
//! read, the call in `operation`, the reason in `message`), under a fixed header. List-valued
//! columns (principals, actions) are joined with `;`.
//!
//! Cells come from policies (a Sid, a principal, an ARN) and reports are opened
//! in spreadsheets, which run a cell starting with `=`, `+`, `-` or `@` as a
//! formula (`=cmd|' /C calc'!A0`), and treat a leading tab or CR the same way.
//! As OWASP recommends for CSV injection, such a cell is written with a single
//! quote in front, which spreadsheets show as text; see [`neutralise`].

use std::io::Write;

use super::Report;

/// The header, in order. The first thirteen are the finding columns every
/// consumer can rely on; later columns are only ever appended.
pub(super) const HEADER: [&str; 20] = [
    "account_id",
    "region",
    "service",
    "resource_type",
    "resource_arn",
    "statement_index",
    "statement_sid",
    "principals",
    "actions",
    "rule_id",
    "severity",
    "message",
    "recommendation",
    "rule_name",
    "aws_managed",
    "suggested_condition",
    "finding_id",
    "suppression_reason",
    // `finding`, `suppressed`, `aws-managed`, `not-assessed` or (`--include-passed`) `pass`.
    "status",
    // For `not-assessed`: the API call (or ReadPolicyFile for `check`) that failed.
    "operation",
];

/// The cells of a row about a resource (AWS-managed, passed, not assessed).
struct ResourceRow<'a> {
    account_id: &'a str,
    region: &'a str,
    service: &'a str,
    resource_type: &'a str,
    resource_arn: &'a str,
    message: &'a str,
    aws_managed: &'a str,
    status: &'a str,
    operation: &'a str,
}

/// `cell` as a spreadsheet shows it as text: prefixed with `'` when its first
/// character would start a formula.
pub(super) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub(super) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let mut write_row =
        |row: &[&str]| writer.write_record(row.iter().map(|cell| neutralise(cell).into_owned()));
    for f in &report.findings {
        let suppression = report.suppression(f);
        let suggested = f
            .suggested_condition
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default();
        write_row(&[
            f.account_id.as_str(),
            f.region.as_str(),
            f.service.as_str(),
            f.resource_type.as_str(),
            f.resource_arn.as_str(),
            &f.statement_index.to_string(),
            f.statement_sid.as_deref().unwrap_or(""),
            &f.principals.join(";"),
            &f.actions.join(";"),
            f.rule.id,
            f.severity.as_str(),
            f.message.as_str(),
            f.recommendation.as_str(),
            f.rule.name,
            if f.aws_managed { "true" } else { "false" },
            &suggested,
            f.finding_id.as_str(),
            suppression.map(|s| s.reason.as_str()).unwrap_or(""),
            if suppression.is_some() {
                "suppressed"
            } else {
                "finding"
            },
            "",
        ])?;
    }
    // Rows about a resource rather than a finding: no statement, no rule.
    let mut resource_row = |row: ResourceRow<'_>| {
        write_row(&[
            row.account_id,
            row.region,
            row.service,
            row.resource_type,
            row.resource_arn,
            "",
            "",
            "",
            "",
            "",
            "",
            row.message,
            "",
            "",
            row.aws_managed,
            "",
            "",
            "",
            row.status,
            row.operation,
        ])
    };
    // Listed so that a review file accounts for every resource AWS owns.
    for r in &report.aws_managed_resources {
        resource_row(ResourceRow {
            account_id: &r.account_id,
            region: &r.region,
            service: r.resource_type.service(),
            resource_type: r.resource_type.as_str(),
            resource_arn: &r.resource_arn,
            message: &r.reason,
            aws_managed: "true",
            status: "aws-managed",
            operation: "",
        })?;
    }
    // `--include-passed`: the resources that passed, so the file lists every one.
    if report.view.include_passed {
        for r in report
            .resource_records()
            .iter()
            .filter(|r| r.status == super::ResourceStatus::Pass)
        {
            resource_row(ResourceRow {
                account_id: &r.account_id,
                region: &r.region,
                service: &r.service,
                resource_type: r.resource_type.as_str(),
                resource_arn: &r.resource_arn,
                message: "",
                aws_managed: "false",
                status: r.status.as_str(),
                operation: "",
            })?;
        }
    }
    // What could not be read: a review file that omitted it would read as clean.
    for e in &report.errors {
        resource_row(ResourceRow {
            account_id: &e.account_id,
            region: &e.region,
            service: &e.service,
            resource_type: e.resource_type.map(|t| t.as_str()).unwrap_or(""),
            resource_arn: &e.resource_arn,
            message: &e.reason,
            aws_managed: "",
            status: "not-assessed",
            operation: &e.operation,
        })?;
    }
    writer.flush()?;
    Ok(())
}
