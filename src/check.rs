//! `deputy-audit check`: the scan's judgement applied to policy files offline.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use deputy_audit_analyze::policy::{self, Policy};
use deputy_audit_analyze::{analyze_policy, ResourcePolicy, ResourceType};

use crate::cli::CheckArgs;
use crate::clock::now_rfc3339;
use crate::emit::{emit, formats_or_default};
use crate::report::{Destination, Report};
use crate::scan_error::ScanError;
use crate::sentinel::{NO_ACCOUNT, NO_REGION};
use crate::{exit, input};

/// The `operation` of an input `check` could not read or parse (there is no
/// API call to name).
pub(crate) const CHECK_OPERATION: &str = "ReadPolicyFile";

pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    if let Some(account) = &args.account {
        crate::validate::account_id("--account", account)?;
    }
    for account in &args.analysis.trusted_accounts {
        crate::validate::account_id("--trusted-account", account)?;
    }
    for org in &args.analysis.org_ids {
        crate::validate::org_id("--org-id", org)?;
    }
    let formats = formats_or_default(&args.output);
    let destination = Destination::from_args(args.output.output.as_deref(), &formats)?;
    let view = crate::report::View::from_output(&args.output)?;
    view.check_destination(&destination)?;
    let mut inputs: Vec<(&str, &Path)> =
        args.files.iter().map(|f| ("input", f.as_path())).collect();
    if let Some(baseline) = &args.output.baseline {
        inputs.push(("--baseline", baseline));
    }
    input::refuse_output_over_input(destination.file(), &inputs)?;
    destination.preflight()?;
    let baseline = crate::report::baseline::load_optional(args.output.baseline.as_deref())?;
    let options = args.analysis.options();
    // `--rcp`: judge the findings against these resource control policies, offline.
    let rcps = crate::guardrails::read_rcp_files(&args.analysis.rcp_files)?;
    let mut covered = 0;
    let started = now_rfc3339();
    let mut report = Report::new(
        started,
        args.account
            .clone()
            .unwrap_or_else(|| NO_ACCOUNT.to_string()),
        Vec::new(),
        BTreeMap::new(),
    );
    let mut input_errors = 0;
    let mut assessed = Vec::new();
    let mut statement_lines = std::collections::BTreeMap::new();
    // The files with findings, for their corrected policies (no wiring is
    // read offline, so each is pinned to its account).
    let mut flagged = Vec::new();
    for (path, name) in unique_inputs(&args.files) {
        let outcome = input::read_text(path, "policy", input::POLICY_LIMIT).and_then(|text| {
            // Parsed once: the same parse infers the type and feeds the analysis.
            let parsed = policy::parse(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            let resource_type = match args.resource_type {
                Some(t) => t,
                None => infer_resource_type(&parsed).with_context(|| {
                    format!("{name}: cannot tell what kind of policy this is; pass --resource-type")
                })?,
            };
            statement_lines.insert(name.clone(), crate::report::statement_lines(&text));
            let resource = ResourcePolicy {
                arn: name.clone(),
                resource_type,
                account_id: args
                    .account
                    .clone()
                    .unwrap_or_else(|| NO_ACCOUNT.to_string()),
                region: NO_REGION.to_string(),
                policy: Some(text),
                aws_managed: None,
            };
            let mut findings = analyze_policy(&resource, &options, &parsed);
            assessed.push(crate::report::AssessedResource::of(&resource));
            if !findings.is_empty() {
                flagged.push(resource.clone());
            }
            if !rcps.is_empty() {
                covered += crate::guardrails::mark_with(&rcps, None, &resource, &mut findings);
            }
            Ok((resource_type, findings))
        });
        match outcome {
            Ok((resource_type, findings)) => {
                *report.resource_counts.entry(resource_type).or_default() += 1;
                report.findings.extend(findings);
            }
            Err(err) => {
                input_errors += 1;
                let reason = format!("{err:#}");
                print_input_error(&reason);
                // Listed in the report too, as `scan` lists what it could not read:
                // every format then says the check is incomplete and names the file.
                report.errors.push(ScanError {
                    account_id: args
                        .account
                        .clone()
                        .unwrap_or_else(|| NO_ACCOUNT.to_string()),
                    region: NO_REGION.to_string(),
                    service: args
                        .resource_type
                        .map(|t| t.service().to_string())
                        .unwrap_or_default(),
                    resource_type: args.resource_type,
                    resource_arn: name,
                    operation: CHECK_OPERATION.to_string(),
                    reason,
                });
            }
        }
    }
    if !rcps.is_empty() {
        let account = args.account.clone().unwrap_or_default();
        for rcp in &rcps {
            report
                .findings
                .extend(deputy_audit_analyze::guardrails::analyze_rcp(rcp, &account));
        }
        report.organization_guardrails = Some(crate::guardrails::GuardrailsSummary {
            status: "assessed".to_string(),
            reason: None,
            source: "files".to_string(),
            policies: rcps
                .iter()
                .map(|r| crate::guardrails::RcpSummary {
                    policy_id: r.rcp.policy_id.clone(),
                    policy_name: r.rcp.policy_name.clone(),
                    aws_managed: r.rcp.aws_managed,
                    accounts: Vec::new(),
                })
                .collect(),
            management_account: None,
            covered_findings: covered,
        });
    }
    report.assessed = assessed;
    report.statement_lines = statement_lines;
    report.scan_finished = now_rfc3339();
    report.normalize();
    report.flagged_policies = flagged;
    let mut report = crate::report::baseline::apply_optional(baseline.as_ref(), report);
    crate::remediations::attach(&mut report, &options);
    report.view = view;
    let fail_on = args.output.fail_on.unwrap_or(crate::defaults::FAIL_ON);
    let code = emit(&report, &formats, &destination, fail_on)?;
    Ok(if input_errors > 0 { exit::USAGE } else { code })
}

/// Each input once, with the name it is reported under. `p.json`, `./p.json`
/// and a link to it are one file: analyzed once, under one name, so its
/// finding ids do not depend on how the path was typed. A file that cannot be
/// resolved (missing) keeps its spelling and fails when read, by that name.
/// An unreadable input is reported where errors go, and the run goes on.
#[allow(clippy::print_stderr, reason = "check's per-file error messages")]
fn print_input_error(reason: &str) {
    eprintln!("deputy-audit: error: {}", crate::escape::visible(reason));
}

fn unique_inputs(files: &[PathBuf]) -> Vec<(&Path, String)> {
    let mut seen = HashSet::new();
    let mut unique = Vec::new();
    for path in files {
        let (key, name) = if input::is_stdin(path) {
            (PathBuf::from("-"), input::display(path))
        } else {
            input::canonical_name(path)
                .unwrap_or_else(|| (path.clone(), path.display().to_string()))
        };
        // Hard links have their own paths but are one file: device and inode.
        let key = match input::identity(path) {
            Some(id) if !input::is_stdin(path) => format!("{id:?}"),
            _ => key.display().to_string(),
        };
        if seen.insert(key) {
            unique.push((path.as_path(), name));
        }
    }
    unique
}

/// Guesses the resource type from the first action's service prefix:
/// `sts:AssumeRole*` means a role trust policy. Returns `None` when the
/// document gives no usable hint (the caller asks for `--resource-type`).
fn infer_resource_type(parsed: &Policy) -> Option<ResourceType> {
    let actions: Vec<&str> = parsed
        .statements
        .iter()
        .filter_map(|s| s.action.as_ref())
        .flatten()
        .map(String::as_str)
        .collect();
    if actions
        .iter()
        .any(|a| a.to_ascii_lowercase().starts_with("sts:assumerole"))
    {
        return Some(ResourceType::IamRole);
    }
    actions.iter().find_map(|action| {
        let service = action.split(':').next()?.to_ascii_lowercase();
        ResourceType::ALL
            .into_iter()
            .find(|t| !t.is_trust_policy() && t.service() == service)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(text: &str) -> Option<ResourceType> {
        infer_resource_type(&policy::parse(text).expect("test policy parses"))
    }

    #[test]
    fn infers_trust_policy_from_assume_role() {
        let doc = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"qldb.amazonaws.com"},"Action":["sts:AssumeRole"]}}"#;
        assert_eq!(infer(doc), Some(ResourceType::IamRole));
    }

    #[test]
    fn infers_resource_policy_from_action_prefix() {
        let doc =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SQS:SendMessage"}]}"#;
        assert_eq!(infer(doc), Some(ResourceType::SqsQueue));
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt"}]}"#;
        assert_eq!(infer(doc), Some(ResourceType::KmsKey));
    }

    #[test]
    fn gives_up_without_a_hint() {
        assert_eq!(infer(r#"{"Statement":[]}"#), None);
        assert_eq!(
            infer(r#"{"Statement":{"Effect":"Allow","Action":"ec2:RunInstances"}}"#),
            None
        );
    }
}
