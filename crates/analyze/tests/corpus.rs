//! The policy corpus: every file under `tests/corpus/` is one case, a policy and
//! the exact set of `(rule_id, statement_index)` it must produce. The format is
//! documented in `tests/corpus/README.md`.
//!
//! Each case's findings are also snapshotted in full (`snapshots/corpus__findings@*.snap`:
//! rule, severity, message, recommendation, suggested condition, finding id), so a
//! reworded message shows in the diff. Accept intended changes with
//! `INSTA_UPDATE=always cargo test -p deputy-audit-analyze --test corpus` (or
//! `cargo insta review`), then read the diff before committing.

// Test code: a failed unwrap is the test's failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use deputy_audit_analyze::{analyze, PolicyError, Severity};

mod support;
use support::{all_cases, options, resource, Case, Expected, CORPUS};

/// Runs one case; `Err` holds a readable diff.
fn run(path: &Path, case: &Case) -> Result<(), String> {
    let name = path
        .strip_prefix(CORPUS)
        .unwrap_or(path)
        .display()
        .to_string();
    let result = analyze(&resource(case), &options(case));
    match (&case.expected_error, result) {
        (Some(kind), Err(e)) => {
            let got = match e {
                PolicyError::InvalidJson { .. } => "invalid-json",
                PolicyError::Malformed(_) => "malformed",
                PolicyError::TooLarge { .. } => "too-large",
            };
            if got == kind {
                Ok(())
            } else {
                Err(format!("{name}: expected error {kind}, got {got}: {e}"))
            }
        }
        (Some(kind), Ok(findings)) => Err(format!(
            "{name}: expected error {kind}, got {} finding(s)",
            findings.len()
        )),
        (None, Err(e)) => Err(format!("{name}: unexpected error: {e}")),
        (None, Ok(findings)) => {
            // Severity is compared only where the case states it.
            let want: BTreeSet<Expected> = case.expected.iter().cloned().collect();
            let got: BTreeSet<Expected> = findings
                .iter()
                .map(|f| Expected {
                    rule_id: f.rule.id.to_string(),
                    statement_index: f.statement_index,
                    severity: case
                        .expected
                        .iter()
                        .find(|e| e.rule_id == f.rule.id && e.statement_index == f.statement_index)
                        .and_then(|e| e.severity)
                        .map(|_| f.severity),
                })
                .collect();
            // Every finding must explain itself.
            for f in &findings {
                if f.message.is_empty() || f.recommendation.is_empty() {
                    return Err(format!(
                        "{name}: {} has an empty message or recommendation",
                        f.rule.id
                    ));
                }
            }
            if want == got && findings.len() == got.len() {
                return Ok(());
            }
            let mut diff = format!("{name}: {}\n", case.description);
            for m in want.difference(&got) {
                let _ = writeln!(
                    diff,
                    "  - missing    {} at statement {} ({:?})",
                    m.rule_id, m.statement_index, m.severity
                );
            }
            for u in got.difference(&want) {
                let msg = findings
                    .iter()
                    .find(|f| f.rule.id == u.rule_id && f.statement_index == u.statement_index)
                    .map(|f| f.message.as_str())
                    .unwrap_or_default();
                let _ = writeln!(
                    diff,
                    "  + unexpected {} at statement {} ({:?}): {msg}",
                    u.rule_id, u.statement_index, u.severity
                );
            }
            if findings.len() != got.len() {
                let _ = writeln!(
                    diff,
                    "  duplicate (rule, statement) findings: {} findings for {} pairs",
                    findings.len(),
                    got.len()
                );
            }
            Err(diff)
        }
    }
}

#[test]
fn corpus_cases_produce_exactly_their_expected_findings() {
    let cases = all_cases();
    assert!(cases.len() >= 60, "corpus has only {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|(p, c)| run(p, c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_is_exercised_by_the_corpus_and_quiet_somewhere() {
    let cases = all_cases();
    for info in deputy_audit_analyze::rules() {
        let firing = cases
            .iter()
            .filter(|(_, c)| c.expected.iter().any(|e| e.rule_id == info.id))
            .count();
        assert!(
            firing >= 2,
            "{} is expected in only {firing} corpus case(s)",
            info.id
        );
    }
    assert!(cases
        .iter()
        .any(|(_, c)| c.expected.is_empty() && c.expected_error.is_none()));
    assert!(cases
        .iter()
        .any(|(_, c)| c.expected_error.as_deref() == Some("invalid-json")));
    assert!(cases
        .iter()
        .any(|(_, c)| c.expected_error.as_deref() == Some("malformed")));
}

/// The severity classes of docs/rules.md each have cases that state the
/// severity they expect.
#[test]
fn severity_cases_state_their_severity() {
    let cases: Vec<_> = all_cases()
        .into_iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "severity"))
        .collect();
    assert!(cases.len() >= 10, "only {} severity cases", cases.len());
    for (path, case) in &cases {
        for e in &case.expected {
            assert!(
                e.severity.is_some(),
                "{}: {} states no severity",
                path.display(),
                e.rule_id
            );
        }
    }
    for sev in Severity::ALL {
        assert!(
            cases
                .iter()
                .any(|(_, c)| c.expected.iter().any(|e| e.severity == Some(sev))),
            "no severity case expects {sev}"
        );
    }
}

#[test]
fn expected_findings_name_known_rules_and_are_unique() {
    for (path, case) in all_cases() {
        let mut seen = BTreeSet::new();
        for e in &case.expected {
            assert!(
                deputy_audit_analyze::rule(&e.rule_id).is_some(),
                "{}: unknown rule {}",
                path.display(),
                e.rule_id
            );
            assert!(
                seen.insert(e.clone()),
                "{}: {} listed twice",
                path.display(),
                e.rule_id
            );
        }
        assert!(
            case.expected_error.is_none() || case.expected.is_empty(),
            "{}: a case expects either an error or findings",
            path.display()
        );
        assert!(
            matches!(
                case.expected_error.as_deref(),
                None | Some("invalid-json") | Some("malformed")
            ),
            "{}: unknown expected_error",
            path.display()
        );
    }
}

/// What a user reads of one case's findings, in full.
fn render_findings(case: &Case) -> String {
    let mut out = String::new();
    let findings = match analyze(&resource(case), &options(case)) {
        Ok(findings) => findings,
        Err(e) => return format!("error: {e}\n"),
    };
    if findings.is_empty() {
        return "no findings\n".to_string();
    }
    for f in &findings {
        let sid = f
            .statement_sid
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {} {} at statement {}{sid}",
            f.rule.id, f.rule.name, f.severity, f.statement_index
        );
        let _ = writeln!(out, "  id: {}", f.finding_id);
        let _ = writeln!(out, "  message: {}", f.message);
        let _ = writeln!(out, "  recommendation: {}", f.recommendation);
        match &f.suggested_condition {
            Some(condition) => {
                let pretty = serde_json::to_string_pretty(condition).expect("JSON");
                let _ = writeln!(out, "  suggested condition:");
                for line in pretty.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            None => {
                let _ = writeln!(out, "  suggested condition: none");
            }
        }
    }
    out
}

/// One snapshot per corpus case, every field a user reads.
#[test]
fn findings() {
    insta::glob!("../../../tests/corpus", "**/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("read case");
        let case: Case = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: bad case file: {e}", path.display()));
        insta::with_settings!({ description => case.description.clone(), omit_expression => true }, {
            insta::assert_snapshot!(render_findings(&case));
        });
    });
}
