//! Organization guardrails: resource control policies (RCPs) read from AWS
//! Organizations (the caller's view of the organization) or from `--rcp FILE`, then
//! handed to `deputy_audit_analyze::guardrails`, which judges each statement as a Deny
//! guard. A finding an applicable RCP covers gets `mitigated_by` (and says so in its
//! message, so every format shows it) and does not gate; a finding about a service RCPs
//! cannot reach says that. When the RCPs cannot be read the report says "organization
//! guardrails not assessed" with the reason; nothing fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use aws_sdk_organizations::types::{ParentType, PolicyType};
use deputy_audit_analyze::guardrails::{self, Coverage, ParsedRcp, Rcp};
use deputy_audit_analyze::{Finding, ResourcePolicy};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::collect::{describe_sdk_error, ReadOnlyGuard};

/// The read-only Organizations calls made for guardrails (in `iam/deputy-audit-policy.json`).
pub(crate) const PERMISSIONS: &[&str] = &[
    "organizations:DescribeOrganization",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
    "organizations:DescribePolicy",
];

/// What the report says about organization guardrails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GuardrailsSummary {
    /// `assessed` or `not-assessed`.
    pub status: String,
    /// Why they were not assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `organizations` or `files` (`--rcp`).
    pub source: String,
    /// Every RCP read, with the accounts it applies to.
    #[serde(default)]
    pub policies: Vec<RcpSummary>,
    /// The organization's management account (its resources are never covered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account: Option<String>,
    /// Findings an RCP covers.
    pub covered_findings: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RcpSummary {
    pub policy_id: String,
    pub policy_name: String,
    pub aws_managed: bool,
    /// The accounts it applies to (empty for `--rcp` files: all).
    #[serde(default)]
    pub accounts: Vec<String>,
}

impl GuardrailsSummary {
    /// One line for the table and Markdown headers.
    pub(crate) fn describe(&self) -> String {
        match &self.reason {
            Some(reason) if self.status != "assessed" => {
                format!("organization guardrails not assessed: {reason}")
            }
            _ => format!(
                "organization guardrails assessed ({} resource control policies from {}): {} finding(s) covered",
                self.policies.len(),
                self.source,
                self.covered_findings
            ),
        }
    }
}

/// Reads `--rcp` files: a policy document, or `aws organizations describe-policy`
/// output (`{"Policy": {"PolicySummary": {...}, "Content": "..."}}`).
pub(crate) fn read_rcp_files(paths: &[PathBuf]) -> anyhow::Result<Vec<ParsedRcp>> {
    let mut out = Vec::new();
    for path in paths {
        let text =
            crate::input::read_text(path, "resource control policy", crate::input::POLICY_LIMIT)?;
        let name = crate::input::display(path);
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("--rcp {name}: not JSON: {e}"))?;
        let rcp = match value.get("Policy") {
            Some(policy) => {
                let summary = &policy["PolicySummary"];
                Rcp {
                    policy_id: summary["Id"].as_str().unwrap_or(&name).to_string(),
                    policy_name: summary["Name"].as_str().unwrap_or(&name).to_string(),
                    arn: summary["Arn"].as_str().map(str::to_string),
                    aws_managed: summary["AwsManaged"].as_bool().unwrap_or(false),
                    content: policy["Content"]
                        .as_str()
                        .ok_or_else(|| {
                            anyhow::anyhow!("--rcp {name}: Policy.Content is not a string")
                        })?
                        .to_string(),
                }
            }
            None => Rcp {
                policy_id: name.clone(),
                policy_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone()),
                arn: None,
                aws_managed: false,
                content: text,
            },
        };
        out.push(ParsedRcp::parse(rcp).map_err(|e| anyhow::anyhow!("--rcp {name}: {e}"))?);
    }
    Ok(out)
}

/// Marks `findings` (all of `resource`) against `rcps`; returns how many are covered.
/// A covered finding gets `mitigated_by` and says so in its message (every format
/// shows the message); one about a service RCPs cannot reach says that instead.
pub(crate) fn mark_with(
    rcps: &[ParsedRcp],
    management_account: Option<&str>,
    resource: &ResourcePolicy,
    findings: &mut [Finding],
) -> usize {
    let mut covered = 0;
    for f in findings.iter_mut() {
        match guardrails::coverage(rcps, resource, f, management_account) {
            Coverage::Covered(m) => {
                f.message = format!("{} [{}]", f.message, m.describe());
                f.mitigated_by = Some(m);
                covered += 1;
            }
            Coverage::Unreachable(why) | Coverage::ManagementAccount(why) => {
                f.message = format!("{} [{why}]", f.message);
            }
            Coverage::NotCovered => {}
        }
    }
    covered
}

/// Where RCPs come from for one run.
pub(crate) enum Source {
    Files(Vec<ParsedRcp>),
    Organizations(Box<aws_config::SdkConfig>),
}

/// The RCPs of each scanned account, read once per account and cached.
pub(crate) struct Guardrails {
    source: Source,
    /// Organizations: the organization, read once (`Err`: not assessed).
    org: Mutex<Option<Result<Option<String>, String>>>,
    per_account: Mutex<BTreeMap<String, Result<Vec<ParsedRcp>, String>>>,
    covered: Mutex<usize>,
    /// Set when the scan was interrupted: no further Organizations calls.
    interrupted: std::sync::atomic::AtomicBool,
}

impl Guardrails {
    pub(crate) fn new(source: Source) -> Guardrails {
        Guardrails {
            source,
            org: Mutex::new(None),
            per_account: Mutex::new(BTreeMap::new()),
            covered: Mutex::new(0),
            interrupted: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The scan was interrupted: read nothing more; the report says guardrails were
    /// not assessed.
    pub(crate) fn stop(&self) {
        self.interrupted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn stopped(&self) -> bool {
        self.interrupted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn client(config: &aws_config::SdkConfig) -> aws_sdk_organizations::Client {
        let config = aws_sdk_organizations::config::Builder::from(config)
            .interceptor(ReadOnlyGuard)
            .build();
        aws_sdk_organizations::Client::from_conf(config)
    }

    /// The management account (`Ok(None)` for files), or why the organization cannot be read.
    async fn organization(&self) -> Result<Option<String>, String> {
        let Source::Organizations(config) = &self.source else {
            return Ok(None);
        };
        let mut org = self.org.lock().await;
        if let Some(known) = &*org {
            return known.clone();
        }
        if self.stopped() {
            return Err("the scan was interrupted".to_string());
        }
        let result = Self::client(config)
            .describe_organization()
            .send()
            .await
            .map_err(|e| {
                format!(
                    "organizations:DescribeOrganization failed: {}",
                    describe_sdk_error(&e)
                )
            })
            .map(|o| o.organization.and_then(|o| o.master_account_id));
        *org = Some(result.clone());
        result
    }

    /// The RCPs that apply to `account`, or why they cannot be read.
    async fn for_account(&self, account: &str) -> Result<Vec<ParsedRcp>, String> {
        let config = match &self.source {
            Source::Files(rcps) => return Ok(rcps.clone()),
            Source::Organizations(config) => config,
        };
        self.organization().await?;
        if let Some(known) = self.per_account.lock().await.get(account) {
            return known.clone();
        }
        if self.stopped() {
            return Err("the scan was interrupted".to_string());
        }
        let result = read_account_rcps(&Self::client(config), account).await;
        self.per_account
            .lock()
            .await
            .insert(account.to_string(), result.clone());
        result
    }

    /// Marks `findings` (all of `resource`) covered or unreachable.
    pub(crate) async fn mark(&self, resource: &ResourcePolicy, findings: &mut [Finding]) {
        if findings.is_empty() {
            return;
        }
        let Ok(rcps) = self.for_account(&resource.account_id).await else {
            return;
        };
        let management = self.organization().await.ok().flatten();
        let covered = mark_with(&rcps, management.as_deref(), resource, findings);
        *self.covered.lock().await += covered;
    }

    /// The RCPs' own findings (CD200), each reported once with the first account it applies to.
    pub(crate) async fn rcp_findings(&self, accounts: &[String]) -> Vec<Finding> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for account in accounts {
            let Ok(rcps) = self.for_account(account).await else {
                continue;
            };
            for rcp in &rcps {
                if seen.insert(rcp.rcp.policy_id.clone()) {
                    out.extend(guardrails::analyze_rcp(rcp, account));
                }
            }
        }
        out
    }

    /// What the report says, for `accounts`.
    pub(crate) async fn summary(&self, accounts: &[String]) -> GuardrailsSummary {
        let source = match self.source {
            Source::Files(_) => "files",
            Source::Organizations(_) => "organizations",
        }
        .to_string();
        let mut policies: BTreeMap<String, RcpSummary> = BTreeMap::new();
        let mut failure = self.organization().await.err();
        for account in accounts {
            match self.for_account(account).await {
                Ok(rcps) => {
                    for r in rcps {
                        let entry =
                            policies
                                .entry(r.rcp.policy_id.clone())
                                .or_insert_with(|| RcpSummary {
                                    policy_id: r.rcp.policy_id.clone(),
                                    policy_name: r.rcp.policy_name.clone(),
                                    aws_managed: r.rcp.aws_managed,
                                    accounts: Vec::new(),
                                });
                        if matches!(self.source, Source::Organizations(_)) {
                            entry.accounts.push(account.clone());
                        }
                    }
                }
                Err(reason) => {
                    failure.get_or_insert(format!("account {account}: {reason}"));
                }
            }
        }
        GuardrailsSummary {
            status: if failure.is_some() { "not-assessed" } else { "assessed" }.to_string(),
            reason: failure.map(|r| {
                if r.contains("interrupted") {
                    r
                } else {
                    format!("{r} (reading RCPs needs organizations:DescribeOrganization, ListParents, ListPoliciesForTarget and DescribePolicy from the management account or a delegated administrator; or pass --rcp FILE)")
                }
            }),
            source,
            policies: policies.into_values().collect(),
            management_account: self.organization().await.ok().flatten(),
            covered_findings: *self.covered.lock().await,
        }
    }
}

/// The account's path from the root (ListParents up to the ROOT), the RCPs attached
/// to each target on it (ListPoliciesForTarget, RESOURCE_CONTROL_POLICY) and their
/// content (DescribePolicy).
async fn read_account_rcps(
    client: &aws_sdk_organizations::Client,
    account: &str,
) -> Result<Vec<ParsedRcp>, String> {
    let mut targets = vec![account.to_string()];
    let mut child = account.to_string();
    // An organization is at most five OUs deep; the bound stops a cycle.
    for _ in 0..10 {
        let parents = client
            .list_parents()
            .child_id(&child)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "organizations:ListParents({child}) failed: {}",
                    describe_sdk_error(&e)
                )
            })?;
        let Some(parent) = parents.parents.unwrap_or_default().into_iter().next() else {
            break;
        };
        let (Some(id), kind) = (parent.id, parent.r#type) else {
            break;
        };
        targets.push(id.clone());
        if kind == Some(ParentType::Root) {
            break;
        }
        child = id;
    }
    let mut ids: Vec<(String, bool)> = Vec::new();
    for target in &targets {
        let mut token = None;
        loop {
            let page = client
                .list_policies_for_target()
                .target_id(target)
                .filter(aws_sdk_organizations::types::PolicyType::ResourceControlPolicy)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "organizations:ListPoliciesForTarget({target}, RESOURCE_CONTROL_POLICY) failed: {}",
                        describe_sdk_error(&e)
                    )
                })?;
            for p in page.policies.unwrap_or_default() {
                if let Some(id) = p.id {
                    if !ids.iter().any(|(known, _)| *known == id) {
                        ids.push((id, p.aws_managed));
                    }
                }
            }
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (id, aws_managed) in ids {
        let described = client
            .describe_policy()
            .policy_id(&id)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "organizations:DescribePolicy({id}) failed: {}",
                    describe_sdk_error(&e)
                )
            })?;
        let Some(policy) = described.policy else {
            continue;
        };
        let summary = policy.policy_summary;
        if summary
            .as_ref()
            .and_then(|s| s.r#type.as_ref())
            .is_some_and(|t| *t != PolicyType::ResourceControlPolicy)
        {
            continue;
        }
        let rcp = Rcp {
            policy_id: id.clone(),
            policy_name: summary
                .as_ref()
                .and_then(|s| s.name.clone())
                .unwrap_or_else(|| id.clone()),
            arn: summary.as_ref().and_then(|s| s.arn.clone()),
            aws_managed,
            content: policy.content.unwrap_or_default(),
        };
        out.push(ParsedRcp::parse(rcp).map_err(|e| format!("RCP {id} does not parse: {e}"))?);
    }
    Ok(out)
}
