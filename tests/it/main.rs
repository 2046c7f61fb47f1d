//! The integration tests, in one binary (one link of the AWS SDK, one build of the
//! support code). See `tests/it/README.md` for the layout and how to update snapshots.
//!
//! - `check`, `reports`, `hardening`, `snapshots`, `offline`: the real binary and the
//!   fixtures, offline (no AWS, no LocalStack);
//! - `localstack::*`: scans of seeded LocalStack accounts. LocalStack must be running
//!   at `DEPUTY_AUDIT_TEST_ENDPOINT` (default http://127.0.0.1:4566); without it these
//!   tests fail, never skip: a skipped integration test looks like a passing one in CI;
//! - `moto::*`: ECR and Organizations guardrails against moto's server (and LocalStack),
//!   under the same rule.

mod check;
mod hardening;
mod localstack;
mod moto;
mod offline;
mod reports;
mod snapshots;
mod support;
