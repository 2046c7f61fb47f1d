//! Every writer's output for the sample report, as snapshots (`snapshots/`): any change to
//! what users read shows up as a diff to review. The tool's version is masked. Accept
//! intended changes with `INSTA_UPDATE=always cargo test -p deputy-audit --bin
//! deputy-audit report::` (or `cargo insta review`); see tests/it/README.md.

use std::io::Write;

use super::test_support::sample_report;
use super::{AccountStatus, AccountSummary, Report};

/// Snapshot settings for report text: short names, the tool's version masked.
pub(super) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let version = env!("CARGO_PKG_VERSION").replace('.', "\\.");
    settings.add_filter(
        &format!(r#""(version|semanticVersion)": "{version}""#),
        r#""$1": "[VERSION]""#,
    );
    settings.add_filter(&format!("deputy-audit {version}"), "deputy-audit [VERSION]");
    settings
}

fn render(
    write: impl Fn(&Report, &mut dyn Write) -> anyhow::Result<()>,
    report: &Report,
) -> String {
    let mut out = Vec::new();
    write(report, &mut out).expect("writes");
    String::from_utf8(out).expect("UTF-8")
}

/// The sample report with a summary per account, as a multi-account scan writes it.
fn several_accounts() -> Report {
    let mut report = sample_report();
    for (id, status) in [
        ("111122223333", AccountStatus::Scanned),
        ("444455556666", AccountStatus::Failed),
    ] {
        report.accounts.push(AccountSummary {
            account_id: id.to_string(),
            role_arn: None,
            status,
            resource_counts: Default::default(),
            findings: 0,
            errors: 0,
            aws_managed: 0,
        });
    }
    report
}

#[test]
fn sample_report_in_every_format() {
    let report = sample_report();
    settings().bind(|| {
        let table = |r: &Report, out: &mut dyn Write| super::table::write(r, out, false);
        insta::assert_snapshot!("sample.txt", render(table, &report));
        insta::assert_snapshot!("sample.md", render(super::markdown::write, &report));
        insta::assert_snapshot!("sample.sarif", render(super::sarif::write, &report));
        insta::assert_snapshot!("sample.csv", render(super::csv::write, &report));
        insta::assert_snapshot!("sample.json", render(super::json::write, &report));
        insta::assert_snapshot!("sample.ocsf.json", render(super::ocsf::write, &report));
        insta::assert_snapshot!("sample.asff.json", render(super::asff::write, &report));
    });
}

#[test]
fn several_accounts_in_table_and_markdown() {
    let report = several_accounts();
    settings().bind(|| {
        let table = |r: &Report, out: &mut dyn Write| super::table::write(r, out, false);
        insta::assert_snapshot!("accounts.txt", render(table, &report));
        insta::assert_snapshot!("accounts.md", render(super::markdown::write, &report));
    });
}
