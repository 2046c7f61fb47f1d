//! CD001: a service principal is granted access and nothing pins the calling
//! resource to an account or organization.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD001",
        name: "missing-source-condition",
        severity: Severity::High,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "An Allow grants a service principal access and nothing in the statement, nor a Deny in the same policy, pins the calling resource to an account or organization. High on resource policies and on trust policies of services whose AWS page documents the risk; medium for unknown principals and unverified facts; low when only metadata is granted.",
        rationale: "A service principal such as sns.amazonaws.com acts for every AWS customer. Without aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths, anyone can point their own resource (a topic, a bucket notification, a trail) at yours and the service, the confused deputy, will use your grant on their behalf.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"
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
      "ArnLike": { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*" }
    }
  }]
}"#,
        fix: "Add aws:SourceAccount (your account) and, where the service's resource ARN is known, aws:SourceArn under StringEquals/ArnLike; or aws:SourceOrgID for an organization. Alternatively add a Deny for the service with StringNotEquals aws:SourceAccount. Where the service does not send these keys to STS (trust policies), the recommendation says so instead.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    // CD002 reports the statements whose source key is present but unpinned;
    // a statement that can never match (CD006/CD007) exposes nothing.
    if !f.allow || f.exposed.is_empty() || !f.source_unprotected() || f.unpinned_reported() {
        return None;
    }
    let exposure = cx.exposure(&f.exposed);
    let mut message = format!(
        "{}: no aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths condition pins the calling resource",
        exposure.reach
    );
    if f.ineffective_source {
        message.push_str(" (the source-key conditions present are malformed, unknown or negated, so they do not protect)");
    }
    if !f.guarded.is_empty() {
        let names: Vec<&str> = f.guarded.iter().map(|s| s.name).collect();
        message.push_str(&format!(
            "; a Deny statement guards only {}",
            names.join(", ")
        ));
    }
    for caveat in &exposure.caveats {
        message.push_str(&format!(" ({caveat})"));
    }
    Some(Emit {
        severity: Some(exposure.severity),
        message,
        recommendation: cx.source_recommendation(),
        suggested_condition: cx.source_condition(),
    })
}
