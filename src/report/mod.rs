//! Report: one writer per format, all fed by the same [`Report`].

pub(crate) mod apply;
mod asff;
pub(crate) mod baseline;
mod csv;
mod html;
pub(crate) mod json;
mod markdown;
mod ocsf;
mod sarif;
#[cfg(test)]
mod snapshot_tests;
mod table;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use deputy_audit_analyze::{Finding, ResourceType, Severity};
use serde::{Deserialize, Serialize};

use crate::scan_error::ScanError;

/// The JSON report's version: bumped when a field changes meaning or
/// disappears (a new module beside [`json::v2`]); adding fields does not.
pub(crate) const SCHEMA_VERSION: u32 = json::v2::SCHEMA_VERSION;

/// Everything a scan (or `check`) learned, in the order reports present it.
/// Not itself a wire type: the JSON report is [`json::v2::Report`], built
/// from this.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub tool: ToolInfo,
    pub scan_started: String,
    pub scan_finished: String,
    pub account_id: String,
    pub regions: Vec<String>,
    /// Every resource listed, with or without a policy, readable or not.
    pub resource_counts: BTreeMap<ResourceType, usize>,
    /// One entry per account scanned (or that could not be scanned).
    pub accounts: Vec<AccountSummary>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    /// Resources whose policy AWS owns (service-linked roles, AWS-managed keys):
    /// listed with the reason, not judged (`--show-aws-managed` adds their
    /// findings at info), never gating.
    pub aws_managed_resources: Vec<AwsManagedResource>,
    /// Findings accepted by `--baseline`, by finding id (set only by
    /// [`baseline`]): still reported, never gating.
    pub suppressions: BTreeMap<String, Suppression>,
    /// Organization resource control policies: read or not, which, and how many
    /// findings they cover (`scan`; `check` with `--rcp`).
    pub organization_guardrails: Option<crate::guardrails::GuardrailsSummary>,
    /// What `--baseline` did: entries expired, matched nothing, or met a
    /// widened grant (set only by [`baseline`]).
    pub baseline: Option<baseline::Outcome>,
    /// Every resource whose policy was analyzed (with or without findings):
    /// with the findings, AWS-managed resources and errors, the source of
    /// [`Report::resource_records`].
    pub assessed: Vec<AssessedResource>,
    /// How the report is presented (not what was found).
    pub view: View,
    /// Findings the view's filters hide (set by [`Report::shown`]): still
    /// judged (they gate, and make their resource fail), not listed.
    pub hidden: Vec<Finding>,
    /// `check`: the 1-based line of each statement of each policy file, by
    /// the file's name (the findings' `resource_arn`), for SARIF's `startLine`.
    pub statement_lines: BTreeMap<String, Vec<usize>>,
    /// `scan`: who uses each grant, as the account's wiring shows it (the
    /// source kinds read, their coverage, the uses found).
    pub wiring: deputy_audit_analyze::Wiring,
    /// The policies of the resources with findings (not AWS-managed), kept
    /// for [`Report::remediations`].
    pub flagged_policies: Vec<deputy_audit_analyze::ResourcePolicy>,
    /// One corrected policy per resource with (unsuppressed) findings.
    pub remediations: Vec<deputy_audit_analyze::Remediation>,
}

/// Presentation options: what the writers show, never what gates.
#[derive(Debug, Clone, Default)]
pub(crate) struct View {
    /// CSV: also a row per resource that passed (`--include-passed`).
    pub include_passed: bool,
    /// Table: the width to wrap to; 0 is [`View::DEFAULT_WIDTH`].
    pub width: usize,
    /// `--rule`: show only these rules (upper-case ids); empty shows all.
    pub rules: Vec<String>,
    /// `--exclude-rule`: hide these rules (upper-case ids).
    pub exclude_rules: Vec<String>,
    /// `--min-severity`: hide findings below it.
    pub min_severity: Option<Severity>,
    /// `--split-accounts`: one report file per account in `--output DIR`.
    pub split_accounts: bool,
}

impl View {
    /// The view the flags (or config file) ask for; an unknown rule id is an error.
    pub(crate) fn from_output(output: &crate::cli::OutputArgs) -> anyhow::Result<View> {
        let ids = |flag: &str, given: &[String]| -> anyhow::Result<Vec<String>> {
            given
                .iter()
                .map(|id| match deputy_audit_analyze::rule(id) {
                    Some(info) => Ok(info.id.to_string()),
                    None => anyhow::bail!(
                        "{flag} {}: no such rule (deputy-audit explain lists them)",
                        crate::escape::visible(id)
                    ),
                })
                .collect()
        };
        Ok(View {
            include_passed: output.include_passed,
            width: 0,
            rules: ids("--rule", &output.rules)?,
            exclude_rules: ids("--exclude-rule", &output.exclude_rules)?,
            min_severity: output.min_severity,
            split_accounts: output.split_accounts,
        })
    }

    /// `--split-accounts` needs a directory to put its files in.
    pub(crate) fn check_destination(&self, destination: &Destination) -> anyhow::Result<()> {
        if self.split_accounts && !matches!(destination, Destination::Directory(_)) {
            anyhow::bail!("--split-accounts writes one file per account: it needs --output DIR (an existing directory or a path ending in /)");
        }
        Ok(())
    }

    /// Whether any filter is set.
    pub(crate) fn filters_active(&self) -> bool {
        !self.rules.is_empty() || !self.exclude_rules.is_empty() || self.min_severity.is_some()
    }

    /// Whether `finding` is shown.
    pub(crate) fn shows(&self, finding: &Finding) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|r| r == finding.rule.id))
            && !self.exclude_rules.iter().any(|r| r == finding.rule.id)
            && self.min_severity.is_none_or(|min| finding.severity >= min)
    }

    /// The table's width when stdout is not a terminal (a file, a pipe).
    pub(crate) const DEFAULT_WIDTH: usize = 80;

    /// The terminal's width when stdout is one, else [`View::DEFAULT_WIDTH`];
    /// never under 60, where nothing would fit.
    pub(crate) fn stdout_width() -> usize {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() {
            return Self::DEFAULT_WIDTH;
        }
        terminal_size::terminal_size()
            .map(|(w, _)| usize::from(w.0).max(60))
            .unwrap_or(Self::DEFAULT_WIDTH)
    }

    pub(crate) fn table_width(&self) -> usize {
        if self.width == 0 {
            Self::DEFAULT_WIDTH
        } else {
            self.width
        }
    }
}

/// A resource whose policy was read and analyzed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AssessedResource {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
}

impl AssessedResource {
    pub(crate) fn of(resource: &deputy_audit_analyze::ResourcePolicy) -> Self {
        AssessedResource {
            account_id: resource.account_id.clone(),
            region: resource.region.clone(),
            resource_type: resource.resource_type,
            resource_arn: resource.arn.clone(),
        }
    }
}

/// What became of one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ResourceStatus {
    /// Assessed, no finding.
    Pass,
    /// At least one finding no `--baseline` suppresses.
    Fail,
    /// Every finding suppressed by `--baseline`.
    Suppressed,
    /// Its policy belongs to AWS: listed, not judged.
    AwsManaged,
    /// Its policy could not be read or judged (it is in `errors`).
    NotAssessed,
}

impl ResourceStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ResourceStatus::Pass => "pass",
            ResourceStatus::Fail => "fail",
            ResourceStatus::Suppressed => "suppressed",
            ResourceStatus::AwsManaged => "aws-managed",
            ResourceStatus::NotAssessed => "not-assessed",
        }
    }
}

/// One resource and its status, for the JSON `resources` list and CSV's pass rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResourceRecord {
    pub account_id: String,
    pub region: String,
    pub service: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    pub status: ResourceStatus,
    /// Its findings, suppressed ones included.
    pub findings: usize,
}

/// Why a finding is accepted (from a suppressions file or a baseline report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub reason: String,
}

/// A resource whose policy the account cannot change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct AwsManagedResource {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    pub reason: String,
}

/// What one account contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccountSummary {
    pub account_id: String,
    /// The role assumed to scan it; absent for the caller's own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub status: AccountStatus,
    pub resource_counts: BTreeMap<ResourceType, usize>,
    pub findings: usize,
    pub errors: usize,
    /// Resources listed as AWS-managed (counted in `resource_counts` too).
    #[serde(default)]
    pub aws_managed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AccountStatus {
    /// Every resource listed was assessed.
    Scanned,
    /// Scanned, but some resources or listings could not be assessed (they are
    /// in `errors`): its findings are a lower bound.
    Incomplete,
    /// Its role could not be assumed; the reason is in `errors`.
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub(crate) fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

impl Report {
    /// An empty report of this version of the tool, started at `scan_started`;
    /// `scan` and `check` fill it, then set `scan_finished` and [`Report::normalize`].
    pub(crate) fn new(
        scan_started: String,
        account_id: String,
        regions: Vec<String>,
        resource_counts: BTreeMap<ResourceType, usize>,
    ) -> Report {
        Report {
            tool: ToolInfo::current(),
            scan_started,
            scan_finished: String::new(),
            account_id,
            regions,
            resource_counts,
            accounts: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            aws_managed_resources: Vec::new(),
            suppressions: BTreeMap::new(),
            organization_guardrails: None,
            baseline: None,
            assessed: Vec::new(),
            view: View::default(),
            hidden: Vec::new(),
            statement_lines: BTreeMap::new(),
            wiring: deputy_audit_analyze::Wiring::default(),
            flagged_policies: Vec::new(),
            remediations: Vec::new(),
        }
    }

    /// Sorts findings and errors so that two runs over the same account produce
    /// the same report, whatever order the concurrent calls finished in.
    pub(crate) fn normalize(&mut self) {
        // One order for every format: most severe first, then account,
        // resource and statement (issue 13's "one view").
        self.findings.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                &a.account_id,
                &a.resource_arn,
                a.statement_index,
                a.rule.id,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    &b.account_id,
                    &b.resource_arn,
                    b.statement_index,
                    b.rule.id,
                ))
        });
        self.errors.sort();
        self.aws_managed_resources.sort();
        self.assessed.sort();
        self.assessed.dedup();
        self.remediations.sort_by(|a, b| {
            (&a.account_id, &a.resource_arn).cmp(&(&b.account_id, &b.resource_arn))
        });
    }

    /// Findings that gate the exit code: at or above `threshold`, not
    /// suppressed, and not about an AWS-managed resource (nobody can act on it,
    /// so it must never fail a nightly job, whatever `--fail-on` says).
    pub(crate) fn count_at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| {
                f.severity >= threshold
                    && self.suppression(f).is_none()
                    && !f.aws_managed
                    && f.mitigated_by.is_none()
            })
            .count()
    }

    /// Why `--baseline` accepted `finding`, if it did.
    pub(crate) fn suppression(&self, finding: &Finding) -> Option<&Suppression> {
        self.suppressions.get(&finding.finding_id)
    }

    /// Findings accepted through `--baseline` (still reported, never gating).
    pub(crate) fn suppressed_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| self.suppression(f).is_some())
            .count()
    }

    /// The report as the view shows it: findings the filters hide move to
    /// `hidden`. Gating is decided on the report itself, never on this.
    pub(crate) fn shown(&self) -> Report {
        let mut shown = self.clone();
        let (kept, hidden): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut shown.findings)
            .into_iter()
            .partition(|f| self.view.shows(f));
        shown.findings = kept;
        shown.hidden.extend(hidden);
        shown
    }

    /// The part of the report about `account` (`--split-accounts`).
    pub(crate) fn for_account(&self, account: &str) -> Report {
        let mut part = self.clone();
        part.account_id = account.to_string();
        part.findings.retain(|f| f.account_id == account);
        part.hidden.retain(|f| f.account_id == account);
        part.errors.retain(|e| e.account_id == account);
        part.aws_managed_resources
            .retain(|r| r.account_id == account);
        part.assessed.retain(|r| r.account_id == account);
        part.accounts.retain(|a| a.account_id == account);
        part.flagged_policies.retain(|p| p.account_id == account);
        part.remediations.retain(|r| r.account_id == account);
        part.resource_counts = match part.accounts.first() {
            Some(summary) => summary.resource_counts.clone(),
            None => {
                let mut counts = BTreeMap::new();
                for r in &part.assessed {
                    *counts.entry(r.resource_type).or_default() += 1;
                }
                for kind in part.errors.iter().filter_map(|e| e.resource_type) {
                    *counts.entry(kind).or_default() += 1;
                }
                counts
            }
        };
        part
    }

    /// The accounts `--split-accounts` writes a file for, in order.
    pub(crate) fn account_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.accounts.iter().map(|a| a.account_id.clone()).collect();
        if ids.is_empty() {
            ids.extend(self.assessed.iter().map(|r| r.account_id.clone()));
            ids.extend(self.findings.iter().map(|f| f.account_id.clone()));
            ids.extend(self.errors.iter().map(|e| e.account_id.clone()));
        }
        ids.sort();
        ids.dedup();
        ids
    }

    /// The line `finding`'s statement starts on in its policy file (`check`);
    /// 1 when unknown (a scan's resources have no file).
    pub(crate) fn statement_line(&self, finding: &Finding) -> usize {
        self.statement_lines
            .get(&finding.resource_arn)
            .and_then(|lines| lines.get(finding.statement_index))
            .copied()
            .unwrap_or(1)
    }

    /// `(suppressed, not suppressed)` findings of `account`: the counts every
    /// format shows (the table's "Findings: N (+M suppressed)").
    pub(crate) fn account_finding_counts(&self, account: &str) -> (usize, usize) {
        let mut counts = (0, 0);
        for f in self.findings.iter().filter(|f| f.account_id == account) {
            if self.suppression(f).is_some() {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
        counts
    }

    /// Every resource the report knows of, once, with its status: assessed
    /// (pass, fail or suppressed by its findings), AWS-managed, or not
    /// assessed (an error naming a resource). Ordered by account, type, ARN.
    pub(crate) fn resource_records(&self) -> Vec<ResourceRecord> {
        type Key = (String, ResourceType, String);
        let mut records: BTreeMap<Key, ResourceRecord> = BTreeMap::new();
        fn add<'m>(
            records: &'m mut BTreeMap<Key, ResourceRecord>,
            account: &str,
            region: &str,
            kind: ResourceType,
            arn: &str,
            status: ResourceStatus,
        ) -> &'m mut ResourceRecord {
            let key = (account.to_string(), kind, arn.to_string());
            let record = records.entry(key).or_insert_with(|| ResourceRecord {
                account_id: account.to_string(),
                region: region.to_string(),
                service: kind.service().to_string(),
                resource_type: kind,
                resource_arn: arn.to_string(),
                status,
                findings: 0,
            });
            // The strongest verdict wins: not assessed, then AWS-managed, then
            // fail, suppressed, pass.
            let rank = |s: ResourceStatus| match s {
                ResourceStatus::Pass => 0,
                ResourceStatus::Suppressed => 1,
                ResourceStatus::Fail => 2,
                ResourceStatus::AwsManaged => 3,
                ResourceStatus::NotAssessed => 4,
            };
            if rank(status) > rank(record.status) {
                record.status = status;
            }
            record
        }
        let records_ = &mut records;
        for r in &self.assessed {
            add(
                records_,
                &r.account_id,
                &r.region,
                r.resource_type,
                &r.resource_arn,
                ResourceStatus::Pass,
            );
        }
        for f in self.findings.iter().chain(&self.hidden) {
            let status = if self.suppression(f).is_some() {
                ResourceStatus::Suppressed
            } else {
                ResourceStatus::Fail
            };
            add(
                records_,
                &f.account_id,
                &f.region,
                f.resource_type,
                &f.resource_arn,
                status,
            )
            .findings += 1;
        }
        for r in &self.aws_managed_resources {
            add(
                records_,
                &r.account_id,
                &r.region,
                r.resource_type,
                &r.resource_arn,
                ResourceStatus::AwsManaged,
            );
        }
        for e in &self.errors {
            if let Some(kind) = e.resource_type {
                add(
                    records_,
                    &e.account_id,
                    &e.region,
                    kind,
                    &e.resource_arn,
                    ResourceStatus::NotAssessed,
                );
            }
        }
        records.into_values().collect()
    }

    /// Every resource listed was assessed. A wiring read error (who uses a
    /// grant) does not count: every policy was still judged.
    pub(crate) fn is_complete(&self) -> bool {
        self.errors.iter().all(|e| e.is_wiring_error(&self.wiring))
    }
}

/// The 1-based line on which each statement of a policy document starts
/// (its `{`), in order: the elements of a top-level `"Statement"` array, or
/// the one object when `Statement` is an object. Empty when there is none.
pub(crate) fn statement_lines(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    let mut last_key: Option<&str> = None;
    // Depth of the Statement array (elements are at depth + 1), once entered.
    let mut statement_array: Option<usize> = None;
    let mut expect_value_of_statement = false;
    let mut expect_element = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 1 {
                    last_key = text.get(string_start + 1..i);
                }
            } else if b == b'\n' {
                line += 1;
            }
            continue;
        }
        match b {
            b'\n' => line += 1,
            b'"' => {
                in_string = true;
                string_start = i;
                expect_element = false;
                expect_value_of_statement = false;
            }
            b':' if depth == 1 && last_key == Some("Statement") => {
                expect_value_of_statement = true;
            }
            b'{' | b'[' => {
                let mut opens_array = false;
                if expect_value_of_statement && b == b'{' {
                    lines.push(line);
                } else if expect_value_of_statement {
                    statement_array = Some(depth + 1);
                    opens_array = true;
                } else if expect_element && b == b'{' && statement_array == Some(depth) {
                    lines.push(line);
                }
                expect_value_of_statement = false;
                expect_element = opens_array;
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if b == b']' && statement_array == Some(depth + 1) {
                    statement_array = None;
                }
                expect_element = false;
            }
            b',' => {
                expect_element = statement_array == Some(depth);
                if depth == 1 {
                    last_key = None;
                }
            }
            b' ' | b'\t' | b'\r' => {}
            _ => {
                expect_element = false;
                expect_value_of_statement = false;
            }
        }
    }
    lines
}

/// Counts of `findings` per service, indexed by `Severity as usize`, in
/// service-name order (the summary tables of the table and Markdown reports).
pub(crate) fn severity_counts_by_service<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> BTreeMap<&'a str, [usize; 4]> {
    let mut by_service: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for f in findings {
        by_service.entry(f.service.as_str()).or_default()[f.severity as usize] += 1;
    }
    by_service
}

/// `statement 2 (AllowSns)`, or `statement 0` without a Sid; `show` renders
/// the Sid for the format (escaped, quoted as code...).
pub(crate) fn statement_label<D: std::fmt::Display>(
    index: usize,
    sid: Option<&str>,
    show: impl Fn(&str) -> D,
) -> String {
    match sid {
        Some(sid) => format!("statement {index} ({})", show(sid)),
        None => format!("statement {index}"),
    }
}

/// How table and Markdown name what a correction did to a statement.
pub(crate) fn fix_action_label(action: deputy_audit_analyze::remediate::FixAction) -> &'static str {
    use deputy_audit_analyze::remediate::FixAction as A;
    match action {
        A::PinnedToSources => "pinned to the sources found",
        A::PinnedToAccount => "pinned to the account",
        A::Removed => "removed (unused)",
        A::Repaired => "broken entry repaired",
        A::Unchanged => "unchanged, needs a person",
    }
}

/// The AWS Security Finding Format's resource type for `resource_type`
/// (ASFF `Resources[].Type`; OCSF `resources[].type` uses the same names, as
/// Prowler's OCSF output does). `Other` where ASFF has no type.
pub(crate) fn aws_resource_type(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::IamRole => "AwsIamRole",
        ResourceType::SqsQueue => "AwsSqsQueue",
        ResourceType::SnsTopic => "AwsSnsTopic",
        ResourceType::S3Bucket => "AwsS3Bucket",
        ResourceType::KmsKey => "AwsKmsKey",
        ResourceType::LambdaFunction => "AwsLambdaFunction",
        ResourceType::SecretsManagerSecret => "AwsSecretsManagerSecret",
        ResourceType::EventBus => "AwsEventsEventbus",
        ResourceType::EcrRepository => "AwsEcrRepository",
        ResourceType::LogsResourcePolicy | ResourceType::ResourceControlPolicy => "Other",
    }
}

/// An RFC 3339 timestamp of the report (`scan_started`, `scan_finished`) as
/// milliseconds since the epoch; 0 when it is empty or unreadable.
pub(crate) fn epoch_millis(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
        .unwrap_or(0)
}

/// Refuses a JSON report this version cannot read faithfully: one written by
/// another tool, or with a `schema_version` other than [`SCHEMA_VERSION`] (a
/// changed field could silently mean something else). `shown` names the file
/// and what it is (`baseline b.json`, `b.json`).
pub(crate) fn check_report_origin(value: &serde_json::Value, shown: &str) -> anyhow::Result<()> {
    let tool = &value["tool"]["name"];
    if tool.as_str() != Some(env!("CARGO_PKG_NAME")) {
        let found = match tool.as_str() {
            Some(name) => format!("by the tool {name:?}"),
            None => "without a tool name".to_string(),
        };
        anyhow::bail!(
            "{shown} was written {found}, not by {}; only deputy-audit JSON reports can be read",
            env!("CARGO_PKG_NAME")
        );
    }
    let version = &value["schema_version"];
    if !version.as_u64().is_some_and(|v| {
        json::v2::READABLE_SCHEMA_VERSIONS
            .iter()
            .any(|r| u64::from(*r) == v)
    }) {
        anyhow::bail!(
            "{shown} has schema_version {version}, but this deputy-audit ({}) reads schema_version 1 and {SCHEMA_VERSION}; use the deputy-audit version that wrote it, or write the report again with this one",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(())
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// A short human summary.
    Table,
    /// One JSON document (schema in docs/report.schema.json).
    Json,
    /// One row per finding, fixed header.
    Csv,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// Markdown, for a review ticket or a pull-request comment.
    Markdown,
    /// One self-contained HTML page for a reviewer: summary, chart, filterable findings.
    Html,
    /// OCSF 1.5 Detection Findings (a JSON array), for Security Lake and OCSF pipelines.
    Ocsf,
    /// AWS Security Finding Format (a JSON array), for `aws securityhub batch-import-findings`.
    Asff,
}

impl Format {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Ocsf => "ocsf.json",
            Format::Asff => "asff.json",
        }
    }

    pub(crate) fn write(
        self,
        report: &Report,
        out: &mut dyn Write,
        color: bool,
    ) -> anyhow::Result<()> {
        match self {
            Format::Table => table::write(report, out, color),
            Format::Json => json::write(report, out),
            Format::Csv => csv::write(report, out),
            Format::Sarif => sarif::write(report, out),
            Format::Markdown => markdown::write(report, out),
            Format::Html => html::write(report, out),
            Format::Ocsf => ocsf::write(report, out),
            Format::Asff => asff::write(report, out),
        }
    }
}

/// Where reports go, decided once from `--output` and `--format`.
pub(crate) enum Destination {
    /// Every format to stdout, in the order given.
    Stdout,
    /// One format to one file.
    File(PathBuf),
    /// Table to stdout; each other format to `deputy-audit-<account>-<timestamp>.<ext>`.
    Directory(PathBuf),
}

/// Each format once, in the order first asked for: `--format json --format csv
/// --format json` writes one JSON report, not two.
pub(crate) fn unique_formats(formats: Vec<Format>) -> Vec<Format> {
    let mut unique = Vec::with_capacity(formats.len());
    for format in formats {
        if !unique.contains(&format) {
            unique.push(format);
        }
    }
    unique
}

impl Destination {
    /// `formats` must already be [`unique_formats`].
    pub(crate) fn from_args(output: Option<&Path>, formats: &[Format]) -> anyhow::Result<Self> {
        // `-o -` is standard output, as `-` is standard input for inputs.
        let output = output.filter(|path| path.as_os_str() != "-");
        let Some(path) = output else {
            // Two documents back to back on stdout parse as neither.
            if formats.len() > 1 {
                let names: Vec<&str> = formats.iter().map(|f| f.extension()).collect();
                anyhow::bail!(
                    "{} formats ({}) cannot share standard output; pass --output DIR to receive one file per format, or ask for one --format",
                    formats.len(),
                    names.join(", ")
                );
            }
            return Ok(Destination::Stdout);
        };
        // A directory when it is one or when written as one (`reports/`, then
        // created); otherwise the one report's file. Several formats need a
        // directory: `-o r.json` never silently becomes one.
        let written_as_directory = path.as_os_str().to_string_lossy().ends_with('/');
        if path.is_dir() || written_as_directory {
            if path.exists() && !path.is_dir() {
                anyhow::bail!(
                    "--output {} ends with / but is not a directory",
                    path.display()
                );
            }
            return Ok(Destination::Directory(path.to_path_buf()));
        }
        if formats.len() > 1 {
            anyhow::bail!(
                "--output {}: {} formats need a directory, an existing one or a path ending in / (created); this is neither",
                path.display(),
                formats.len()
            );
        }
        Ok(Destination::File(path.to_path_buf()))
    }

    /// The `--output` file, when reports go to exactly one file (the only case
    /// in which the report could overwrite an input).
    pub(crate) fn file(&self) -> Option<&Path> {
        match self {
            Destination::File(path) => Some(path),
            Destination::Stdout | Destination::Directory(_) => None,
        }
    }

    /// Proves, before anything is scanned, that the reports can be written:
    /// a missing or read-only directory is found now, not after a long scan
    /// whose report would then be lost. Creates a missing `--output DIR`.
    pub(crate) fn preflight(&self) -> anyhow::Result<()> {
        match self {
            Destination::Stdout => Ok(()),
            Destination::Directory(dir) => {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!(
                        "--output {}: cannot create the report directory",
                        dir.display()
                    )
                })?;
                probe_writable(dir).with_context(|| {
                    format!("--output {}: cannot write in this directory", dir.display())
                })
            }
            Destination::File(path) => {
                match std::fs::metadata(path) {
                    // Devices and FIFOs are written through; opening a FIFO
                    // now would block until a reader comes.
                    Ok(meta) if !meta.is_file() && !meta.is_dir() => return Ok(()),
                    Ok(meta) if meta.is_dir() => anyhow::bail!(
                        "--output {} is a directory; write it with a trailing / to receive one file per format",
                        path.display()
                    ),
                    _ => {}
                }
                let target = resolve_symlinks(path)?;
                let dir = parent_dir(&target);
                if !dir.is_dir() {
                    // The nearest part of the path that exists says what is wrong:
                    // `/etc/hostname/x.json` names a file as its directory.
                    if let Some(file) = dir.ancestors().find(|a| a.exists()).filter(|a| !a.is_dir())
                    {
                        anyhow::bail!(
                            "--output {}: {} is not a directory",
                            path.display(),
                            file.display()
                        );
                    }
                    anyhow::bail!(
                        "--output {}: directory {} does not exist; create it first",
                        path.display(),
                        dir.display()
                    );
                }
                probe_writable(dir).with_context(|| {
                    format!(
                        "--output {}: cannot write in directory {}",
                        path.display(),
                        dir.display()
                    )
                })
            }
        }
    }

    /// Writes every format. Returns the files written.
    pub(crate) fn write_all(
        &self,
        report: &Report,
        formats: &[Format],
        stamp: &str,
        color: bool,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for &format in formats {
            match self {
                Destination::Stdout => write_stdout(report, format, color)?,
                Destination::File(path) => {
                    write_report_file(path, |out| format.write(report, out, false))?;
                    written.push(path.clone());
                }
                Destination::Directory(_) if format == Format::Table => {
                    write_stdout(report, format, color)?;
                }
                Destination::Directory(dir) => {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("cannot create report directory {}", dir.display())
                    })?;
                    let parts = if report.view.split_accounts {
                        report
                            .account_ids()
                            .iter()
                            .map(|a| report.for_account(a))
                            .collect()
                    } else {
                        vec![report.clone()]
                    };
                    for part in &parts {
                        let name = format!(
                            "deputy-audit-{}-{}.{}",
                            part.account_id,
                            stamp,
                            format.extension()
                        );
                        let path = dir.join(name);
                        write_atomically(&path, |out| format.write(part, out, false))?;
                        written.push(path);
                    }
                }
            }
        }
        Ok(written)
    }
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Creates (and at once removes) a temporary file in `dir`: the one reliable
/// test that the final write will be allowed there.
fn probe_writable(dir: &Path) -> anyhow::Result<()> {
    tempfile::Builder::new()
        .prefix(".deputy-audit-probe-")
        .tempfile_in(dir)?;
    Ok(())
}

/// The path a symbolic link finally names (the link itself is never replaced,
/// only what it points to), even when that file does not exist yet.
fn resolve_symlinks(path: &Path) -> anyhow::Result<PathBuf> {
    // Linux's own limit on links followed in one lookup.
    const MAX_LINKS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let is_link = std::fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(current);
        }
        let target = std::fs::read_link(&current)
            .with_context(|| format!("cannot read symbolic link {}", current.display()))?;
        current = parent_dir(&current).join(target);
    }
    anyhow::bail!(
        "--output {}: too many levels of symbolic links",
        path.display()
    )
}

/// Writes one report file: devices and FIFOs (`/dev/stdout`, a named pipe a
/// reader waits on) are written through, since renaming over them would
/// replace them with a regular file; a regular file, new or existing, and the
/// file a symbolic link names are replaced atomically.
fn write_report_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            anyhow::bail!("cannot write report {}: it is a directory", path.display())
        }
        Ok(meta) if !meta.is_file() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot open {} for writing", path.display()))?;
            let mut buffered = std::io::BufWriter::new(file);
            write(&mut buffered)
                .and_then(|()| Ok(buffered.flush()?))
                .with_context(|| format!("cannot write report {}", path.display()))
        }
        _ => write_atomically(&resolve_symlinks(path)?, write),
    }
}

fn write_stdout(report: &Report, format: Format, color: bool) -> anyhow::Result<()> {
    // The table on a terminal is as wide as the terminal (80 elsewhere).
    let widened;
    let report = if format == Format::Table && report.view.width == 0 {
        let mut copy = report.clone();
        copy.view.width = View::stdout_width();
        widened = copy;
        &widened
    } else {
        report
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let result = format
        .write(report, &mut lock, color)
        .and_then(|()| Ok(lock.flush()?));
    match result {
        // The reader went away (`deputy-audit scan | head`): not a failure of
        // the scan, and nothing more can be shown to anyone.
        Err(err) if is_broken_pipe(&err) => Ok(()),
        other => other,
    }
}

/// The reader of standard output went away (`deputy-audit ... | head`).
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<::csv::Error>()
                .is_some_and(|e| matches!(e.kind(), ::csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Writes to a temporary file beside `path`, then renames it into place, so a
/// reader (or a crash) never sees half a report.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".deputy-audit-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    // tempfile creates 0600: a replaced report keeps its file's mode (readers
    // a job relies on stay readers), a new one gets 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the mode of report {}", path.display()))?;
    }
    tmp.as_file().sync_all()?;
    // Checked again right before the rename: a rename never writes through,
    // it would replace a device, FIFO or link someone put there meanwhile.
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.is_file() {
            anyhow::bail!(
                "cannot write report {}: it is no longer a regular file; nothing was replaced",
                path.display()
            );
        }
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write report {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy};

    /// A report built the way `scan` builds one: real analysis of a few
    /// policies, one finding suppressed, one resource not assessed.
    pub(crate) fn sample_report() -> Report {
        let account = "111122223333";
        let policies = [
            (
                ResourceType::SqsQueue,
                "arn:aws:sqs:us-east-1:111122223333:orders",
                r#"{"Statement":[{"Sid":"FromSns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"},
                    {"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage"}]}"#,
            ),
            (
                ResourceType::IamRole,
                "arn:aws:iam::111122223333:role/config-role",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}}"#,
            ),
            (
                ResourceType::SnsTopic,
                "arn:aws:sns:eu-west-1:111122223333:alerts",
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Condition":{"StringLike":{"aws:SourceArn":"*"}}}]}"#,
            ),
        ];
        let mut findings = Vec::new();
        let mut resource_counts = BTreeMap::new();
        for (resource_type, arn, policy) in policies {
            let resource = ResourcePolicy {
                arn: arn.to_string(),
                resource_type,
                account_id: account.to_string(),
                region: deputy_audit_analyze::Arn::parse(arn)
                    .map(|a| a.region)
                    .unwrap_or_default()
                    .to_string(),
                policy: Some(policy.to_string()),
                aws_managed: None,
            };
            findings.extend(analyze(&resource, &AnalysisOptions::default()).expect("analyzes"));
            *resource_counts.entry(resource_type).or_default() += 1;
        }
        *resource_counts.entry(ResourceType::KmsKey).or_default() += 1;
        assert!(findings.len() >= 3, "{findings:#?}");
        let suppressions = BTreeMap::from([(
            findings[0].finding_id.clone(),
            Suppression {
                reason: "accepted risk".to_string(),
            },
        )]);
        let mut report = Report {
            tool: ToolInfo::current(),
            scan_started: "2026-11-23T12:00:00Z".to_string(),
            scan_finished: "2026-11-23T12:00:04Z".to_string(),
            account_id: account.to_string(),
            regions: vec!["us-east-1".to_string(), "eu-west-1".to_string()],
            resource_counts,
            accounts: Vec::new(),
            findings,
            errors: vec![
                ScanError {
                    account_id: account.to_string(),
                    region: "us-east-1".to_string(),
                    service: "kms".to_string(),
                    resource_type: Some(ResourceType::KmsKey),
                    resource_arn: "arn:aws:kms:us-east-1:111122223333:key/1234".to_string(),
                    operation: "GetKeyPolicy".to_string(),
                    reason: "AccessDenied: not authorized".to_string(),
                },
                // An account-level error: a role that could not be assumed.
                ScanError {
                    account_id: "444455556666".to_string(),
                    region: String::new(),
                    service: "sts".to_string(),
                    resource_type: None,
                    resource_arn: "arn:aws:iam::444455556666:role/deputy-audit".to_string(),
                    operation: "AssumeRole".to_string(),
                    reason: "AccessDenied".to_string(),
                },
            ],
            aws_managed_resources: vec![AwsManagedResource {
                account_id: account.to_string(),
                region: "global".to_string(),
                resource_type: ResourceType::IamRole,
                resource_arn: format!(
                    "arn:aws:iam::{account}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
                ),
                reason: "service-linked role: its trust policy is defined by the AWS service and cannot be edited".to_string(),
            }],
            suppressions,
            organization_guardrails: None,
            baseline: None,
            assessed: Vec::new(),
            view: View::default(),
            hidden: Vec::new(),
            statement_lines: BTreeMap::new(),
            wiring: sample_wiring(),
            flagged_policies: Vec::new(),
            remediations: Vec::new(),
        };
        report.remediations = sample_remediations(&report.findings);
        report.normalize();
        report
    }

    fn sample_wiring() -> deputy_audit_analyze::Wiring {
        use deputy_audit_analyze::wiring::{Feed, KindCoverage, KindStatus, Usage};
        deputy_audit_analyze::Wiring {
            all_regions: false,
            usages: vec![Usage {
                kind: "sns-subscriptions".into(),
                service_principal: "sns.amazonaws.com".into(),
                source_arn: Some("arn:aws:sns:us-east-1:111122223333:order-events".into()),
                source_account: "111122223333".into(),
                source_region: "us-east-1".into(),
                target_arn: "arn:aws:sqs:us-east-1:111122223333:orders".into(),
            }],
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            kinds: vec![
                KindCoverage {
                    kind: "sns-subscriptions".into(),
                    feeds: vec![Feed {
                        principal: "sns.amazonaws.com".into(),
                        target: ResourceType::SqsQueue,
                    }],
                    status: KindStatus::Read,
                },
                KindCoverage {
                    kind: "eventbridge-rules".into(),
                    feeds: vec![Feed {
                        principal: "events.amazonaws.com".into(),
                        target: ResourceType::SnsTopic,
                    }],
                    status: KindStatus::Read,
                },
                KindCoverage {
                    kind: "cloudtrail-trails".into(),
                    feeds: Vec::new(),
                    status: KindStatus::NotNeeded,
                },
            ],
        }
    }

    /// Corrections as `remediate` writes them, for the sample's findings: a
    /// statement pinned to its sources, one that needs a person, one pinned to
    /// the account (a source account not scanned), an unused one removed.
    fn sample_remediations(findings: &[Finding]) -> Vec<deputy_audit_analyze::Remediation> {
        use deputy_audit_analyze::remediate::{
            FixAction, Remaining, Remediation, StatementFix, UsedBy,
        };
        use serde_json::json;
        let rules = |arn: &str, index: usize| -> Vec<String> {
            let mut ids: Vec<String> = findings
                .iter()
                .filter(|f| f.resource_arn == arn && f.statement_index == index)
                .map(|f| f.rule.id.to_string())
                .collect();
            ids.dedup();
            ids
        };
        let queue = "arn:aws:sqs:us-east-1:111122223333:orders";
        let topic = "arn:aws:sns:eu-west-1:111122223333:alerts";
        let role = "arn:aws:iam::111122223333:role/config-role";
        let pinned_queue = json!({
            "Sid": "FromSns", "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Condition": {
                "ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:order-events"},
                "StringEquals": {"aws:SourceAccount": "111122223333"}
            }
        });
        let pinned_role = json!({
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ["111122223333", "999999999999"]}}
        });
        vec![
            Remediation {
                account_id: "111122223333".into(),
                region: "us-east-1".into(),
                resource_type: ResourceType::SqsQueue,
                resource_arn: queue.into(),
                used_by: vec![UsedBy {
                    statement_index: 0,
                    service_principal: "sns.amazonaws.com".into(),
                    source_arn: Some("arn:aws:sns:us-east-1:111122223333:order-events".into()),
                    source_account: "111122223333".into(),
                    kind: "sns-subscriptions".into(),
                }],
                unused_statements: Vec::new(),
                statements: vec![
                    StatementFix {
                        index: 0,
                        sid: Some("FromSns".into()),
                        rule_ids: rules(queue, 0),
                        action: FixAction::PinnedToSources,
                        reason: "the topic order-events delivers to this queue (its subscription)".into(),
                        unscanned_accounts: Vec::new(),
                        corrected_statements: vec![pinned_queue.clone()],
                    },
                    StatementFix {
                        index: 1,
                        sid: None,
                        rule_ids: rules(queue, 1),
                        action: FixAction::Unchanged,
                        reason: "it grants every AWS account, not a service: decide who may send".into(),
                        unscanned_accounts: Vec::new(),
                        corrected_statements: Vec::new(),
                    },
                ],
                corrected_policy: Some(json!({
                    "Version": "2012-10-17",
                    "Statement": [pinned_queue,
                        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}]
                })),
                remaining: rules(queue, 1)
                    .into_iter()
                    .map(|rule_id| Remaining {
                        rule_id,
                        severity: Severity::High,
                        statement_index: 1,
                        message: "any principal may act on this sqs-queue".into(),
                    })
                    .collect(),
            },
            Remediation {
                account_id: "111122223333".into(),
                region: "global".into(),
                resource_type: ResourceType::IamRole,
                resource_arn: role.into(),
                used_by: Vec::new(),
                unused_statements: Vec::new(),
                statements: vec![StatementFix {
                    index: 0,
                    sid: None,
                    rule_ids: rules(role, 0),
                    action: FixAction::PinnedToAccount,
                    reason: "AWS Config may deliver for account 999999999999, which was not scanned: pinned to the accounts".into(),
                    unscanned_accounts: vec!["999999999999".into()],
                    corrected_statements: vec![pinned_role.clone()],
                }],
                corrected_policy: Some(json!({"Version": "2012-10-17", "Statement": [pinned_role]})),
                remaining: Vec::new(),
            },
            Remediation {
                account_id: "111122223333".into(),
                region: "eu-west-1".into(),
                resource_type: ResourceType::SnsTopic,
                resource_arn: topic.into(),
                used_by: Vec::new(),
                unused_statements: vec![0],
                statements: vec![StatementFix {
                    index: 0,
                    sid: None,
                    rule_ids: rules(topic, 0),
                    action: FixAction::Removed,
                    reason: "no EventBridge rule in the scanned accounts targets this topic".into(),
                    unscanned_accounts: Vec::new(),
                    corrected_statements: Vec::new(),
                }],
                corrected_policy: Some(json!({"Version": "2012-10-17", "Statement": []})),
                remaining: Vec::new(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::statement_lines;
    use crate::report::test_support::sample_report;

    #[test]
    fn split_accounts_parts_hold_only_their_account() {
        let report = sample_report();
        assert_eq!(report.account_ids(), ["111122223333", "444455556666"]);
        let other = report.for_account("444455556666");
        assert!(other.findings.is_empty());
        assert_eq!(other.errors.len(), 1);
        assert_eq!(other.account_id, "444455556666");
        let own = report.for_account("111122223333");
        assert_eq!(own.findings.len(), report.findings.len());
        assert_eq!(own.errors.len(), 1);
        assert!(own.aws_managed_resources.len() == 1);
    }

    #[test]
    fn statement_lines_are_where_each_statement_opens() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"A\",\n      \"Resource\": [\"x\", {\"k\": \"]\"}]\n    },\n\n    {\"Sid\": \"B\"}\n  ]\n}";
        assert_eq!(statement_lines(text), [4, 9]);
        let single = "{\"Id\": \"x\",\n \"Statement\":\n {\"Effect\": \"Allow\"}}";
        assert_eq!(statement_lines(single), [3]);
        assert!(statement_lines("{\"Statements\": [{}]}").is_empty());
        assert_eq!(
            statement_lines("{\"Nested\": {\"Statement\": [{}]},\n\"Statement\": [\n{}]}"),
            [3]
        );
    }
}
