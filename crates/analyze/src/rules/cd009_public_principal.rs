//! CD009: an Allow to everyone with nothing pinning an account or organization.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;
use serde_json::json;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD009",
        name: "public-principal",
        severity: Severity::High,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "An Allow to `\"*\"` or `{\"AWS\": \"*\"}` with no condition that pins an account or organization (`aws:SourceOwner`, `aws:SourceAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `kms:CallerAccount`, a pinned `aws:SourceArn`...). Low when only metadata is granted.",
        rationale: "A public principal covers every AWS account and every service acting for any customer. Older SNS and S3 integrations were documented with Principal \"*\" plus aws:SourceOwner/aws:SourceArn; without such a condition the resource is open to the world.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "AWS": "*" },
    "Action": "sns:Publish",
    "Resource": "arn:aws:sns:us-east-1:111122223333:alerts"
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "AWS": "*" },
    "Action": "sns:Publish",
    "Resource": "arn:aws:sns:us-east-1:111122223333:alerts",
    "Condition": { "StringEquals": { "aws:SourceOwner": "111122223333" } }
  }]
}"#,
        fix: "Name the principals, or pin the caller with aws:PrincipalAccount / aws:PrincipalOrgID (IAM callers) or aws:SourceAccount / aws:SourceArn (service callers).",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow || !f.public || f.public_pinned || f.dead || f.public_guard.is_some() {
        return None;
    }
    let suggested = match cx.options.org_ids.first() {
        Some(org) => json!({ "StringEquals": { "aws:PrincipalOrgID": org } }),
        None => json!({ "StringEquals": { "aws:PrincipalAccount": cx.fix.owner } }),
    };
    let who = if f.public_services_only {
        // Bool aws:PrincipalIsAWSService true keeps IAM callers out, not the
        // accounts the services act for.
        "Any AWS service, acting on behalf of any account,"
    } else {
        "Any AWS account or service"
    };
    let mut message = format!(
        "{who} may use this {}: the principal is public and no condition pins an account or organization",
        cx.resource.resource_type
    );
    let metadata_only = cx.metadata_only();
    if metadata_only {
        message.push_str(&format!(
            " (it grants only metadata: {})",
            cx.statement.display_actions().join(", ")
        ));
    }
    Some(Emit {
        severity: metadata_only.then_some(Severity::Low),
        message,
        recommendation: format!(
            "Name the principals instead of \"*\", or pin the caller: aws:PrincipalAccount/aws:PrincipalOrgID for IAM callers, aws:SourceAccount = {} (or aws:SourceOwner, aws:SourceArn) for service callers.",
            cx.fix.owner
        ),
        suggested_condition: Some(suggested),
    })
}
