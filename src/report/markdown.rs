//! The Markdown report, for a review ticket or a pull-request comment: a
//! summary table by service and severity, the findings grouped by account and
//! resource (each with a link to its rule in docs/rules.md and the suggested
//! `Condition` block), suppressed findings folded away in `<details>`, then the
//! resources that could not be assessed.
//!
//! Every string that comes from a policy or an API (Sids, principals, reasons)
//! is escaped, so a policy cannot inject markup into the comment.

use std::io::Write;

use deputy_audit_analyze::remediate::{FixAction, StatementFix};
use deputy_audit_analyze::{Finding, Severity};

use super::Report;

/// Escapes Markdown (CommonMark backslash escapes for ASCII punctuation that
/// means something, HTML-significant characters as entities) after making
/// control characters visible (`\u{1b}`, see [`super::escape`]).
pub(super) fn escape(text: &str) -> String {
    let text = crate::escape::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// An inline code span that holds `text` whatever backticks it contains.
fn code(text: &str) -> String {
    let text = crate::escape::one_line(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

const ORDER: [Severity; 4] = [
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

pub(super) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let (active, suppressed): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| report.suppression(f).is_none());

    writeln!(out, "# deputy-audit report")?;
    writeln!(out)?;
    let mut facts = Vec::new();
    if crate::sentinel::ReportScope::of(&report.account_id) != crate::sentinel::ReportScope::Check {
        facts.push(format!("account {}", code(&report.account_id)));
    }
    if !report.regions.is_empty() {
        facts.push(format!("regions {}", escape(&report.regions.join(", "))));
    }
    facts.push(format!(
        "{} → {}",
        escape(&report.scan_started),
        escape(&report.scan_finished)
    ));
    facts.push(format!(
        "{} {}",
        escape(&report.tool.name),
        escape(&report.tool.version)
    ));
    writeln!(out, "{}", facts.join(" · "))?;
    writeln!(out)?;
    let resources: usize = report.resource_counts.values().sum();
    writeln!(
        out,
        "**{} finding{}** · {} suppressed · {} resource{} scanned · {} not assessed · {} AWS-managed",
        active.len(),
        if active.len() == 1 { "" } else { "s" },
        suppressed.len(),
        resources,
        if resources == 1 { "" } else { "s" },
        report.errors.len(),
        report.aws_managed_resources.len()
    )?;
    if let Some(g) = &report.organization_guardrails {
        writeln!(out)?;
        writeln!(out, "{}", escape(&g.describe()))?;
    }
    if report.accounts.len() > 1 {
        writeln!(out)?;
        writeln!(
            out,
            "| account | status | resources | findings | suppressed | not assessed |"
        )?;
        writeln!(out, "|---|---|---:|---:|---:|---:|")?;
        for a in &report.accounts {
            let status = serde_json::to_value(a.status)?;
            let (suppressed, findings) = report.account_finding_counts(&a.account_id);
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(&a.account_id),
                escape(status.as_str().unwrap_or_default()),
                a.resource_counts.values().sum::<usize>(),
                findings,
                suppressed,
                a.errors
            )?;
        }
    }
    if !report.is_complete() {
        writeln!(out)?;
        writeln!(
            out,
            "> **The scan is incomplete:** some resources could not be assessed (listed at the end)."
        )?;
    }

    if !active.is_empty() {
        writeln!(out)?;
        writeln!(out, "| service | high | medium | low | info |")?;
        writeln!(out, "|---|---:|---:|---:|---:|")?;
        let by_service = super::severity_counts_by_service(active.iter().copied());
        let mut total = [0usize; 4];
        for (service, n) in &by_service {
            let cells: Vec<String> = ORDER.iter().map(|s| n[*s as usize].to_string()).collect();
            writeln!(out, "| {} | {} |", escape(service), cells.join(" | "))?;
            for s in ORDER {
                total[s as usize] += n[s as usize];
            }
        }
        let cells: Vec<String> = ORDER
            .iter()
            .map(|s| format!("**{}**", total[*s as usize]))
            .collect();
        writeln!(out, "| **total** | {} |", cells.join(" | "))?;

        writeln!(out)?;
        writeln!(out, "## Findings")?;
        write_grouped(out, report, &active, "###")?;
    }

    if !report.remediations.is_empty() {
        write_fixes(out, report)?;
    }

    if !suppressed.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>{} suppressed finding{} (baseline; not gating)</summary>",
            suppressed.len(),
            if suppressed.len() == 1 { "" } else { "s" }
        )?;
        writeln!(out)?;
        write_grouped(out, report, &suppressed, "###")?;
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }

    if !report.aws_managed_resources.is_empty() {
        writeln!(out)?;
        writeln!(out, "## AWS-managed")?;
        writeln!(out)?;
        writeln!(
            out,
            "The account cannot change these policies, so they are listed, not judged, and never gate."
        )?;
        writeln!(out)?;
        writeln!(out, "| resource | why AWS owns it |")?;
        writeln!(out, "|---|---|")?;
        for r in &report.aws_managed_resources {
            writeln!(
                out,
                "| {} | {} |",
                code(&r.resource_arn).replace('|', "\\|"),
                escape(&r.reason)
            )?;
        }
    }

    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Not assessed")?;
        writeln!(out)?;
        writeln!(out, "| resource | operation | reason |")?;
        writeln!(out, "|---|---|---|")?;
        for e in &report.errors {
            writeln!(
                out,
                "| {} | {} | {} |",
                code(&e.resource_arn).replace('|', "\\|"),
                escape(&e.operation),
                escape(&e.reason)
            )?;
        }
    }
    Ok(())
}

/// Findings in the report's order (severity, account, resource, statement),
/// under a heading for each run of one account and of one resource.
fn write_grouped(
    out: &mut dyn Write,
    report: &Report,
    findings: &[&Finding],
    heading: &str,
) -> anyhow::Result<()> {
    let mut runs: Vec<(&str, &str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match runs.last_mut() {
            Some((account, arn, list)) if *account == f.account_id && *arn == f.resource_arn => {
                list.push(f)
            }
            _ => runs.push((f.account_id.as_str(), f.resource_arn.as_str(), vec![f])),
        }
    }
    let mut current_account = None;
    for (account, arn, list) in runs {
        if current_account != Some(account) {
            current_account = Some(account);
            writeln!(out)?;
            let account = if account.is_empty() {
                "(account not given)".to_string()
            } else {
                code(account)
            };
            writeln!(out, "{heading} Account {account}")?;
        }
        {
            let first = list[0];
            writeln!(out)?;
            let region = if first.region.is_empty() {
                String::new()
            } else {
                format!(", {}", escape(&first.region))
            };
            let managed = if first.aws_managed {
                ", AWS-managed: its policy cannot be changed"
            } else {
                ""
            };
            writeln!(
                out,
                "{heading}# {} ({}{region}{managed})",
                code(arn),
                escape(first.resource_type.as_str())
            )?;
            for f in list {
                write_finding(out, f, report.suppression(f), statement_fix(report, f))?;
            }
        }
    }
    Ok(())
}

/// The correction of `f`'s statement, when its resource has one.
fn statement_fix<'a>(report: &'a Report, f: &Finding) -> Option<&'a StatementFix> {
    report
        .remediations
        .iter()
        .find(|r| r.account_id == f.account_id && r.resource_arn == f.resource_arn)?
        .statements
        .iter()
        .find(|s| s.index == f.statement_index)
}

/// A JSON value as an indented fenced block inside a list item. Every line of
/// pretty JSON starts with a space, a brace or a quote, never a fence; control
/// characters are shown, not obeyed.
fn json_block(out: &mut dyn Write, value: &serde_json::Value) -> anyhow::Result<()> {
    writeln!(out)?;
    writeln!(out, "  ```json")?;
    for line in serde_json::to_string_pretty(value)?.lines() {
        writeln!(out, "  {}", crate::escape::visible(line))?;
    }
    writeln!(out, "  ```")?;
    Ok(())
}

fn write_finding(
    out: &mut dyn Write,
    f: &Finding,
    suppression: Option<&super::Suppression>,
    fix: Option<&StatementFix>,
) -> anyhow::Result<()> {
    writeln!(out)?;
    let statement = super::statement_label(f.statement_index, f.statement_sid.as_deref(), code);
    writeln!(
        out,
        "- **{}** [{} {}]({}) · {statement} · {}",
        f.severity.as_str().to_uppercase(),
        escape(f.rule.id),
        escape(f.rule.name),
        f.rule.help_url(),
        code(&f.finding_id)
    )?;
    writeln!(out)?;
    writeln!(out, "  {}", escape(&f.message))?;
    if !f.principals.is_empty() || !f.actions.is_empty() {
        writeln!(out)?;
        let list = |v: &[String]| v.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ");
        writeln!(
            out,
            "  Principals: {} · Actions: {}",
            list(&f.principals),
            list(&f.actions)
        )?;
    }
    if let Some(s) = suppression {
        writeln!(out)?;
        writeln!(out, "  **Suppressed:** {}", escape(&s.reason))?;
    }
    writeln!(out)?;
    writeln!(out, "  **Fix:** {}", escape(&f.recommendation))?;
    match fix {
        // The corrected statement replaces the statement whole: no block to
        // merge or to mistake for a replacement of the Condition alone.
        Some(fix) if !fix.corrected_statements.is_empty() => {
            writeln!(out)?;
            writeln!(
                out,
                "  **Corrected statement** ({}): {}",
                super::fix_action_label(fix.action),
                escape(&fix.reason)
            )?;
            for statement in &fix.corrected_statements {
                json_block(out, statement)?;
            }
        }
        Some(fix) if fix.action == FixAction::Removed => {
            writeln!(out)?;
            writeln!(
                out,
                "  **Corrected policy:** removes this statement: {}",
                escape(&fix.reason)
            )?;
        }
        other => {
            if let Some(fix) = other {
                writeln!(out)?;
                writeln!(out, "  **Needs a person:** {}", escape(&fix.reason))?;
            }
            // No corrected statement (`check`, or a statement that needs a
            // person): the rule's suggested block, as before.
            if let Some(condition) = &f.suggested_condition {
                let body =
                    serde_json::to_string_pretty(&serde_json::json!({ "Condition": condition }))?;
                writeln!(out)?;
                writeln!(out, "  ```json")?;
                for line in body.lines() {
                    writeln!(out, "  {line}")?;
                }
                writeln!(out, "  ```")?;
            }
        }
    }
    Ok(())
}

/// After the findings: per resource with a correction, who uses its grants,
/// what each flagged statement became, and what is left.
fn write_fixes(out: &mut dyn Write, report: &Report) -> anyhow::Result<()> {
    writeln!(out)?;
    writeln!(out, "## Fixes")?;
    writeln!(out)?;
    writeln!(
        out,
        "`deputy-audit fix REPORT.json --out DIR` writes each corrected policy and a reviewable `apply.sh`; deputy-audit never applies them."
    )?;
    for r in &report.remediations {
        writeln!(out)?;
        writeln!(
            out,
            "### {} ({})",
            code(&r.resource_arn),
            escape(r.resource_type.as_str())
        )?;
        writeln!(out)?;
        if r.used_by.is_empty() {
            writeln!(out, "- Used by: no source found in the scanned accounts")?;
        } else {
            writeln!(out, "- Used by:")?;
            for u in &r.used_by {
                writeln!(
                    out,
                    "  - statement {}: {} for {} (account {}, found by {})",
                    u.statement_index,
                    code(&u.service_principal),
                    u.source_arn
                        .as_deref()
                        .map_or_else(|| "no source ARN".to_string(), code),
                    code(&u.source_account),
                    escape(&u.kind)
                )?;
            }
        }
        for s in &r.statements {
            let statement = super::statement_label(s.index, s.sid.as_deref(), code);
            let not_scanned = if s.unscanned_accounts.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = s.unscanned_accounts.iter().map(|a| code(a)).collect();
                format!(" (not scanned: {})", list.join(", "))
            };
            writeln!(
                out,
                "- {statement}, {}: **{}**: {}{not_scanned}",
                escape(&s.rule_ids.join(", ")),
                super::fix_action_label(s.action),
                escape(&s.reason)
            )?;
        }
        if r.corrected_policy.is_none() {
            writeln!(
                out,
                "- No corrected policy: every flagged statement needs a person."
            )?;
        }
        for m in &r.remaining {
            writeln!(
                out,
                "- Still: **{}** {} statement {}: {}",
                m.severity.as_str().to_uppercase(),
                escape(&m.rule_id),
                m.statement_index,
                escape(&m.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;
    use std::collections::BTreeMap;

    fn markdown(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_finding_appears_with_its_arn_rule_and_link() {
        let report = sample_report();
        let md = markdown(&report);
        for f in &report.findings {
            assert!(
                md.contains(&format!("`{}`", f.resource_arn)),
                "{}",
                f.resource_arn
            );
            assert!(md.contains(&format!("[{} ", f.rule.id)), "{}", f.rule.id);
            assert!(md.contains(&f.rule.help_url()));
            assert!(md.contains(&f.finding_id));
        }
    }

    #[test]
    fn suppressed_findings_are_folded_and_errors_listed() {
        let report = sample_report();
        let md = markdown(&report);
        let details = md.find("<details>").expect("suppressed block");
        let reason = md
            .find("**Suppressed:** accepted risk")
            .expect("reason shown");
        assert!(reason > details);
        // The wording of the whole document: snapshot_tests.rs.
    }

    #[test]
    fn several_accounts_get_a_summary_table() {
        use crate::report::{AccountStatus, AccountSummary};
        let mut report = sample_report();
        for (id, status) in [
            ("111122223333", AccountStatus::Scanned),
            ("444455556666", AccountStatus::Failed),
        ] {
            report.accounts.push(AccountSummary {
                account_id: id.to_string(),
                role_arn: None,
                status,
                resource_counts: BTreeMap::new(),
                findings: 0,
                errors: 0,
                aws_managed: 0,
            });
        }
        let md = markdown(&report);
        crate::report::snapshot_tests::settings()
            .bind(|| insta::assert_snapshot!("markdown_two_accounts", md));
    }

    #[test]
    fn policy_text_cannot_inject_markup() {
        assert_eq!(escape("<img src=x>|*"), "&lt;img src=x&gt;\\|\\*");
        assert_eq!(code("a`b"), "``a`b``");
    }
}
