//! CD100: a same-account service principal on a trust policy (for the record).

use super::{Ctx, Emit, Rule, RuleInfo};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD100",
        name: "same-account-service",
        severity: Severity::Info,
        summary: "The service principal is one whose access AWS confines to the owner's account (roles passed with iam:PassRole, e.g. `ec2.amazonaws.com` instance roles, `lambda.amazonaws.com` execution roles); reported for the record, never as an exposure; `--strict` turns it into CD001.",
        rationale: "EC2, Lambda and ECS tasks use a role only when someone in the owner's account passes it (iam:PassRole cannot pass a role to another account), so another customer cannot make the service use it. Flagging such roles as confused-deputy exposures is a known false positive of other scanners; the finding is kept at info level so the inventory stays complete.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "ecs-tasks.amazonaws.com" },
    "Action": "sts:AssumeRole"
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "ecs-tasks.amazonaws.com" },
    "Action": "sts:AssumeRole",
    "Condition": {
      "StringEquals": { "aws:SourceAccount": "111122223333" },
      "ArnLike": { "aws:SourceArn": "arn:aws:ecs:us-east-1:111122223333:*" }
    }
  }]
}"#,
        fix: "Nothing is required. Control who may pass the role (iam:PassRole with iam:PassedToService); run with --strict to treat these as CD001.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow || f.same_account.is_empty() || !f.source_unprotected() {
        return None;
    }
    let names: Vec<&str> = f.same_account.iter().map(|s| s.name).collect();
    Some(Emit {
        message: format!(
            "{} can use this role only when it is passed inside the owner's account (iam:PassRole); not a confused-deputy exposure",
            names.join(", ")
        ),
        recommendation: format!(
            "No change needed; restrict who may pass this role (iam:PassRole with iam:PassedToService). For defence in depth: {}",
            cx.source_recommendation_for(&f.same_account)
        ),
        suggested_condition: cx.source_condition_for(&f.same_account),
    })
}
