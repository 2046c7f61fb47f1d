//! CD004: the pinned account or organization is not the owner's nor trusted.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::arn::is_account_id;
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD004",
        name: "foreign-source-account",
        severity: Severity::Medium,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "The pinned account is neither the resource owner nor a `--trusted-account` (or the organization is not `--org-id`): a source key of a service grant, or a caller key (`kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`...) of a public grant.",
        rationale: "A source condition that pins another account lets that account's resources drive the service against yours. It may be intended (a central logging account), in which case say so with --trusted-account; a copied example or a typo is the more common cause.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": { "StringEquals": { "aws:SourceAccount": "444455556666" } }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "sns.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders",
    "Condition": { "StringEquals": { "aws:SourceAccount": "111122223333" } }
  }]
}"#,
        fix: "Pin your own account, or pass the other account with --trusted-account (the organization with --org-id) if it is meant to be there.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow
        || f.dead
        || (f.exposed.is_empty() && f.passed_role.is_empty() && f.guarded.is_empty() && !f.public)
    {
        return None;
    }
    let owner = &cx.resource.account_id;
    let opts = cx.options;
    // A public grant pinned to another account by a caller key is a grant to
    // that account; its source keys are judged the same way.
    let (principal_accounts, principal_orgs): (&[String], &[String]) = if f.public {
        (&f.principal_accounts, &f.principal_orgs)
    } else {
        (&[], &[])
    };
    // Without a known owner there is nothing to compare accounts with.
    let foreign_accounts: Vec<&str> = if is_account_id(owner) {
        let mut all: Vec<&String> = f.pinned_accounts.iter().chain(principal_accounts).collect();
        all.sort();
        all.dedup();
        all.into_iter()
            .filter(|a| *a != owner && !opts.trusted_accounts.iter().any(|t| t == *a))
            .map(String::as_str)
            .collect()
    } else {
        Vec::new()
    };
    // Organizations are only judged when the caller says which ones are theirs.
    let foreign_orgs: Vec<&str> = if opts.org_ids.is_empty() {
        Vec::new()
    } else {
        f.pinned_orgs
            .iter()
            .chain(principal_orgs)
            // `${aws:ResourceOrgID}` is the owner's organization by definition.
            .filter(|o| !o.eq_ignore_ascii_case(crate::eval::RESOURCE_ORG_VAR))
            .filter(|o| !opts.org_ids.iter().any(|t| t == *o))
            .map(String::as_str)
            .collect()
    };
    if foreign_accounts.is_empty() && foreign_orgs.is_empty() {
        return None;
    }
    let mut what = Vec::new();
    if !foreign_accounts.is_empty() {
        what.push(format!("account {}", foreign_accounts.join(", ")));
    }
    if !foreign_orgs.is_empty() {
        what.push(format!("organization {}", foreign_orgs.join(", ")));
    }
    Some(Emit {
        severity: None,
        message: format!(
            "The condition pins {}, which is neither the owner ({}) nor trusted",
            what.join(" and "),
            if is_account_id(owner) { owner.as_str() } else { "unknown" }
        ),
        recommendation: "Pin the owner's account (or organization); if the other account is intended, pass it with --trusted-account (or --org-id).".to_string(),
        suggested_condition: cx.source_condition(),
    })
}
