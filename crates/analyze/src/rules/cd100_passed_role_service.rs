//! CD100: a role trusted by a service that uses it only when passed inside the
//! owner's account. Defence in depth, not an exposure.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::knowledge::KeySupport;
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD100",
        name: "passed-role-service",
        severity: Severity::Low,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: true,
        summary: "A role trust policy lets in a service that assumes the role only when a principal of the owner's account passes it (iam:PassRole: EC2 instance roles, Lambda execution roles, Glue, CodeBuild and other service roles), with no source pin. Defence in depth (low); a condition is suggested only where AWS documents that the service sends the keys. `--strict` reports these as CD001.",
        rationale: "The knowledge base marks a service as passed-role when its AWS pages describe the role as one a principal of the account configures for the service with iam:PassRole, and no AWS page names a confused-deputy risk for it. Another customer then has no documented way to make the service use the role, so the finding is kept low, for hardening. Pinning is still worth it where the service sends aws:SourceArn/aws:SourceAccount; where AWS does not document that, a condition could stop the service from assuming the role (pinning CloudTrail's log-delivery role is reported to have broken delivery), so none is suggested.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "iotevents.amazonaws.com" },
    "Action": "sts:AssumeRole"
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "iotevents.amazonaws.com" },
    "Action": "sts:AssumeRole",
    "Condition": {
      "StringEquals": { "aws:SourceAccount": "111122223333" },
      "ArnLike": { "aws:SourceArn": "arn:aws:iotevents:us-east-1:111122223333:*" }
    }
  }]
}"#,
        fix: "Optional hardening. Restrict who may pass the role (iam:PassRole with iam:PassedToService). Where AWS documents that the service sends aws:SourceAccount/aws:SourceArn (as for AWS IoT Events, the example above), add them to the trust policy; otherwise leave the trust policy as it is: a condition the service does not satisfy stops it from assuming the role.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    if !f.allow || f.passed_role.is_empty() || !f.source_unprotected() {
        return None;
    }
    let names: Vec<&str> = f.passed_role.iter().map(|s| s.name).collect();
    // Suggest a condition only where every service is documented to send the keys.
    let documented = f
        .passed_role
        .iter()
        .all(|s| s.entry.is_some_and(|e| e.sts_source_keys == KeySupport::Sent));
    let (recommendation, suggested_condition) = if documented {
        (
            format!(
                "Optional hardening; restrict who may pass this role (iam:PassRole with iam:PassedToService). AWS documents that {} sends the source keys: {}",
                names.join(", "),
                cx.source_recommendation_for(&f.passed_role)
            ),
            cx.source_condition_for(&f.passed_role),
        )
    } else {
        let mut text = format!(
            "No change to the trust policy is suggested: no AWS page found says that {} sends aws:SourceArn/aws:SourceAccount when it assumes a role, so requiring them could break it. Restrict who may pass this role (iam:PassRole with iam:PassedToService).",
            names.join(", ")
        );
        // Documented caveats (CloudFormation: keys documented for StackSets
        // roles only) travel with the advice.
        for caution in f.passed_role.iter().filter_map(|s| s.entry.and_then(|e| e.sts_caution.as_deref())) {
            text.push(' ');
            text.push_str(caution);
        }
        (text, None)
    };
    Some(Emit {
        severity: None,
        message: format!(
            "{} uses this role only when a principal of the owner's account passes it (iam:PassRole), so no other account has a documented way to make it assume the role; defence in depth only",
            names.join(", ")
        ),
        recommendation,
        suggested_condition,
    })
}
