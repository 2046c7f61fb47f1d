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
