//! Source kinds: who really uses each grant, read from the account's own
//! configuration (a bucket's notifications, a topic's subscriptions, a rule's
//! targets, a trail's destinations). One module per kind, each a
//! [`WiringSource`] listed once in [`SOURCES`]; like the collectors, every call
//! is a List/Get/Describe through the read-only guard, and failures are
//! recorded, never dropped.
//!
//! A kind is read only when a finding needs it (its [`WiringSource::feeds`]
//! meet a flagged statement's principal and resource type), once per account
//! and region, not per finding.

use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{BoxFuture, RegionContext, ScanError, Scope};

/// One source kind.
pub(crate) trait WiringSource: Sync {
    /// The name `--sources` accepts and reports show (`s3-notifications`),
    /// unique in [`SOURCES`].
    fn kind(&self) -> &'static str;
    /// What it can reveal: uses of a service principal on a resource type.
    fn feeds(&self) -> &'static [(&'static str, ResourceType)];
    /// Read once per account (`Global`) or in every scanned region.
    fn scope(&self) -> Scope;
    /// The IAM actions it calls; they join `iam/deputy-audit-policy.json`.
    fn permissions(&self) -> &'static [&'static str];
    /// Reads the uses in one region of one account.
    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead>;
}

/// What one read found: the uses, and what could not be read (recorded in
/// the report's errors and in the kind's coverage).
#[derive(Debug, Default)]
pub(crate) struct WiringRead {
    pub usages: Vec<Usage>,
    pub errors: Vec<ScanError>,
}

/// Declares each source module and lists it in [`SOURCES`]: adding a source
/// kind is one new file and one line here.
macro_rules! sources {
    ($($module:ident :: $value:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every source kind.
        pub(crate) static SOURCES: &[&dyn WiringSource] = &[$(&$module::$value),*];
    };
}

sources! {}
