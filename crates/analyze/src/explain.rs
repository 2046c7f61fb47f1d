//! Per-statement explanations: why a statement is or is not reported. The
//! findings say what is wrong; this says what is right too (which condition
//! pins a grant, which Deny statement guards it), for verbose output and tests.

use serde::Serialize;

use crate::eval::{statement_facts, Facts};
use crate::policy::{Effect, Policy};
use crate::{AnalysisOptions, ResourcePolicy};

/// How one statement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A Deny, or an Allow to neither a service nor the public.
    NotAServiceGrant,
    /// A condition in the statement pins the caller.
    Pinned,
    /// A Deny statement in the same policy takes away what is not pinned.
    Guarded,
    /// Nothing pins the caller (CD001, CD002 or CD009 say how).
    Exposed,
    /// The conditions can never all hold (CD006, CD007, or a non-ARN SourceArn).
    NeverMatches,
    /// Only services that use the role when passed inside the owner's account (CD100).
    PassedRole,
}

/// The explanation of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementExplanation {
    pub statement_index: usize,
    pub statement_sid: Option<String>,
    pub verdict: Verdict,
    /// `(index, Sid)` of the guarding Deny statement when the verdict is `Guarded`.
    pub guarded_by: Option<(usize, Option<String>)>,
    /// One line for people.
    pub text: String,
}

/// Explains every statement of a parsed policy, in order.
pub fn explain_policy(
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    parsed: &Policy,
) -> Vec<StatementExplanation> {
    parsed
        .statements
        .iter()
        .map(|st| {
            let f = statement_facts(resource, options, parsed, st);
            let (verdict, guarded_by, text) = judge(&f, st.effect);
            StatementExplanation {
                statement_index: st.index,
                statement_sid: st.sid.clone(),
                verdict,
                guarded_by,
                text,
            }
        })
        .collect()
}

type Judgement = (Verdict, Option<(usize, Option<String>)>, String);

fn names(list: &[crate::eval::ServiceRef<'_>]) -> String {
    list.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

fn judge(f: &Facts<'_>, effect: Effect) -> Judgement {
    let has_services = !f.exposed.is_empty() || !f.passed_role.is_empty() || !f.guarded.is_empty();
    if effect == Effect::Deny {
        return (
            Verdict::NotAServiceGrant,
            None,
            "Deny statement: grants nothing".into(),
        );
    }
    if !has_services && !f.public {
        let text = "grants neither a service principal nor the public".into();
        return (Verdict::NotAServiceGrant, None, text);
    }
    if f.dead {
        let why = f
            .conflict
            .clone()
            .or_else(|| {
                f.literal
                    .first()
                    .map(|l| format!("{l} is compared literally"))
            })
            .or_else(|| f.invalid.first().cloned())
            .unwrap_or_else(|| "a condition never holds".into());
        return (
            Verdict::NeverMatches,
            None,
            format!("can never match: {why}"),
        );
    }
    let service_pinned = f.source_pinned || !f.accountless_arn.is_empty();
    // Exposure first: it is what a reader must see.
    if !f.exposed.is_empty() && !service_pinned {
        let text = format!(
            "{}: nothing pins the calling resource to an account or organization",
            names(&f.exposed)
        );
        return (Verdict::Exposed, None, text);
    }
    if f.public && !f.public_pinned && f.public_guard.is_none() {
        let text = "public principal: nothing pins the caller to an account or organization".into();
        return (Verdict::Exposed, None, text);
    }
    let guard = if service_pinned {
        None
    } else {
        f.guard.as_ref()
    };
    let guard = guard.or(if f.public && !f.public_pinned {
        f.public_guard.as_ref()
    } else {
        None
    });
    if let Some(g) = guard {
        let who = if f.guarded.is_empty() {
            "the public grant".to_string()
        } else {
            names(&f.guarded)
        };
        let text = format!("{who} is guarded by {}", g.describe());
        return (Verdict::Guarded, Some((g.index, g.sid.clone())), text);
    }
    if !f.passed_role.is_empty() && !service_pinned {
        let text = format!(
            "{} can use it only when passed inside the owner's account",
            names(&f.passed_role)
        );
        return (Verdict::PassedRole, None, text);
    }
    (
        Verdict::Pinned,
        None,
        format!("pinned by {}", f.pins.join(", ")),
    )
}
