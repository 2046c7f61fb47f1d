//! The JSON report, `schema_version` 2: the wire types, frozen. Version 2
//! changed what `accounts[].findings` counts (suppressed findings apart, in
//! `accounts[].suppressed`, as every other format counts them); a finding reads
//! the same in both, so `diff` and `--baseline` read version 1 reports too.
//!
//! These types are the document: field for field, in this order, what
//! docs/report.schema.json describes, and what `diff` and `--baseline` read
//! back. They are built from the engine's values ([`Report::from_report`]), so
//! the analysis can change its own types without changing a report. Adding a
//! field here means describing it in the schema (consumers accept unknown
//! fields); changing or removing one is a `v2` module beside this one.
//!
//! The `#[serde(default)]`s keep reports written by earlier 0.x versions
//! readable (before `accounts`, `aws_managed`, finding ids...).

use std::collections::BTreeMap;

use deputy_audit_analyze::{ResourceType, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `schema_version` these types write.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// The versions they read: 1 differs only in `accounts[].findings`, which
/// neither `diff` nor `--baseline` uses.
pub(crate) const READABLE_SCHEMA_VERSIONS: [u32; 2] = [1, 2];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub scan_started: String,
    pub scan_finished: String,
    pub account_id: String,
    pub regions: Vec<String>,
    pub resource_counts: BTreeMap<ResourceType, usize>,
    #[serde(default)]
    pub accounts: Vec<AccountSummary>,
    pub findings: Vec<Finding>,
    pub errors: Vec<Error>,
    #[serde(default)]
    pub aws_managed_resources: Vec<AwsManagedResource>,
    /// How many findings carry a `suppression`: derived when written, never
    /// trusted when read.
    #[serde(default)]
    pub suppressed_count: usize,
    /// Organization resource control policies (RCPs): read or not, which, and
    /// how many findings they cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_guardrails: Option<crate::guardrails::GuardrailsSummary>,
    /// What `--baseline` did: expired entries, entries that matched nothing,
    /// findings whose statement now grants more than the entry recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::report::baseline::Outcome>,
    /// Every resource with its status (pass, fail, suppressed, aws-managed,
    /// not-assessed); absent in reports written before it existed.
    #[serde(default)]
    pub resources: Vec<crate::report::ResourceRecord>,
    /// `--rule`, `--exclude-rule`, `--min-severity`: what the view hid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
    /// One corrected policy per resource with findings; absent in reports
    /// written before remediations existed (`fix` refuses those).
    #[serde(default)]
    pub remediations: Vec<Remediation>,
    /// Who uses each grant, as the scanned accounts' configuration shows it;
    /// written by `scan` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wiring: Option<Wiring>,
}

/// The correction of one resource's policy (`remediations[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Remediation {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    pub used_by: Vec<UsedBy>,
    pub unused_statements: Vec<usize>,
    pub statements: Vec<StatementFix>,
    /// The whole corrected document; `null` when every flagged statement needs a person.
    pub corrected_policy: Option<Value>,
    /// Derived when written ([`crate::report::apply`]), never trusted when
    /// read: `fix` computes it again from the fields above.
    #[serde(default)]
    pub apply_command: Option<String>,
    /// Derived when written, like `apply_command`.
    #[serde(default)]
    pub policy_file: String,
    pub remaining: Vec<Remaining>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UsedBy {
    pub statement_index: usize,
    pub service_principal: String,
    pub source_arn: Option<String>,
    pub source_account: String,
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FixAction {
    PinnedToSources,
    PinnedToAccount,
    Removed,
    Repaired,
    Unchanged,
}

impl FixAction {
    /// The name the report writes.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FixAction::PinnedToSources => "pinned-to-sources",
            FixAction::PinnedToAccount => "pinned-to-account",
            FixAction::Removed => "removed",
            FixAction::Repaired => "repaired",
            FixAction::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StatementFix {
    pub index: usize,
    pub sid: Option<String>,
    pub rule_ids: Vec<String>,
    pub action: FixAction,
    pub reason: String,
    pub unscanned_accounts: Vec<String>,
    pub corrected_statements: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Remaining {
    pub rule_id: String,
    pub severity: Severity,
    pub statement_index: usize,
    pub message: String,
}

/// The wiring read (`wiring`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Wiring {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub kinds: Vec<KindCoverage>,
    pub usages: Vec<Usage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KindCoverage {
    pub kind: String,
    /// `read`, `not-needed`, `skipped` or `failed`.
    pub status: String,
    /// Why it failed (one line per failed read); empty otherwise.
    pub reasons: Vec<String>,
    pub feeds: Vec<Feed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Feed {
    pub principal: String,
    pub target: ResourceType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Usage {
    pub kind: String,
    pub service_principal: String,
    pub source_arn: Option<String>,
    pub source_account: String,
    pub source_region: String,
    pub target_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Filters {
    pub rules: Vec<String>,
    pub exclude_rules: Vec<String>,
    pub min_severity: Option<Severity>,
    /// Findings left out of `findings` by these filters (they still count
    /// toward --fail-on).
    pub hidden: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccountSummary {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub status: AccountStatus,
    pub resource_counts: BTreeMap<ResourceType, usize>,
    /// Its findings that no `--baseline` suppresses (the count every format shows).
    pub findings: usize,
    /// Its findings `--baseline` suppressed (still in `findings` of the report).
    #[serde(default)]
    pub suppressed: usize,
    pub errors: usize,
    #[serde(default)]
    pub aws_managed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AccountStatus {
    Scanned,
    Incomplete,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Finding {
    pub account_id: String,
    pub region: String,
    pub service: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    pub statement_index: usize,
    pub statement_sid: Option<String>,
    pub principals: Vec<String>,
    pub actions: Vec<String>,
    /// Absent only in reports written before resources were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub message: String,
    pub recommendation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_condition: Option<Value>,
    #[serde(default)]
    pub aws_managed: bool,
    /// Empty only in reports written before finding ids existed.
    #[serde(default)]
    pub finding_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// The organization RCP statement that denies what the finding exposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigated_by: Option<MitigatedBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Suppression {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MitigatedBy {
    pub policy_id: String,
    pub policy_name: String,
    pub statement_sid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Error {
    pub account_id: String,
    pub region: String,
    pub service: String,
    pub resource_type: Option<ResourceType>,
    pub resource_arn: String,
    pub operation: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AwsManagedResource {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    pub reason: String,
}

impl Report {
    /// The document for `report`.
    pub(crate) fn from_report(report: &crate::report::Report) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: report.tool.name.clone(),
                version: report.tool.version.clone(),
            },
            scan_started: report.scan_started.clone(),
            scan_finished: report.scan_finished.clone(),
            account_id: report.account_id.clone(),
            regions: report.regions.clone(),
            resource_counts: report.resource_counts.clone(),
            accounts: accounts(report),
            findings: report
                .findings
                .iter()
                .map(|f| Finding::new(f, report.suppression(f)))
                .collect(),
            errors: report.errors.iter().map(Error::from).collect(),
            aws_managed_resources: report
                .aws_managed_resources
                .iter()
                .map(AwsManagedResource::from)
                .collect(),
            suppressed_count: report.suppressed_count(),
            organization_guardrails: report.organization_guardrails.clone(),
            baseline: report.baseline.clone(),
            resources: report.resource_records(),
            filters: report.view.filters_active().then(|| Filters {
                rules: report.view.rules.clone(),
                exclude_rules: report.view.exclude_rules.clone(),
                min_severity: report.view.min_severity,
                hidden: report.hidden.len(),
            }),
            remediations: report
                .remediations
                .iter()
                .map(Remediation::from_engine)
                .collect(),
            wiring: wiring(&report.wiring),
        }
    }
}

/// The wiring as written; `None` when nothing was read or asked (`check`).
fn wiring(w: &deputy_audit_analyze::Wiring) -> Option<Wiring> {
    use deputy_audit_analyze::wiring::KindStatus as S;
    if *w == deputy_audit_analyze::Wiring::default() {
        return None;
    }
    Some(Wiring {
        accounts: w.accounts.clone(),
        regions: w.regions.clone(),
        kinds: w
            .kinds
            .iter()
            .map(|k| {
                let (status, reasons) = match &k.status {
                    S::Read => ("read", Vec::new()),
                    S::NotNeeded => ("not-needed", Vec::new()),
                    S::Skipped => ("skipped", Vec::new()),
                    S::Failed(reasons) => ("failed", reasons.clone()),
                };
                KindCoverage {
                    kind: k.kind.clone(),
                    status: status.to_string(),
                    reasons,
                    feeds: k
                        .feeds
                        .iter()
                        .map(|f| Feed {
                            principal: f.principal.clone(),
                            target: f.target,
                        })
                        .collect(),
                }
            })
            .collect(),
        usages: w
            .usages
            .iter()
            .map(|u| Usage {
                kind: u.kind.clone(),
                service_principal: u.service_principal.clone(),
                source_arn: u.source_arn.clone(),
                source_account: u.source_account.clone(),
                source_region: u.source_region.clone(),
                target_arn: u.target_arn.clone(),
            })
            .collect(),
    })
}

impl Remediation {
    /// A remediation of the engine as written, with its apply command and file.
    pub(crate) fn from_engine(r: &deputy_audit_analyze::Remediation) -> Remediation {
        use deputy_audit_analyze::remediate::FixAction as A;
        let mut written = Remediation {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            resource_type: r.resource_type,
            resource_arn: r.resource_arn.clone(),
            used_by: r
                .used_by
                .iter()
                .map(|u| UsedBy {
                    statement_index: u.statement_index,
                    service_principal: u.service_principal.clone(),
                    source_arn: u.source_arn.clone(),
                    source_account: u.source_account.clone(),
                    kind: u.kind.clone(),
                })
                .collect(),
            unused_statements: r.unused_statements.clone(),
            statements: r
                .statements
                .iter()
                .map(|s| StatementFix {
                    index: s.index,
                    sid: s.sid.clone(),
                    rule_ids: s.rule_ids.clone(),
                    action: match s.action {
                        A::PinnedToSources => FixAction::PinnedToSources,
                        A::PinnedToAccount => FixAction::PinnedToAccount,
                        A::Removed => FixAction::Removed,
                        A::Repaired => FixAction::Repaired,
                        A::Unchanged => FixAction::Unchanged,
                    },
                    reason: s.reason.clone(),
                    unscanned_accounts: s.unscanned_accounts.clone(),
                    corrected_statements: s.corrected_statements.clone(),
                })
                .collect(),
            corrected_policy: r.corrected_policy.clone(),
            apply_command: None,
            policy_file: String::new(),
            remaining: r
                .remaining
                .iter()
                .map(|m| Remaining {
                    rule_id: m.rule_id.clone(),
                    severity: m.severity,
                    statement_index: m.statement_index,
                    message: m.message.clone(),
                })
                .collect(),
        };
        let plan = crate::report::apply::plan(&written);
        written.apply_command = plan.command;
        written.policy_file = plan.policy_file;
        written
    }
}

/// The accounts as every format counts them: findings and suppressed apart.
pub(crate) fn accounts(report: &crate::report::Report) -> Vec<AccountSummary> {
    report
        .accounts
        .iter()
        .map(|a| {
            let mut summary = AccountSummary::from(a);
            let (suppressed, active) = report.account_finding_counts(&a.account_id);
            summary.findings = active;
            summary.suppressed = suppressed;
            summary
        })
        .collect()
}

impl From<&crate::report::AccountSummary> for AccountSummary {
    fn from(a: &crate::report::AccountSummary) -> Self {
        use crate::report::AccountStatus as S;
        AccountSummary {
            account_id: a.account_id.clone(),
            role_arn: a.role_arn.clone(),
            status: match a.status {
                S::Scanned => AccountStatus::Scanned,
                S::Incomplete => AccountStatus::Incomplete,
                S::Failed => AccountStatus::Failed,
            },
            resource_counts: a.resource_counts.clone(),
            findings: a.findings,
            suppressed: 0,
            errors: a.errors,
            aws_managed: a.aws_managed,
        }
    }
}

impl Finding {
    /// A finding of the engine as written, with the baseline's verdict.
    pub(crate) fn new(
        f: &deputy_audit_analyze::Finding,
        suppression: Option<&crate::report::Suppression>,
    ) -> Finding {
        Finding {
            account_id: f.account_id.clone(),
            region: f.region.clone(),
            service: f.service.clone(),
            resource_type: f.resource_type,
            resource_arn: f.resource_arn.clone(),
            statement_index: f.statement_index,
            statement_sid: f.statement_sid.clone(),
            principals: f.principals.clone(),
            actions: f.actions.clone(),
            resources: Some(f.resources.clone()),
            rule_id: f.rule.id.to_string(),
            rule_name: f.rule.name.to_string(),
            severity: f.severity,
            message: f.message.clone(),
            recommendation: f.recommendation.clone(),
            suggested_condition: f.suggested_condition.clone(),
            aws_managed: f.aws_managed,
            finding_id: f.finding_id.clone(),
            suppression: suppression.map(|s| Suppression {
                reason: s.reason.clone(),
            }),
            mitigated_by: f.mitigated_by.as_ref().map(|m| MitigatedBy {
                policy_id: m.policy_id.clone(),
                policy_name: m.policy_name.clone(),
                statement_sid: m.statement_sid.clone(),
            }),
        }
    }
}

impl From<&crate::scan_error::ScanError> for Error {
    fn from(e: &crate::scan_error::ScanError) -> Self {
        Error {
            account_id: e.account_id.clone(),
            region: e.region.clone(),
            service: e.service.clone(),
            resource_type: e.resource_type,
            resource_arn: e.resource_arn.clone(),
            operation: e.operation.clone(),
            reason: e.reason.clone(),
        }
    }
}

impl From<&crate::report::AwsManagedResource> for AwsManagedResource {
    fn from(r: &crate::report::AwsManagedResource) -> Self {
        AwsManagedResource {
            account_id: r.account_id.clone(),
            region: r.region.clone(),
            resource_type: r.resource_type,
            resource_arn: r.resource_arn.clone(),
            reason: r.reason.clone(),
        }
    }
}
