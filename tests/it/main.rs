//! The integration tests, in one binary (one link of the AWS SDK, one build of the
//! support code). See `tests/it/README.md` for the layout and how to update snapshots.
//!
//! - `check`, `reports`, `html`, `hardening`, `snapshots`, `offline`: the real binary and the
//!   fixtures, offline (no AWS, no LocalStack);
//! - `localstack::*`: scans of seeded LocalStack accounts. LocalStack must be running
//!   at `DEPUTY_AUDIT_TEST_ENDPOINT` (default http://127.0.0.1:4566); without it these
//!   tests fail, never skip: a skipped integration test looks like a passing one in CI;
//! - `moto::*`: ECR and Organizations guardrails against moto's server (and LocalStack),
//!   under the same rule.

// Test code: a failed unwrap is the test's failure report; progress notes
// ("seeded ...") go to the test's stderr; a test binary has no public API, so
// `pub` in its support modules means "shared between test modules"; libc calls
// (mkfifo, mknod, kill) make the special files and signals some tests need.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    unreachable_pub,
    unsafe_code
)]

mod check;
mod fix;
mod hardening;
mod html;
mod interchange;
mod localstack;
mod moto;
mod offline;
mod reports;
mod snapshots;
mod support;
