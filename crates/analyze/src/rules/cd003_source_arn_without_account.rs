//! CD003: aws:SourceArn names a resource whose ARN has no account field.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;
use serde_json::json;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD003",
        name: "source-arn-without-account",
        severity: Severity::Medium,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "`aws:SourceArn` names a resource whose ARN has no account field (an S3 bucket) and no `aws:SourceAccount`/`aws:SourceOrgID`/`aws:SourceOrgPaths` pairs it.",
        rationale: "An S3 bucket ARN carries no account: if the bucket is deleted, anyone can create one with the same name and the service will act for them. AWS's guidance (for example Amazon Rekognition's) says that when the SourceArn has no account ID both keys are required.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "s3.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:uploads",
    "Condition": { "ArnEquals": { "aws:SourceArn": "arn:aws:s3:::uploads-bucket" } }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "s3.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:uploads",
    "Condition": {
      "ArnEquals": { "aws:SourceArn": "arn:aws:s3:::uploads-bucket" },
      "StringEquals": { "aws:SourceAccount": "111122223333" }
    }
  }]
}"#,
        fix: "Add aws:SourceAccount (or aws:SourceOrgID) next to the account-less aws:SourceArn.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow
        || (f.exposed.is_empty() && !f.public)
        || f.accountless_arn.is_empty()
        || f.source_pinned
        || f.dead
        || f.guard.is_some()
    {
        return None;
    }
    Some(Emit {
        // Never above the rule's own medium: the name still pins something.
        severity: Some(cx.exposure(&f.exposed).severity.min(RULE.info.severity)),
        message: format!(
            "{} names a resource without an account field and nothing pins its owner; a resource of the same name re-created in another account would match",
            f.accountless_arn.join(", ")
        ),
        recommendation: format!(
            "Add StringEquals aws:SourceAccount = {} to the statement (AWS requires both keys when the SourceArn has no account ID).",
            cx.fix.owner
        ),
        suggested_condition: Some(json!({ "StringEquals": { "aws:SourceAccount": cx.fix.owner } })),
    })
}
