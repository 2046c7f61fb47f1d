//! Confused-deputy analysis of AWS policy documents.
//!
//! This crate is pure: no I/O, no async, no AWS SDK. It takes policy text and
//! returns findings, so the same judgement runs in `deputy-audit scan` (live
//! account), `deputy-audit check` (files, offline) and the test corpus.
//!
//! The pipeline, one module each:
//!
//! 1. [`policy`]: the grammar. The only place JSON becomes typed statements;
//!    tolerant where AWS is (element and key names in any case, `Statement` as
//!    an object or a list), exact where AWS is (operator names).
//! 2. `eval` (private): what each statement's conditions really do (which
//!    entries pin the caller, which are weak, unpinned, malformed or can never
//!    match, which Deny statements guard an Allow), computed once per statement.
//! 3. [`mod@rules`]: one module per rule (`CD001`…`CD010`, `CD100`), each with its
//!    metadata ([`RuleInfo`]: status, description, examples, and the renderers
//!    `explain`, SARIF and `docs/rules.md` use) and check, and one registry
//!    ([`rules()`], [`rule`]). The rules are the one classifier: whether a
//!    statement is exposed is whatever findings they report for it.
//! 4. [`knowledge`]: what is known of each service principal, from
//!    `data/service-principals.json`.
//!
//! [`analyze`] turns one [`ResourcePolicy`] into sorted [`Finding`]s;
//! [`analyze_policy`] does the same for an already parsed [`policy::Policy`].

pub mod arn;
mod eval;
pub mod guardrails;
pub mod knowledge;
pub mod model;
pub mod policy;
pub mod remediate;
pub mod rules;
pub mod wiring;

pub use arn::{is_account_id, Arn};
pub use model::{Finding, ResourcePolicy, ResourceType, Severity, StatementRef};
pub use remediate::{remediate, Remediation};
pub use rules::{rule, rules, RuleInfo, RuleStatus};
pub use wiring::{Usage, Wiring};

/// What the analysis needs to know beyond the policy itself.
#[derive(Debug, Clone, Default)]
pub struct AnalysisOptions {
    /// Accounts other than the owner that may legitimately appear as a source
    /// account (`--trusted-account`).
    pub trusted_accounts: Vec<String>,
    /// Organizations that may appear in `aws:SourceOrgID` (`--org-id`).
    pub org_ids: Vec<String>,
    /// Report passed-role services on trust policies (CD100) as CD001 (`--strict`).
    pub strict: bool,
    /// Judge AWS-managed resources too (`--show-aws-managed`): their findings are
    /// kept for the record at `info`, never higher, and never gate. Without it an
    /// AWS-managed resource has no findings; the report lists it as AWS-managed.
    pub include_aws_managed: bool,
    /// Run preview rules too (`--preview`). Without it only stable rules run,
    /// so a rule added by an upgrade never changes a gate that passed before.
    pub preview: bool,
}

/// A policy document that could not be analyzed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not JSON. `line` and `column` are 1-based, as serde_json reports them.
    #[error("policy is not valid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not the shape of a policy document.
    #[error("policy document is malformed: {0}")]
    Malformed(String),
    /// Larger than any policy AWS stores ([`policy::MAX_POLICY_BYTES`]): not
    /// parsed at all, so a hostile or corrupt document cannot cost unbounded
    /// time or memory.
    #[error("policy document is {bytes} bytes, over the {limit}-byte limit (no AWS policy is that large)")]
    TooLarge { bytes: usize, limit: usize },
}

/// Analyzes one resource's policy. A resource without a policy has no findings.
///
/// Findings are sorted by `(statement_index, rule_id)`, one per statement and rule.
pub fn analyze(
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
) -> Result<Vec<Finding>, PolicyError> {
    let Some(text) = resource.policy.as_deref() else {
        return Ok(Vec::new());
    };
    let parsed = policy::parse(text)?;
    Ok(analyze_policy(resource, options, &parsed))
}

/// Analyzes an already parsed policy (the text in `resource.policy` is ignored).
///
/// A policy with duplicate keys has two readings
/// ([`policy::Policy::other_reading`]); both are judged and their findings
/// merged, so a finding of either reading is reported whichever order the
/// keys came in (and CD008 says the document is ambiguous).
pub fn analyze_policy(
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    parsed: &policy::Policy,
) -> Vec<Finding> {
    if resource.aws_managed.is_some() && !options.include_aws_managed {
        return Vec::new();
    }
    analyze_with(rules::ALL, resource, options, parsed)
}

/// [`analyze_policy`] with the rules of `registry` (the unit tests add a
/// preview rule).
fn analyze_with(
    registry: &[&'static rules::Rule],
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    parsed: &policy::Policy,
) -> Vec<Finding> {
    let mut findings = analyze_reading(registry, resource, options, parsed);
    if let Some(other) = &parsed.other_reading {
        findings.extend(analyze_reading(registry, resource, options, other));
        // One finding per statement and rule, as for any policy: the more
        // severe reading wins, then content decides, never which reading it
        // came from.
        findings.sort_by(|a, b| {
            (
                a.statement_index,
                a.rule.id,
                std::cmp::Reverse(a.severity),
                &a.finding_id,
                &a.message,
            )
                .cmp(&(
                    b.statement_index,
                    b.rule.id,
                    std::cmp::Reverse(b.severity),
                    &b.finding_id,
                    &b.message,
                ))
        });
        findings.dedup_by(|later, earlier| {
            (later.statement_index, later.rule.id) == (earlier.statement_index, earlier.rule.id)
        });
    }
    findings
}

/// Judges one reading of a policy with the rules `options` enable.
fn analyze_reading(
    registry: &[&'static rules::Rule],
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    parsed: &policy::Policy,
) -> Vec<Finding> {
    let fix = rules::FixContext::new(resource);
    let mut findings = Vec::new();
    for st in &parsed.statements {
        let facts = eval::statement_facts(resource, options, parsed, st);
        let cx = rules::Ctx {
            resource,
            options,
            statement: st,
            facts: &facts,
            fix: &fix,
        };
        let guard = facts.guard.as_ref().or(facts.public_guard.as_ref());
        let guard_note = guard.map(|g| {
            format!(
                " (a {} denies callers from other accounts, so the grant itself is guarded)",
                g.describe()
            )
        });
        let mut principals: Option<Vec<String>> = None;
        for r in registry.iter().filter(|r| r.info.enabled(options)) {
            let Some(emit) = (r.check)(&cx) else { continue };
            let principals = principals
                .get_or_insert_with(|| {
                    match (&st.principal, &st.not_principal) {
                        (Some(p), _) => p.display_list(),
                        // Allow with NotPrincipal reaches everyone else.
                        (None, Some(_)) => vec!["*".to_string()],
                        (None, None) => Vec::new(),
                    }
                })
                .clone();
            let mut message = emit.message;
            if let Some(note) = &guard_note {
                message.push_str(note);
            }
            let mut severity = emit.severity.unwrap_or(r.info.severity);
            if let Some(reason) = &resource.aws_managed {
                // Nobody can act on it: for the record only.
                severity = Severity::Info;
                message = format!("[AWS-managed: {reason}] {message}");
            }
            findings.push(Finding {
                account_id: resource.account_id.clone(),
                region: resource.region.clone(),
                service: resource.resource_type.service().to_string(),
                resource_type: resource.resource_type,
                resource_arn: resource.arn.clone(),
                statement_index: st.index,
                statement_sid: st.sid.clone(),
                principals,
                actions: st.display_actions(),
                resources: st.display_resources(),
                rule: &r.info,
                severity,
                message,
                recommendation: emit.recommendation,
                suggested_condition: emit.suggested_condition,
                aws_managed: resource.aws_managed.is_some(),
                finding_id: model::statement_finding_id(resource, parsed, st, r.info.id),
                guarded_by: guard.map(|g| model::StatementRef {
                    index: g.index,
                    sid: g.sid.clone(),
                }),
                mitigated_by: None,
            });
        }
    }
    // Statements are visited in order and rules in id order, so this only
    // guards against a future change of either.
    findings.sort_by(|a, b| (a.statement_index, a.rule.id).cmp(&(b.statement_index, b.rule.id)));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use rules::{Ctx, Emit, Rule, RuleInfo, RuleStatus};

    /// A preview rule that reports every Allow statement.
    static PREVIEW: Rule = Rule {
        info: RuleInfo {
            id: "CD999",
            name: "test-preview-rule",
            severity: Severity::High,
            status: RuleStatus::Preview { since: "9.9.9" },
            hardening: false,
            summary: "Reports every Allow (test only).",
            rationale: "Proves that preview rules need --preview.",
            vulnerable_example: "{}",
            fixed_example: "{}",
            fix: "None.",
        },
        check: |cx: &Ctx<'_>| {
            cx.facts.allow.then(|| Emit {
                severity: None,
                message: "an Allow".to_string(),
                recommendation: "none".to_string(),
                suggested_condition: None,
            })
        },
    };

    fn rule_ids(options: &AnalysisOptions) -> Vec<&'static str> {
        let text = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#;
        let resource = ResourcePolicy {
            arn: "arn:aws:sqs:us-east-1:111122223333:q".to_string(),
            resource_type: ResourceType::SqsQueue,
            account_id: "111122223333".to_string(),
            region: "us-east-1".to_string(),
            policy: Some(text.to_string()),
            aws_managed: None,
        };
        let parsed = policy::parse(text).expect("parses");
        let registry: Vec<&Rule> = rules::ALL.iter().copied().chain([&PREVIEW]).collect();
        analyze_with(&registry, &resource, options, &parsed)
            .iter()
            .map(|f| f.rule.id)
            .collect()
    }

    #[test]
    fn preview_rules_run_only_with_preview() {
        assert_eq!(rule_ids(&AnalysisOptions::default()), ["CD001"]);
        let preview = AnalysisOptions {
            preview: true,
            ..AnalysisOptions::default()
        };
        assert_eq!(rule_ids(&preview), ["CD001", "CD999"]);
    }

    #[test]
    fn every_registered_rule_is_stable_since_0_1_0() {
        for r in rules() {
            assert_eq!(r.status, RuleStatus::Stable { since: "0.1.0" }, "{}", r.id);
            assert!(r.enabled(&AnalysisOptions::default()));
        }
    }
}
