//! The human summary: what was scanned, counts by service and severity, then
//! each finding in a few short lines. Fits 80 columns except for long ARNs,
//! which are never cut (a truncated ARN cannot be acted on).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use deputy_audit_analyze::Severity;

use super::Report;
use crate::escape::visible;
use crate::sentinel::ReportScope;

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::White,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// Width the summary is wrapped to when none is given (not a terminal). ARNs
/// are never broken: a cut ARN cannot be pasted into a console or a CLI.
#[cfg(test)]
const WIDTH: usize = crate::report::View::DEFAULT_WIDTH;
const INDENT: &str = "       ";

/// Writes `label` then `text` wrapped; both may come from a policy, so their
/// control characters are made visible first.
fn wrapped(out: &mut dyn Write, width: usize, label: &str, text: &str) -> std::io::Result<()> {
    let first = format!("{INDENT}{}", visible(label));
    let text = visible(text);
    let options = textwrap::Options::new(width)
        .initial_indent(&first)
        .subsequent_indent(INDENT)
        .break_words(false)
        // Splitting at hyphens would cut URLs and ARNs in two.
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for line in textwrap::wrap(&text, options) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

pub(super) fn write(report: &Report, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();
    let width = report.view.table_width();

    let regions = if report.regions.is_empty() {
        String::new()
    } else {
        format!(" ({})", visible(&report.regions.join(", ")))
    };
    let title = match ReportScope::of(&report.account_id) {
        ReportScope::Check => "deputy-audit check".to_string(),
        ReportScope::Multiple => {
            format!("deputy-audit: {} accounts{regions}", report.accounts.len())
        }
        ReportScope::Account(account) => {
            format!("deputy-audit: account {}{regions}", visible(account))
        }
    };
    writeln!(out, "{}", paint(bold, &title))?;
    let total: usize = report.resource_counts.values().sum();
    let counts: Vec<String> = report
        .resource_counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let resources = format!("Resources: {total} ({})", counts.join(", "));
    for line in textwrap::wrap(
        &resources,
        textwrap::Options::new(width).subsequent_indent("  "),
    ) {
        writeln!(out, "{line}")?;
    }
    // Suppressed findings (--baseline) are listed apart and left out of the counts.
    let (active, suppressed): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .partition(|f| report.suppression(f).is_none());
    let suppressed_note = if suppressed.is_empty() {
        String::new()
    } else {
        format!(" (+{} suppressed by --baseline)", suppressed.len())
    };
    let hidden_note = if report.hidden.is_empty() {
        String::new()
    } else {
        format!(" ({} hidden by filters)", report.hidden.len())
    };
    writeln!(
        out,
        "Findings: {}{suppressed_note}{hidden_note}   Not assessed: {}   AWS-managed: {}",
        active.len(),
        report.errors.len(),
        report.aws_managed_resources.len()
    )?;
    if let Some(g) = &report.organization_guardrails {
        wrapped(out, width, "", &g.describe())?;
    }

    // Counts by service and severity.
    let by_service = super::severity_counts_by_service(active.iter().copied());
    if !by_service.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "  {:<16}{:>8}{:>8}{:>8}{:>8}",
            "service", "high", "medium", "low", "info"
        )?;
        for (service, n) in &by_service {
            writeln!(
                out,
                "  {:<16}{:>8}{:>8}{:>8}{:>8}",
                visible(service),
                n[Severity::High as usize],
                n[Severity::Medium as usize],
                n[Severity::Low as usize],
                n[Severity::Info as usize]
            )?;
        }
    }

    // Findings in the report's order (severity, account, resource,
    // statement), the same in every format; with several accounts each names
    // its account.
    let several_accounts = report.accounts.len() > 1;
    if !active.is_empty() {
        writeln!(out)?;
    }
    for f in active {
        let label = format!("{:<6}", f.severity.as_str().to_uppercase());
        let managed = if f.aws_managed { " [AWS-managed]" } else { "" };
        writeln!(
            out,
            "{} {} {}{managed}",
            paint(severity_style(f.severity), &label),
            visible(f.rule.id),
            visible(f.rule.name)
        )?;
        if several_accounts {
            writeln!(out, "{INDENT}account {}", visible(&f.account_id))?;
        }
        writeln!(out, "{INDENT}{}", visible(&f.resource_arn))?;
        let statement = super::statement_label(
            f.statement_index,
            f.statement_sid.as_deref(),
            str::to_string,
        );
        wrapped(out, width, &format!("{statement}: "), &f.message)?;
        wrapped(out, width, "fix: ", &f.recommendation)?;
        writeln!(out, "{INDENT}id: {}", visible(&f.finding_id))?;
    }

    if !report.remediations.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(
                bold,
                "Fixes (deputy-audit fix REPORT.json --out DIR writes them as files and commands):"
            )
        )?;
        for r in &report.remediations {
            write_remediation(out, width, r)?;
        }
    }

    if !suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(bold, "Suppressed (not gating):"))?;
        for f in suppressed {
            writeln!(
                out,
                "{:<6} {} {} {}",
                f.severity.as_str().to_uppercase(),
                visible(f.rule.id),
                visible(f.rule.name),
                visible(&f.finding_id)
            )?;
            writeln!(out, "{INDENT}{}", visible(&f.resource_arn))?;
            let reason = report.suppression(f).map(|s| s.reason.as_str());
            wrapped(out, width, "reason: ", reason.unwrap_or_default())?;
        }
    }

    // Listed so that nothing silently disappears; not judged, never gating.
    if !report.aws_managed_resources.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(
                bold,
                "AWS-managed (the account cannot change these policies; not judged):"
            )
        )?;
        for r in &report.aws_managed_resources {
            writeln!(out, "  {}", r.resource_arn)?;
            wrapped(out, width, "", &r.reason)?;
        }
    }

    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(bold, "Not assessed:"))?;
        for e in &report.errors {
            writeln!(out, "  {}", visible(&e.resource_arn))?;
            wrapped(out, width, &format!("{}: ", e.operation), &e.reason)?;
        }
    }
    Ok(())
}

/// One resource's correction: per flagged statement what was done and why,
/// who uses it, the corrected statement(s); then what is left.
fn write_remediation(
    out: &mut dyn Write,
    width: usize,
    r: &deputy_audit_analyze::Remediation,
) -> anyhow::Result<()> {
    writeln!(out, "  {}", visible(&r.resource_arn))?;
    for s in &r.statements {
        let statement = super::statement_label(s.index, s.sid.as_deref(), str::to_string);
        let rules = s.rule_ids.join(", ");
        wrapped(
            out,
            width,
            &format!("{statement}, {rules}: "),
            &format!("{}: {}", super::fix_action_label(s.action), s.reason),
        )?;
        if !s.unscanned_accounts.is_empty() {
            wrapped(
                out,
                width,
                "  not scanned: ",
                &s.unscanned_accounts.join(", "),
            )?;
        }
        for u in r.used_by.iter().filter(|u| u.statement_index == s.index) {
            let source = u.source_arn.as_deref().unwrap_or("(no source ARN)");
            writeln!(
                out,
                "{INDENT}  used by: {} ({}, account {})",
                visible(source),
                visible(&u.service_principal),
                visible(&u.source_account)
            )?;
        }
        for corrected in &s.corrected_statements {
            writeln!(out, "{INDENT}  corrected:")?;
            for line in serde_json::to_string_pretty(corrected)?.lines() {
                writeln!(out, "{INDENT}    {}", visible(line))?;
            }
        }
    }
    if r.corrected_policy.is_none() {
        wrapped(
            out,
            width,
            "",
            "no corrected policy: every flagged statement needs a person",
        )?;
    }
    for m in &r.remaining {
        wrapped(
            out,
            width,
            &format!(
                "still {} {} statement {}: ",
                m.severity.as_str().to_uppercase(),
                m.rule_id,
                m.statement_index
            ),
            &m.message,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{AccountStatus, AccountSummary, ToolInfo};
    use deputy_audit_analyze::{Finding, ResourceType};
    use std::collections::BTreeMap;

    fn finding(account: &str, severity: Severity) -> Finding {
        Finding {
            account_id: account.into(),
            region: "us-east-1".into(),
            service: "sqs".into(),
            resource_type: ResourceType::SqsQueue,
            resource_arn: format!("arn:aws:sqs:us-east-1:{account}:a-queue-with-a-long-name-that-is-never-broken"),
            statement_index: 0,
            statement_sid: Some("AllowSns".into()),
            principals: vec!["sns.amazonaws.com".into()],
            actions: vec!["sqs:SendMessage".into()],
            resources: Vec::new(),
            rule: deputy_audit_analyze::rule("CD001").expect("CD001 exists"),
            severity,
            message: "sns.amazonaws.com may act on this sqs-queue for any AWS account: no aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths condition pins the calling resource".into(),
            recommendation: "Pin the calling resource: add aws:SourceAccount = 111122223333 under StringEquals. See https://docs.aws.amazon.com/connect/latest/adminguide/cross-service-confused-deputy-prevention.html.".into(),
            suggested_condition: None,
            aws_managed: false,
            finding_id: "DA-0123456789abcdef".into(),
            guarded_by: None,
            mitigated_by: None,
        }
    }

    fn report(accounts: &[&str], findings: Vec<Finding>) -> Report {
        Report {
            tool: ToolInfo::current(),
            scan_started: String::new(),
            scan_finished: String::new(),
            account_id: match accounts {
                [one] => one.to_string(),
                _ => "multiple".into(),
            },
            regions: vec!["us-east-1".into()],
            resource_counts: [(ResourceType::SqsQueue, 2)].into_iter().collect(),
            accounts: accounts
                .iter()
                .map(|a| AccountSummary {
                    account_id: a.to_string(),
                    role_arn: None,
                    status: AccountStatus::Scanned,
                    resource_counts: BTreeMap::new(),
                    findings: 1,
                    errors: 0,
                    aws_managed: 0,
                })
                .collect(),
            findings,
            errors: Vec::new(),
            aws_managed_resources: Vec::new(),
            suppressions: BTreeMap::new(),
            organization_guardrails: None,
            baseline: None,
            assessed: Vec::new(),
            view: crate::report::View::default(),
            hidden: Vec::new(),
            statement_lines: BTreeMap::new(),
            wiring: Default::default(),
            flagged_policies: Vec::new(),
            remediations: Vec::new(),
        }
    }

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out, false).expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn fits_80_columns_except_arns() {
        let text = render(&report(
            &["111122223333"],
            vec![finding("111122223333", Severity::High)],
        ));
        for line in text.lines() {
            // Only an unbreakable token (an ARN, a URL) may overflow, alone on its line.
            let unbreakable = !line.trim().contains(' ');
            assert!(
                line.chars().count() <= WIDTH || unbreakable,
                "too wide: {line:?}"
            );
        }
        assert!(text.contains(
            "arn:aws:sqs:us-east-1:111122223333:a-queue-with-a-long-name-that-is-never-broken"
        ));
        assert!(!text.contains('\u{1b}'), "no colour when not asked");
        assert!(
            !text.lines().any(|l| l.ends_with('-')),
            "no word split at a hyphen:\n{text}"
        );
        insta::assert_snapshot!("table_long_arn", text);
    }

    #[test]
    fn names_the_account_of_each_finding_when_there_are_several() {
        let text = render(&report(
            &["111122223333", "444455556666"],
            vec![
                finding("444455556666", Severity::High),
                finding("111122223333", Severity::Low),
            ],
        ));
        // Severity first, then account: the high finding of the second account leads.
        let first = text.find("account 444455556666").expect("account named");
        let second = text.find("account 111122223333").expect("account named");
        assert!(first < second, "{text}");
        insta::assert_snapshot!("table_two_accounts", text);
    }

    #[test]
    fn suppressed_findings_are_listed_apart_and_not_counted() {
        let mut accepted = finding("111122223333", Severity::High);
        accepted.finding_id = "DA-00000000000000aa".into();
        let mut report = report(
            &["111122223333"],
            vec![finding("111122223333", Severity::Low), accepted],
        );
        report.suppressions.insert(
            "DA-00000000000000aa".into(),
            crate::report::Suppression {
                reason: "reviewed in SEC-42".into(),
            },
        );
        let text = render(&report);
        assert!(
            text.contains("Findings: 1 (+1 suppressed by --baseline)"),
            "{text}"
        );
        let listed = text.find("Suppressed (not gating):").expect("listed");
        assert!(
            text[listed..].contains("reason: reviewed in SEC-42"),
            "{text}"
        );
        insta::assert_snapshot!("table_suppressed", text);
        for line in text.lines() {
            let unbreakable = !line.trim().contains(' ');
            assert!(
                line.chars().count() <= WIDTH || unbreakable,
                "too wide: {line:?}"
            );
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let mut out = Vec::new();
        write(
            &report(
                &["111122223333"],
                vec![finding("111122223333", Severity::High)],
            ),
            &mut out,
            true,
        )
        .expect("writes");
        assert!(String::from_utf8(out).expect("utf-8").contains('\u{1b}'));
    }
}
