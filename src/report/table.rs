//! The human summary: what was scanned, counts by service and severity, then
//! each finding in a few short lines. Fits 80 columns except for long ARNs,
//! which are never cut (a truncated ARN cannot be acted on).

use std::collections::BTreeMap;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use deputy_audit_analyze::Severity;

use super::Report;

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::White,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

pub fn write(report: &Report, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();

    let regions = if report.regions.is_empty() {
        String::new()
    } else {
        format!(" ({})", report.regions.join(", "))
    };
    writeln!(
        out,
        "{}",
        paint(
            bold,
            &format!("deputy-audit: account {}{regions}", report.account_id)
        )
    )?;
    let total: usize = report.resource_counts.values().sum();
    let counts: Vec<String> = report
        .resource_counts
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    writeln!(out, "Resources: {total} ({})", counts.join(", "))?;

    // Counts by service and severity.
    let mut by_service: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    let (active, suppressed): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .partition(|f| f.suppression.is_none());
    for f in &active {
        by_service.entry(f.service.as_str()).or_default()[f.severity as usize] += 1;
    }
    let suppressed_note = if suppressed.is_empty() {
        String::new()
    } else {
        format!(" (+{} suppressed by --baseline)", suppressed.len())
    };
    writeln!(
        out,
        "Findings: {}{suppressed_note}   Errors (not assessed): {}",
        active.len(),
        report.errors.len()
    )?;
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
                service,
                n[Severity::High as usize],
                n[Severity::Medium as usize],
                n[Severity::Low as usize],
                n[Severity::Info as usize]
            )?;
        }
    }

    if !active.is_empty() {
        writeln!(out)?;
        // Most severe first; the report's own order within a severity.
        let mut findings = active;
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in findings {
            let label = format!("{:<6}", f.severity.as_str().to_uppercase());
            let managed = if f.aws_managed { " [AWS-managed]" } else { "" };
            writeln!(
                out,
                "{} {} {}{managed}",
                paint(severity_style(f.severity), &label),
                f.rule_id,
                f.rule_name
            )?;
            writeln!(out, "       {}", f.resource_arn)?;
            let sid = f
                .statement_sid
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            writeln!(
                out,
                "       statement {}{sid}: {}",
                f.statement_index, f.message
            )?;
            writeln!(out, "       fix: {}", f.recommendation)?;
            writeln!(out, "       id: {}", f.finding_id)?;
        }
    }

    if !suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(bold, "Suppressed (not gating):"))?;
        for f in suppressed {
            let reason = f.suppression.as_ref().map(|s| s.reason.as_str());
            writeln!(
                out,
                "  {} {} {} {}",
                f.finding_id,
                f.severity.as_str().to_uppercase(),
                f.rule_id,
                f.resource_arn
            )?;
            writeln!(out, "       reason: {}", reason.unwrap_or(""))?;
        }
    }

    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(bold, "Not assessed:"))?;
        for e in &report.errors {
            writeln!(out, "  {}", e.resource_arn)?;
            writeln!(out, "       {}: {}", e.operation, e.reason)?;
        }
    }
    Ok(())
}
