//! The special values some string fields of the report take, named once.
//! They are part of the JSON report (`docs/report.schema.json`), so their
//! spelling never changes; code compares against these, never a literal.

/// `Report::account_id` when the report covers several accounts.
pub(crate) const MULTIPLE_ACCOUNTS: &str = "multiple";

/// `Report::account_id` (and a finding's) when `check` ran without `--account`.
pub(crate) const NO_ACCOUNT: &str = "";

/// The `account_id` of an account-level error whose account is not known
/// (a role ARN without an account).
pub(crate) const UNKNOWN_ACCOUNT: &str = "unknown";

/// The region of global services (IAM roles, S3's listing), in reports and
/// SARIF artifact paths.
pub(crate) const GLOBAL_REGION: &str = "global";

/// The region of what has none: `check` inputs, account-level errors.
pub(crate) const NO_REGION: &str = "";

/// How standard input (`-`) is named in messages and as a `check` input's
/// resource ARN.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// What a report covers, read from its `account_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportScope<'a> {
    /// `check` without `--account`.
    Check,
    /// One account.
    Account(&'a str),
    /// Several accounts (`--role-arn`, `--org`, `--accounts-file`).
    Multiple,
}

impl<'a> ReportScope<'a> {
    pub(crate) fn of(account_id: &'a str) -> Self {
        match account_id {
            NO_ACCOUNT => ReportScope::Check,
            MULTIPLE_ACCOUNTS => ReportScope::Multiple,
            account => ReportScope::Account(account),
        }
    }
}
