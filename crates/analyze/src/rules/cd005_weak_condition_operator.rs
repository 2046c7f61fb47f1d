//! CD005: the protective key sits under an operator that lets callers through.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD005",
        name: "weak-condition-operator",
        severity: Severity::Medium,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "The protective key sits under `...IfExists`, `ForAllValues:` (vacuously true when the key is absent), or a negated operator inside an Allow, and no other entry of the statement pins the caller with a plain operator.",
        rationale: "StringEqualsIfExists and ForAllValues:StringEquals are true when the request carries no source key at all, so any path that omits it is unprotected. A negated operator (StringNotEquals, ArnNotLike) inside an Allow grants every caller except the ones named, which is the opposite of a pin.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "events.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:events",
    "Condition": { "StringEqualsIfExists": { "aws:SourceAccount": "111122223333" } }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "events.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:events",
    "Condition": { "StringEquals": { "aws:SourceAccount": "111122223333" } }
  }]
}"#,
        fix: "Use the plain operator (StringEquals, ArnLike, or ForAnyValue:StringLike for aws:SourceOrgPaths); keep negated operators for Deny statements.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow
        || (f.exposed.is_empty() && f.passed_role.is_empty() && !f.public)
        || f.dead
        || f.guard.is_some()
        // Another entry pins without a weakening qualifier: the weak or negated
        // entry only restricts further, and removing it would change nothing.
        || f.strongly_pinned
    {
        return None;
    }
    let mut reasons: Vec<String> = f.weak.clone();
    reasons.extend(f.negated.iter().cloned());
    if reasons.is_empty() {
        return None;
    }
    Some(Emit {
        severity: None,
        message: format!("The source condition is weakened: {}", reasons.join("; ")),
        recommendation: "Use StringEquals/ArnLike without IfExists or ForAllValues:, and move negated conditions to a Deny statement.".to_string(),
        suggested_condition: cx.source_condition(),
    })
}
