//! CD007: a literal string operator compares a value holding `*` or `?`.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD007",
        name: "literal-wildcard",
        severity: Severity::Low,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "A non-`Like` string operator compares a value holding `*` or `?` literally, so it never matches what was meant (`ArnEquals` does accept wildcards, like `ArnLike`).",
        rationale: "StringEquals, StringNotEquals and their IgnoreCase forms treat * and ? as ordinary characters. StringEquals aws:SourceArn arn:aws:sns:*:111122223333:* matches no real ARN, so the grant never works (and in a Deny, StringNotEquals with a wildcard denies everything). It is broken rather than exposed.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": { "StringEquals": { "aws:SourceArn": "arn:aws:sns:*:111122223333:*" } }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": { "ArnLike": { "aws:SourceArn": "arn:aws:sns:*:111122223333:*" } }
  }]
}"#,
        fix: "Use ArnLike (or StringLike) for values with wildcards, or write the exact value.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if f.literal.is_empty() {
        return None;
    }
    Some(Emit {
        severity: None,
        message: format!(
            "A literal comparison holds a wildcard and never matches as intended: {}",
            f.literal.join("; ")
        ),
        recommendation:
            "Compare wildcard values with ArnLike or StringLike, or write the exact value."
                .to_string(),
        suggested_condition: if f.allow { cx.source_condition() } else { None },
    })
}
