//! CD006: aws:SourceAccount and the account in aws:SourceArn disagree.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD006",
        name: "conflicting-source-conditions",
        severity: Severity::Low,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "`aws:SourceAccount` and the account in `aws:SourceArn` differ: the grant can never match (broken, not exposed).",
        rationale: "Conditions in a statement must all hold. When aws:SourceAccount names one account and aws:SourceArn another, no request can satisfy both, so the integration the statement was written for silently fails. Nothing is exposed, but the policy does not do what its author meant.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": {
      "StringEquals": { "aws:SourceAccount": "111122223333" },
      "ArnLike": { "aws:SourceArn": "arn:aws:sns:us-east-1:444455556666:orders" }
    }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": {
      "StringEquals": { "aws:SourceAccount": "111122223333" },
      "ArnLike": { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:orders" }
    }
  }]
}"#,
        fix: "Make the account in aws:SourceArn the same as aws:SourceAccount.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let conflict = cx.facts.conflict.as_ref()?;
    Some(Emit {
        severity: None,
        message: format!("The statement can never match: {conflict}"),
        recommendation:
            "Use the same account in aws:SourceAccount and in the account field of aws:SourceArn."
                .to_string(),
        suggested_condition: cx.source_condition(),
    })
}
