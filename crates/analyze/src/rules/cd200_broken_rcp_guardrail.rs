//! CD200: an organization resource control policy (RCP) whose confused-deputy
//! statement cannot do what it means. Judges RCP documents only
//! (`ResourceType::ResourceControlPolicy`, fed by `crate::guardrails::analyze_rcp`).

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::eval::{has_wildcard, source_key_kind};
use crate::guardrails::NULL_CHECK_SAFE_KEYS;
use crate::policy::{BaseOperator, Effect};
use crate::{ResourceType, Severity};

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD200",
        name: "broken-rcp-guardrail",
        severity: Severity::High,
        hardening: false,
        status: RuleStatus::Stable { since: "0.1.0" },
        summary: "An organization resource control policy's confused-deputy Deny misses requests it means to deny, or denies ones it should not.",
        rationale: "AWS documents one RCP statement that enforces confused-deputy protection for a whole organization: Deny to every principal when aws:PrincipalIsAWSService is true, the source key is present (Null false on aws:SourceAccount) and aws:SourceOrgID / aws:SourceAccount is not yours (StringNotEqualsIfExists). A Null check on a key a service does not send (the page prints aws:SourceArn) lets that service escape; a wildcard organization matches every organization, so the Deny never applies; without aws:PrincipalIsAWSService or without IfExists the Deny also hits requests that carry no source key (your own principals, services acting for no resource). deputy-audit marks a finding covered only by a statement without the first two defects.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "EnforceConfusedDeputyProtection",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
    "Resource": "*",
    "Condition": {
      "StringNotEqualsIfExists": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
      "Null": { "aws:SourceArn": "false" },
      "Bool": { "aws:PrincipalIsAWSService": "true" }
    }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "EnforceConfusedDeputyProtection",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
    "Resource": "*",
    "Condition": {
      "StringNotEqualsIfExists": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
      "Null": { "aws:SourceAccount": "false" },
      "Bool": { "aws:PrincipalIsAWSService": "true" }
    }
  }]
}"#,
        fix: "Use the documented statement: Null false on aws:SourceAccount only, Bool aws:PrincipalIsAWSService true, StringNotEqualsIfExists on aws:SourceOrgID (your organization id, no wildcard) and aws:SourceAccount (trusted third parties).",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let st = cx.statement;
    if cx.resource.resource_type != ResourceType::ResourceControlPolicy || st.effect != Effect::Deny
    {
        return None;
    }
    // A confused-deputy statement: it conditions on a source key.
    if !st
        .conditions
        .iter()
        .any(|e| source_key_kind(&e.key).is_some())
    {
        return None;
    }
    let mut misses = Vec::new();
    let mut overreach = Vec::new();
    let mut principal_is_service = false;
    for e in &st.conditions {
        let Some(op) = e.operator else { continue };
        if op.base == BaseOperator::Bool && e.key == "aws:principalisawsservice" {
            principal_is_service |= e.values.iter().all(|v| v.eq_ignore_ascii_case("true"));
            continue;
        }
        if source_key_kind(&e.key).is_none() {
            continue;
        }
        if op.base == BaseOperator::Null {
            if !NULL_CHECK_SAFE_KEYS.contains(&e.key.as_str()) {
                misses.push(format!(
                    "its Null check is on {}, which not every service sends: a service that sends no {} escapes the Deny (check aws:SourceAccount)",
                    e.key_as_written, e.key_as_written
                ));
            }
            continue;
        }
        if op.base.is_negated() {
            if let Some(v) = e.values.iter().find(|v| has_wildcard(v)) {
                misses.push(if op.base.is_literal_string() {
                    format!(
                        "{} {} \"{v}\" compares a wildcard value literally: no caller equals it, so the Deny hits every service request carrying the key, your own organization's too, and guards nothing selectively",
                        e.operator_name, e.key_as_written
                    )
                } else {
                    format!(
                        "{} {} \"{v}\" is a wildcard organization or account: every caller matches it, so the Deny never applies",
                        e.operator_name, e.key_as_written
                    )
                });
            }
            if !op.if_exists {
                overreach.push(format!(
                    "{} on {} has no IfExists: it also denies every service request that carries no {} (use {}IfExists)",
                    e.operator_name, e.key_as_written, e.key_as_written, e.operator_name
                ));
            }
        }
    }
    if !principal_is_service {
        overreach.push(
            "there is no Bool aws:PrincipalIsAWSService true: the Deny also applies to requests by IAM principals, including your own".to_string(),
        );
    }
    if misses.is_empty() && overreach.is_empty() {
        return None;
    }
    let covers_nothing = !misses.is_empty();
    let mut parts = misses;
    parts.extend(overreach);
    Some(Emit {
        severity: Some(if covers_nothing {
            Severity::High
        } else {
            Severity::Medium
        }),
        message: format!(
            "resource control policy {}: {}{}",
            cx.resource.arn,
            parts.join("; "),
            if covers_nothing {
                " (this statement covers no finding)"
            } else {
                ""
            }
        ),
        recommendation: RULE.info.fix.to_string(),
        suggested_condition: None,
    })
}
