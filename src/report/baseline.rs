//! `--baseline FILE`: findings already known and accepted (a mutelist).
//!
//! The file is either
//!
//! * a previous JSON report of deputy-audit: every finding in it is suppressed,
//!   with the reason `in baseline <file> (<scan_finished>)`, as long as the
//!   statement grants no more than it did then; or
//! * a suppressions file, where every entry must say why:
//!
//!   ```json
//!   { "suppressions": [
//!       { "finding_id": "DA-0123456789abcdef", "reason": "vendor role, reviewed in SEC-42" },
//!       { "rule_id": "CD100", "resource_arn": "arn:aws:iam::*:role/ec2-*",
//!         "reason": "EC2 instance roles", "expires": "2027-06-30" } ] }
//!   ```
//!
//! An entry matches by `finding_id` and/or by `account_id`, `region`,
//! `service`, `rule_id` and `resource_arn` (`*` matches any run of
//! characters); every key given must match. An entry past its `expires` date
//! (YYYY-MM-DD, UTC, inclusive) no longer suppresses. An entry that names a
//! `finding_id` may record the statement's `grant` (principals, actions,
//! resources); a baseline report always does. When the statement now grants
//! anything the recorded grant did not, the finding is not suppressed.
//!
//! A suppressed finding stays in every report, marked with its reason, and
//! does not count toward `--fail-on`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Report, Suppression};

/// What a statement grants: its principals, actions and resources, as the
/// report lists them. `resources` is `None` for reports written before it was
/// recorded (then resources are not compared).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Grant {
    #[serde(default)]
    pub principals: Vec<String>,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
}

impl Grant {
    /// What `current` grants that `self` (the recorded grant) did not, each as
    /// `principal X`, `action Y`, `resource Z`; empty when it grants no more.
    pub(crate) fn widened_by(&self, current: &Grant) -> Vec<String> {
        fn added(kind: &str, old: &[String], new: &[String]) -> Vec<String> {
            let old: BTreeSet<&str> = old.iter().map(String::as_str).collect();
            let mut out: Vec<String> = new
                .iter()
                .filter(|v| !old.contains(v.as_str()))
                .map(|v| format!("{kind} {v}"))
                .collect();
            out.sort();
            out.dedup();
            out
        }
        let lower =
            |v: &[String]| -> Vec<String> { v.iter().map(|a| a.to_ascii_lowercase()).collect() };
        let mut out = added("principal", &self.principals, &current.principals);
        out.extend(added(
            "action",
            &lower(&self.actions),
            &lower(&current.actions),
        ));
        if let (Some(old), Some(new)) = (&self.resources, &current.resources) {
            out.extend(added("resource", old, new));
        }
        out
    }
}

/// The facts of a finding a suppression is matched against.
#[derive(Debug, Clone)]
pub(crate) struct Subject<'a> {
    pub finding_id: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub rule_id: &'a str,
    pub resource_arn: &'a str,
    pub grant: Grant,
}

impl<'a> Subject<'a> {
    pub(crate) fn of(f: &'a deputy_audit_analyze::Finding) -> Self {
        Subject {
            finding_id: &f.finding_id,
            account_id: &f.account_id,
            region: &f.region,
            service: &f.service,
            rule_id: f.rule.id,
            resource_arn: &f.resource_arn,
            grant: Grant {
                principals: f.principals.clone(),
                actions: f.actions.clone(),
                resources: Some(f.resources.clone()),
            },
        }
    }

    pub(crate) fn of_written(f: &'a super::json::v2::Finding) -> Self {
        Subject {
            finding_id: &f.finding_id,
            account_id: &f.account_id,
            region: &f.region,
            service: &f.service,
            rule_id: &f.rule_id,
            resource_arn: &f.resource_arn,
            grant: Grant {
                principals: f.principals.clone(),
                actions: f.actions.clone(),
                resources: f.resources.clone(),
            },
        }
    }
}

/// One suppression: what it matches, why, until when.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// How reports name it: `suppressions[2] (rule_id=CD100 ...)`, or the
    /// finding id for a baseline report.
    pub label: String,
    pub finding_id: Option<String>,
    /// `(key, pattern)` pairs, every one of which must match.
    pub patterns: Vec<(&'static str, String)>,
    pub reason: String,
    /// YYYY-MM-DD: the last day it suppresses.
    pub expires: Option<String>,
    pub grant: Option<Grant>,
}

impl Entry {
    fn matches(&self, s: &Subject) -> bool {
        if let Some(id) = &self.finding_id {
            if id != s.finding_id {
                return false;
            }
        }
        self.patterns.iter().all(|(key, pattern)| {
            let value = match *key {
                "account_id" => s.account_id,
                "region" => s.region,
                "service" => s.service,
                "rule_id" => s.rule_id,
                _ => s.resource_arn,
            };
            wildcard_match(pattern, value)
        })
    }

    fn is_expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }
}

/// `*` matches any run of characters (`/` and `:` too); everything else is
/// literal and case-sensitive, except `rule_id`, compared upper-case by the caller.
pub(crate) fn wildcard_match(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut remaining) = value.strip_prefix(first) else {
        return false;
    };
    let last = rest.len() - 1;
    for (i, part) in rest.iter().enumerate() {
        if i == last {
            return remaining.len() >= part.len() && remaining.ends_with(part);
        }
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The suppressions, in file order.
#[derive(Debug, Clone)]
pub(crate) struct Baseline {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// Other keys (a `description`, an entry's `note` for the reader) are allowed
/// and ignored; a misspelt `reason` is still caught, since it is required.
#[derive(Deserialize)]
struct SuppressionsFile {
    suppressions: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawEntry {
    finding_id: Option<String>,
    account_id: Option<String>,
    region: Option<String>,
    service: Option<String>,
    rule_id: Option<String>,
    resource_arn: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
    grant: Option<Grant>,
}

/// What applying a baseline did, for the reports (JSON `baseline`) and stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Outcome {
    /// The baseline file as given.
    pub file: String,
    /// How many entries it holds.
    pub entries: usize,
    /// Entries that matched no finding (fixed since, or out of scope), named.
    pub unmatched_entries: Vec<String>,
    /// Entries past their `expires` date: they suppress nothing any more.
    pub expired_entries: Vec<String>,
    /// Findings an entry would have suppressed but whose statement now grants
    /// more than the entry recorded: reported as unsuppressed findings.
    pub widened_grants: Vec<Widened>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Widened {
    pub finding_id: String,
    pub entry: String,
    /// What the statement grants now that it did not (`action sqs:*`, ...).
    pub added: Vec<String>,
}

/// Reads a baseline. Every problem (unreadable, neither a report nor a
/// suppressions file, an entry that matches nothing or has no reason, a bad
/// `expires`) is an error naming the file and the entry, and the command exits
/// 2 before anything is scanned.
pub(crate) fn load(path: &Path) -> anyhow::Result<Baseline> {
    let text = crate::input::read_text(path, "baseline", crate::input::REPORT_LIMIT)?;
    parse(path, &text)
}

fn valid_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, &format).is_ok()
}

pub(crate) fn parse(path: &Path, text: &str) -> anyhow::Result<Baseline> {
    let shown = path.display();
    let value: Value = serde_json::from_str(text)
        .with_context(|| format!("baseline {shown} is not valid JSON"))?;
    let mut entries = Vec::new();
    if value.get("suppressions").is_some() {
        let file: SuppressionsFile = serde_json::from_value(value)
            .with_context(|| format!("baseline {shown} is not a valid suppressions file"))?;
        let mut ids = BTreeSet::new();
        for (index, raw) in file.suppressions.into_iter().enumerate() {
            let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
            let finding_id = nonempty(raw.finding_id);
            let mut patterns: Vec<(&'static str, String)> = Vec::new();
            for (key, v) in [
                ("account_id", raw.account_id),
                ("region", raw.region),
                ("service", raw.service),
                ("rule_id", raw.rule_id.map(|r| r.to_ascii_uppercase())),
                ("resource_arn", raw.resource_arn),
            ] {
                if let Some(v) = nonempty(v) {
                    patterns.push((key, v));
                }
            }
            let mut what: Vec<String> = finding_id.iter().cloned().collect();
            what.extend(patterns.iter().map(|(k, v)| format!("{k}={v}")));
            if what.is_empty() {
                bail!("baseline {shown}: suppressions[{index}] has no finding_id and no account_id, region, service, rule_id or resource_arn to match");
            }
            let label = format!(
                "suppressions[{index}] ({})",
                crate::escape::visible(&what.join(", "))
            );
            let Some(reason) = nonempty(raw.reason) else {
                bail!("baseline {shown}: {label} has no reason; every suppression must say why");
            };
            if let Some(expires) = &raw.expires {
                if !valid_date(expires) {
                    bail!("baseline {shown}: {label} has expires {expires:?}, not a date as YYYY-MM-DD");
                }
            }
            if raw.grant.is_some() && finding_id.is_none() {
                bail!("baseline {shown}: {label} records a grant but no finding_id; a grant belongs to one statement's finding");
            }
            if patterns.is_empty() {
                if let Some(id) = &finding_id {
                    if !ids.insert(id.clone()) {
                        bail!("baseline {shown}: {id} is listed twice");
                    }
                }
            }
            entries.push(Entry {
                label,
                finding_id,
                patterns,
                reason,
                expires: raw.expires,
                grant: raw.grant,
            });
        }
    } else if value.get("findings").is_some() && value.get("schema_version").is_some() {
        let report = super::json::read(value, &format!("baseline {shown}"))?;
        let reason = format!("in baseline {} ({})", shown, report.scan_finished);
        let mut seen = BTreeSet::new();
        for finding in &report.findings {
            if !seen.insert(finding.finding_id.clone()) {
                continue;
            }
            let subject = Subject::of_written(finding);
            entries.push(Entry {
                label: finding.finding_id.clone(),
                finding_id: Some(finding.finding_id.clone()),
                patterns: Vec::new(),
                reason: reason.clone(),
                expires: None,
                grant: Some(subject.grant),
            });
        }
    } else {
        bail!("baseline {shown} is neither a deputy-audit JSON report nor a suppressions file ({{\"suppressions\": [...]}})");
    }
    Ok(Baseline {
        path: path.to_path_buf(),
        entries,
    })
}

impl Baseline {
    /// The verdict for each of `subjects` (in order), and what the baseline did.
    /// `today` is YYYY-MM-DD (UTC).
    pub(crate) fn judge(
        &self,
        subjects: &[Subject],
        today: &str,
    ) -> (Vec<Option<Suppression>>, Outcome) {
        let mut used = vec![false; self.entries.len()];
        let mut widened = Vec::new();
        let verdicts = subjects
            .iter()
            .map(|s| {
                let mut first_widened = None;
                for (i, entry) in self.entries.iter().enumerate() {
                    if entry.is_expired(today) || !entry.matches(s) {
                        continue;
                    }
                    used[i] = true;
                    if let Some(grant) = &entry.grant {
                        let added = grant.widened_by(&s.grant);
                        if !added.is_empty() {
                            first_widened.get_or_insert(Widened {
                                finding_id: s.finding_id.to_string(),
                                entry: entry.label.clone(),
                                added,
                            });
                            continue;
                        }
                    }
                    return Some(Suppression {
                        reason: entry.reason.clone(),
                    });
                }
                if let Some(w) = first_widened {
                    if !widened.contains(&w) {
                        widened.push(w);
                    }
                }
                None
            })
            .collect();
        let outcome = Outcome {
            file: self.path.display().to_string(),
            entries: self.entries.len(),
            unmatched_entries: self
                .entries
                .iter()
                .zip(&used)
                .filter(|(e, used)| !**used && !e.is_expired(today))
                .map(|(e, _)| e.label.clone())
                .collect(),
            expired_entries: self
                .entries
                .iter()
                .filter(|e| e.is_expired(today))
                .map(|e| match &e.expires {
                    Some(date) => format!("{} (expired {date})", e.label),
                    None => e.label.clone(),
                })
                .collect(),
            widened_grants: widened,
        };
        (verdicts, outcome)
    }

    /// Marks every finding of `report` the baseline suppresses and records
    /// what it did in `report.baseline`.
    pub(crate) fn apply(&self, report: &mut Report, today: &str) {
        let subjects: Vec<Subject> = report.findings.iter().map(Subject::of).collect();
        let (verdicts, outcome) = self.judge(&subjects, today);
        for (finding, verdict) in report.findings.iter().zip(verdicts) {
            if let Some(suppression) = verdict {
                report
                    .suppressions
                    .insert(finding.finding_id.clone(), suppression);
            }
        }
        report.baseline = Some(outcome);
    }
}

/// Loads `path` if given (`--baseline`).
pub(crate) fn load_optional(path: Option<&Path>) -> anyhow::Result<Option<Baseline>> {
    path.map(load).transpose()
}

/// Says on stderr what needs attention in a baseline's outcome: expired
/// entries, entries that matched nothing, and grants that widened.
#[allow(
    clippy::print_stderr,
    reason = "stale, expired and widened entries are warnings the user must see, without -v"
)]
pub(crate) fn warn(outcome: &Outcome) {
    use crate::escape::visible;
    let file = visible(&outcome.file);
    for entry in &outcome.expired_entries {
        eprintln!("deputy-audit: baseline {file}: {entry} has expired and suppresses nothing");
    }
    for entry in &outcome.unmatched_entries {
        eprintln!(
            "deputy-audit: baseline {file}: {entry} matched no finding (fixed, or out of scope)"
        );
    }
    for w in &outcome.widened_grants {
        eprintln!(
            "deputy-audit: baseline {file}: {} is not suppressed: its statement now grants more than {} recorded ({})",
            w.finding_id,
            w.entry,
            visible(&w.added.join(", "))
        );
    }
}

/// Applies an optional baseline and says on stderr what it did.
pub(crate) fn apply_optional(baseline: Option<&Baseline>, mut report: Report) -> Report {
    if let Some(baseline) = baseline {
        baseline.apply(&mut report, &crate::clock::today());
        if let Some(outcome) = &report.baseline {
            tracing::info!(
                suppressed = report.suppressed_count(),
                unmatched = outcome.unmatched_entries.len(),
                "applied baseline {}",
                baseline.path.display()
            );
            warn(outcome);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(id: &'a str, arn: &'a str, rule: &'a str, actions: &[&str]) -> Subject<'a> {
        Subject {
            finding_id: id,
            account_id: "111122223333",
            region: "us-east-1",
            service: "iam",
            rule_id: rule,
            resource_arn: arn,
            grant: Grant {
                principals: vec!["sns.amazonaws.com".into()],
                actions: actions.iter().map(|a| a.to_string()).collect(),
                resources: Some(vec!["*".into()]),
            },
        }
    }

    #[test]
    fn suppressions_file_needs_a_reason_per_entry() {
        let ok = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-1","reason":"accepted"}]}"#,
        )
        .expect("parses");
        assert_eq!(ok.entries[0].reason, "accepted");
        assert_eq!(ok.entries[0].label, "suppressions[0] (DA-1)");
        for bad in [
            r#"{"suppressions":[{"finding_id":"DA-1"}]}"#,
            r#"{"suppressions":[{"finding_id":"DA-1","reason":"  "}]}"#,
        ] {
            let err = format!("{:#}", parse(Path::new("s.json"), bad).unwrap_err());
            assert!(
                err.contains("suppressions[0] (DA-1) has no reason"),
                "{err}"
            );
        }
        let err = parse(Path::new("s.json"), r#"{"suppressions":[{"reason":"x"}]}"#).unwrap_err();
        assert!(format!("{err:#}").contains("suppressions[0] has no finding_id and no account_id"));
        let typo = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-1","reasons":"x"}]}"#,
        );
        assert!(format!("{:#}", typo.unwrap_err()).contains("has no reason"));
        let annotated = parse(
            Path::new("s.json"),
            r#"{"description":"team A","suppressions":[{"finding_id":"DA-1","reason":"ok","note":"SEC-1"}]}"#,
        );
        assert!(annotated.is_ok());
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(wildcard_match(
            "arn:aws:iam::*:role/ec2-*",
            "arn:aws:iam::111122223333:role/ec2-web"
        ));
        assert!(!wildcard_match(
            "arn:aws:iam::*:role/ec2-*",
            "arn:aws:iam::111122223333:role/lambda-x"
        ));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXbYc"));
        assert!(!wildcard_match("a*b*c", "aXbY"));
        assert!(wildcard_match("*-prod", "db-prod"));
        assert!(!wildcard_match("*-prod", "prod"));
        assert!(wildcard_match("exact", "exact") && !wildcard_match("exact", "exactly"));
    }

    #[test]
    fn pattern_entries_match_every_key_given() {
        let b = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"resource_arn":"arn:aws:iam::*:role/ec2-*","rule_id":"cd100","reason":"EC2 roles"}]}"#,
        )
        .expect("parses");
        let hit = subject(
            "DA-a",
            "arn:aws:iam::111122223333:role/ec2-web",
            "CD100",
            &["sts:AssumeRole"],
        );
        let other_rule = subject(
            "DA-b",
            "arn:aws:iam::111122223333:role/ec2-web",
            "CD001",
            &["sts:AssumeRole"],
        );
        let other_role = subject(
            "DA-c",
            "arn:aws:iam::111122223333:role/app",
            "CD100",
            &["sts:AssumeRole"],
        );
        let (verdicts, outcome) = b.judge(&[hit, other_rule, other_role], "2026-11-24");
        assert_eq!(
            verdicts[0].as_ref().map(|s| s.reason.as_str()),
            Some("EC2 roles")
        );
        assert!(verdicts[1].is_none() && verdicts[2].is_none());
        assert!(outcome.unmatched_entries.is_empty(), "{outcome:?}");
    }

    #[test]
    fn expired_entries_suppress_nothing_and_are_named() {
        let b = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-a","reason":"until June","expires":"2026-06-30"},{"finding_id":"DA-b","reason":"ok","expires":"2026-11-24"},{"finding_id":"DA-gone","reason":"fixed"}]}"#,
        )
        .expect("parses");
        let subjects = [
            subject(
                "DA-a",
                "arn:aws:iam::1:role/x",
                "CD001",
                &["sts:AssumeRole"],
            ),
            subject(
                "DA-b",
                "arn:aws:iam::1:role/y",
                "CD001",
                &["sts:AssumeRole"],
            ),
        ];
        let (verdicts, outcome) = b.judge(&subjects, "2026-11-24");
        assert!(verdicts[0].is_none(), "expired");
        assert!(
            verdicts[1].is_some(),
            "the expiry day itself still suppresses"
        );
        assert_eq!(
            outcome.expired_entries,
            ["suppressions[0] (DA-a) (expired 2026-06-30)"]
        );
        assert_eq!(outcome.unmatched_entries, ["suppressions[2] (DA-gone)"]);
        for bad in ["2026-13-01", "2026-02-30", "tomorrow", "2026-1-1"] {
            let text = format!(
                r#"{{"suppressions":[{{"finding_id":"DA-a","reason":"r","expires":"{bad}"}}]}}"#
            );
            let err = format!("{:#}", parse(Path::new("s.json"), &text).unwrap_err());
            assert!(
                err.contains("suppressions[0] (DA-a) has expires") && err.contains("YYYY-MM-DD"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_widened_grant_is_not_suppressed() {
        let b = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"finding_id":"DA-a","reason":"vendor","grant":{"principals":["sns.amazonaws.com"],"actions":["sqs:SendMessage"],"resources":["*"]}}]}"#,
        )
        .expect("parses");
        let same = subject("DA-a", "arn", "CD001", &["SQS:SendMessage"]);
        let (verdicts, outcome) = b.judge(&[same], "2026-11-24");
        assert!(
            verdicts[0].is_some(),
            "same grant (actions compared without case)"
        );
        assert!(outcome.widened_grants.is_empty());
        let wider = subject("DA-a", "arn", "CD001", &["sqs:SendMessage", "sqs:*"]);
        let (verdicts, outcome) = b.judge(&[wider], "2026-11-24");
        assert!(
            verdicts[0].is_none(),
            "a broader statement is a new finding"
        );
        assert_eq!(outcome.widened_grants[0].added, ["action sqs:*"]);
        assert_eq!(outcome.widened_grants[0].entry, "suppressions[0] (DA-a)");
        assert!(outcome.unmatched_entries.is_empty());
        let narrower = Grant {
            principals: vec![],
            actions: vec![],
            resources: Some(vec![]),
        };
        assert!(Grant {
            principals: vec!["a".into()],
            actions: vec!["x".into()],
            resources: Some(vec!["r".into()])
        }
        .widened_by(&narrower)
        .is_empty());
        let err = parse(
            Path::new("s.json"),
            r#"{"suppressions":[{"rule_id":"CD001","reason":"r","grant":{}}]}"#,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("records a grant but no finding_id"));
    }

    #[test]
    fn reports_of_another_version_or_tool_are_refused() {
        let report = |tool: &str, version: u32| {
            format!(
                r#"{{"schema_version":{version},"tool":{{"name":"{tool}","version":"9"}},"scan_started":"","scan_finished":"","account_id":"","regions":[],"resource_counts":{{}},"findings":[],"errors":[]}}"#
            )
        };
        // Version 1 (before accounts[].findings left suppressed findings out)
        // and 2 read the same; anything else is refused.
        assert!(parse(Path::new("b.json"), &report("deputy-audit", 1)).is_ok());
        assert!(parse(Path::new("b.json"), &report("deputy-audit", 2)).is_ok());
        let err = format!(
            "{:#}",
            parse(Path::new("b.json"), &report("deputy-audit", 3)).unwrap_err()
        );
        assert!(
            err.contains("baseline b.json has schema_version 3"),
            "{err}"
        );
        let err = format!(
            "{:#}",
            parse(Path::new("b.json"), &report("other-scanner", 1)).unwrap_err()
        );
        assert!(err.contains("\"other-scanner\""), "{err}");
    }

    #[test]
    fn other_documents_are_refused() {
        let err = parse(Path::new("x.json"), r#"{"hello":1}"#).unwrap_err();
        assert!(format!("{err:#}").contains("neither a deputy-audit JSON report"));
        assert!(parse(Path::new("x.json"), "not json").is_err());
    }
}
