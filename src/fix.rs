//! `deputy-audit fix REPORT.json --out DIR`: the corrected policies of a JSON
//! report's `remediations` as files, and one shell script of the AWS CLI
//! commands that would apply them, for a person to review and run. Nothing
//! here talks to AWS.
//!
//! The report is data, never code: file names and commands are computed again
//! from the resource type and ARN ([`crate::report::apply`]), not taken from
//! the report's `apply_command`; every value on a command line is
//! single-quoted and every comment made one visible line
//! ([`crate::escape::visible`]), so a hostile Sid, ARN or reason cannot end a
//! comment or a quote. The script is written 0644, not executable: it runs
//! only when a person asks for it (`bash DIR/apply.sh`), never by a stray
//! `./apply.sh` or tab completion.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::cli::FixArgs;
use crate::escape::visible;
use crate::exit::{self, Failure};
use crate::report::apply::{self, Plan};
use crate::report::json::v2::{FixAction, Remediation, Report};

/// The script's name in DIR.
pub(crate) const SCRIPT: &str = "apply.sh";

#[allow(clippy::print_stderr, reason = "tells the user what was written")]
pub(crate) fn run(args: &FixArgs) -> Result<u8, Failure> {
    refuse_used_directory(&args.out)?;
    let shown = crate::input::display(&args.report);
    let report = read(&args.report, &shown).map_err(|e| Failure::InputFile(format!("{e:#}")))?;
    let plans: Vec<(&Remediation, Plan)> = report
        .remediations
        .iter()
        .map(|r| (r, vetted(r, apply::plan(r))))
        .collect();
    let files = write_all(&args.out, &shown, &report, &plans).map_err(|e| {
        Failure::OutputFile(format!(
            "cannot write the fixes into {}: {e:#}\nnothing was sent to AWS; remove {} and run again",
            args.out.display(),
            args.out.display()
        ))
    })?;
    let manual = plans.iter().filter(|(_, p)| p.command.is_none()).count();
    eprintln!(
        "deputy-audit: wrote {files} file(s) into {} for {} resource(s) ({manual} need a person, listed in the script)",
        visible(&args.out.display().to_string()),
        plans.len()
    );
    eprintln!(
        "deputy-audit: review them, then run it yourself: bash {}",
        visible(&args.out.join(SCRIPT).display().to_string())
    );
    Ok(exit::CLEAN)
}

/// DIR must be new or empty: `fix` never replaces a file.
fn refuse_used_directory(dir: &Path) -> Result<(), Failure> {
    let shown = visible(&dir.display().to_string()).into_owned();
    match std::fs::metadata(dir) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => Err(Failure::Usage(format!(
            "--out {shown} exists and is not a directory; give a new directory (fix creates it)"
        ))),
        Ok(_) => {
            let used = std::fs::read_dir(dir)
                .map_err(|e| Failure::Usage(format!("cannot read --out {shown}: {e}")))?
                .next()
                .is_some();
            if used {
                Err(Failure::Usage(format!(
                    "--out {shown} exists and is not empty: fix never replaces files; give a new directory (fix creates it) or empty this one"
                )))
            } else {
                Ok(())
            }
        }
    }
}

/// The report, with its remediations: refused when it was written before
/// they existed (schema_version 1, or no `remediations` field at all).
fn read(path: &Path, shown: &str) -> anyhow::Result<Report> {
    let text = crate::input::read_text(path, "report", crate::input::REPORT_LIMIT)?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{shown} is not a deputy-audit JSON report"))?;
    crate::report::check_report_origin(&value, shown)?;
    if value.get("remediations").is_none() {
        anyhow::bail!(
            "{shown} has no remediations: it was written by a deputy-audit version before `fix` existed (schema_version {}); scan again with this one: deputy-audit scan --format json --output report.json",
            value["schema_version"]
        );
    }
    crate::report::json::read(value, shown)
}

/// The plan, unless the report's corrected policy is not what deputy-audit
/// would have written: not a policy document, or one that the analysis,
/// run again here, finds more wrong with than the remediation's `remaining`
/// admits (a report edited by hand or by something else). Then no command is
/// written, and the script says why. CD004 is a question of trust the scan may
/// have answered with `--trusted-account`, which the report does not carry.
fn vetted(r: &Remediation, mut plan: Plan) -> Plan {
    let Some(policy) = &r.corrected_policy else {
        return plan;
    };
    let refuse = |plan: &mut Plan, why: String| {
        plan.command = None;
        plan.extra_files.clear();
        plan.why_not = Some(why);
    };
    if !policy.is_object() {
        refuse(
            &mut plan,
            "the report's corrected_policy is not a policy document; scan again".to_string(),
        );
        return plan;
    }
    let resource = deputy_audit_analyze::ResourcePolicy {
        arn: r.resource_arn.clone(),
        resource_type: r.resource_type,
        account_id: r.account_id.clone(),
        region: r.region.clone(),
        policy: Some(policy.to_string()),
        aws_managed: None,
    };
    let admitted: Vec<&str> = r.remaining.iter().map(|m| m.rule_id.as_str()).collect();
    match deputy_audit_analyze::analyze(
        &resource,
        &deputy_audit_analyze::AnalysisOptions::default(),
    ) {
        Ok(findings) => {
            let mut unexpected: Vec<&str> = findings
                .iter()
                .filter(|f| f.severity >= deputy_audit_analyze::Severity::Low)
                .map(|f| f.rule.id)
                .filter(|id| *id != "CD004" && !admitted.contains(id))
                .collect();
            unexpected.sort();
            unexpected.dedup();
            if !unexpected.is_empty() {
                refuse(
                    &mut plan,
                    format!(
                        "the report's corrected policy still has findings it does not admit ({}): it may have been edited; scan again",
                        unexpected.join(", ")
                    ),
                );
            }
        }
        Err(e) => refuse(
            &mut plan,
            format!("the report's corrected policy cannot be read: {e}"),
        ),
    }
    plan
}

/// Writes every file; returns how many.
fn write_all(
    dir: &Path,
    shown: &str,
    report: &Report,
    plans: &[(&Remediation, Plan)],
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).context("cannot create the directory")?;
    let mut written = 0;
    for (r, plan) in plans {
        let Some(policy) = &r.corrected_policy else {
            continue;
        };
        write_new(dir, &plan.policy_file, &pretty(policy)?, 0o644)?;
        written += 1;
        for (name, contents) in &plan.extra_files {
            write_new(dir, name, contents, 0o644)?;
            written += 1;
        }
    }
    write_new(dir, SCRIPT, &script(shown, report, plans), 0o644)?;
    Ok(written + 1)
}

fn pretty(value: &Value) -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?))
}

/// Writes `name` in `dir` through a temporary file, never over an existing file.
fn write_new(dir: &Path, name: &str, contents: &str, mode: u32) -> anyhow::Result<()> {
    // Names come from `apply`, clean by construction; checked again here.
    anyhow::ensure!(
        !name.is_empty()
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "refusing the file name {}",
        visible(name)
    );
    let path = dir.join(name);
    let mut tmp = tempfile::Builder::new()
        .prefix(".deputy-audit-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(contents.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(&path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// One comment line: whatever `text` holds, it stays on this line.
fn comment(out: &mut String, text: &str) {
    let _ = writeln!(out, "# {}", visible(text));
}

/// The reviewable script.
fn script(shown: &str, report: &Report, plans: &[(&Remediation, Plan)]) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    comment(
        &mut out,
        &format!(
            "Generated by {} {} (`deputy-audit fix`) from the report {shown} (account {}, scan finished {}).",
            report.tool.name, env!("CARGO_PKG_VERSION"), report.account_id, report.scan_finished
        ),
    );
    for line in [
        "deputy-audit never runs this script and never writes to AWS: it only wrote these files.",
        "Review every command and the policy file it applies before you run it yourself",
        "(bash apply.sh, with credentials allowed to change these policies). Each command",
        "replaces the resource's whole policy with the corrected one beside this script.",
        "Scan again afterwards: the corrected resources should have no findings left.",
    ] {
        comment(&mut out, line);
    }
    out.push_str("set -euo pipefail\ncd -- \"$(dirname -- \"${BASH_SOURCE[0]}\")\"\n");
    if plans.is_empty() {
        out.push('\n');
        comment(
            &mut out,
            "The report has no remediations: nothing to apply.",
        );
    }
    for (r, plan) in plans {
        resource_block(&mut out, r, plan);
    }
    out
}

fn resource_block(out: &mut String, r: &Remediation, plan: &Plan) {
    out.push('\n');
    comment(
        out,
        &format!(
            "=== {} ({}, {}, account {})",
            r.resource_arn,
            r.resource_type.as_str(),
            r.region,
            r.account_id
        ),
    );
    let fixed: std::collections::BTreeSet<&str> = r
        .statements
        .iter()
        .filter(|s| s.action != FixAction::Unchanged)
        .flat_map(|s| s.rule_ids.iter().map(String::as_str))
        .collect();
    if !fixed.is_empty() {
        comment(
            out,
            &format!(
                "Findings fixed: {}",
                fixed.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if !r.used_by.is_empty() {
        comment(
            out,
            "Who uses the grants (from the account's configuration):",
        );
        for u in &r.used_by {
            comment(
                out,
                &format!(
                    "  statement {}: {} for {} (account {}; found by {})",
                    u.statement_index,
                    u.service_principal,
                    u.source_arn.as_deref().unwrap_or("(no source ARN)"),
                    u.source_account,
                    u.kind
                ),
            );
        }
    }
    for s in &r.statements {
        let sid = s
            .sid
            .as_deref()
            .map(|sid| format!(" {sid:?}"))
            .unwrap_or_default();
        let what = match s.action {
            FixAction::Removed => "removed, unused".to_string(),
            FixAction::Unchanged => "unchanged, needs a person".to_string(),
            action => action.as_str().to_string(),
        };
        comment(
            out,
            &format!(
                "Statement {}{sid} ({}): {what}: {}",
                s.index,
                s.rule_ids.join(", "),
                s.reason
            ),
        );
        if !s.unscanned_accounts.is_empty() {
            comment(
                out,
                &format!(
                    "  its sources may live in accounts that were not scanned: {}",
                    s.unscanned_accounts.join(", ")
                ),
            );
        }
    }
    if !r.remaining.is_empty() {
        comment(out, "Findings the corrected policy still has:");
        for m in &r.remaining {
            comment(
                out,
                &format!(
                    "  {} {} statement {}: {}",
                    m.severity.as_str().to_uppercase(),
                    m.rule_id,
                    m.statement_index,
                    m.message
                ),
            );
        }
    }
    match (&plan.command, &r.corrected_policy) {
        (Some(command), _) => {
            comment(out, &format!("Corrected policy: {}", plan.policy_file));
            out.push_str(command);
            out.push('\n');
        }
        (None, policy) => {
            let why = plan.why_not.as_deref().unwrap_or("no command fits");
            comment(out, &format!("No command: {why}."));
            if policy.is_some() {
                comment(
                    out,
                    &format!(
                        "Change the policy by hand; the corrected one is in {}.",
                        plan.policy_file
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_corrected_policy_gets_no_command() {
        let remediation = |policy: serde_json::Value| -> Remediation {
            serde_json::from_value(serde_json::json!({
                "account_id": "111122223333", "region": "us-east-1",
                "resource_type": "sqs-queue",
                "resource_arn": "arn:aws:sqs:us-east-1:111122223333:q",
                "used_by": [], "unused_statements": [], "statements": [],
                "corrected_policy": policy, "remaining": []
            }))
            .unwrap()
        };
        let open = remediation(serde_json::json!({"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}));
        let plan = vetted(&open, apply::plan(&open));
        assert!(plan.command.is_none());
        assert!(plan.why_not.unwrap().contains("CD009"));
        let string = remediation(serde_json::json!("rm -rf /"));
        assert!(vetted(&string, apply::plan(&string)).command.is_none());
        let pinned = remediation(serde_json::json!({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]}));
        assert!(vetted(&pinned, apply::plan(&pinned)).command.is_some());
    }

    #[test]
    fn comments_cannot_break_out() {
        let mut out = String::new();
        comment(&mut out, "Sid\nrm -rf ~ \r$(id)");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("# "));
    }
}
