//! The report's entry for a resource or listing that could not be assessed.
//! Produced by `collect`, `scan` and `check`, written by `report`; it depends
//! on nothing of theirs.

use deputy_audit_analyze::ResourceType;
use serde::{Deserialize, Serialize};

/// A resource or listing that could not be assessed, as written in reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanError {
    pub account_id: String,
    pub region: String,
    pub service: String,
    /// `None` for account-level errors (a role that could not be assumed).
    pub resource_type: Option<ResourceType>,
    /// The resource's ARN, or for a failed listing the scope it covered
    /// (`arn:aws:sqs:us-east-1:111122223333:*`).
    pub resource_arn: String,
    /// The API call that failed (`GetQueueAttributes`), or `ParsePolicy`-style
    /// names are not used: a policy that does not parse names the call that returned it.
    pub operation: String,
    pub reason: String,
}

impl ScanError {
    /// A source kind's `Failed` reason for this read error:
    /// "ACCOUNT REGION Operation: reason".
    pub(crate) fn wiring_reason(&self) -> String {
        format!(
            "{} {} {}: {}",
            self.account_id, self.region, self.operation, self.reason
        )
    }

    /// What a wiring read error's reason ends with in the report's errors.
    pub(crate) fn wiring_suffix(kind: &str) -> String {
        format!(" (source kind {kind})")
    }

    /// Whether this is a wiring read error recorded in `wiring` (a kind's
    /// `Failed` reason names it) rather than a resource or listing not
    /// assessed: it makes no resource "not assessed" and no scan incomplete.
    pub(crate) fn is_wiring_error(&self, wiring: &deputy_audit_analyze::Wiring) -> bool {
        use deputy_audit_analyze::wiring::KindStatus;
        if self.resource_type.is_some() {
            return false;
        }
        wiring.kinds.iter().any(|k| match &k.status {
            KindStatus::Failed(reasons) => self
                .reason
                .strip_suffix(&Self::wiring_suffix(&k.kind))
                .is_some_and(|reason| {
                    let bare = ScanError {
                        reason: reason.to_string(),
                        ..self.clone()
                    };
                    reasons.contains(&bare.wiring_reason())
                }),
            _ => false,
        })
    }
}
