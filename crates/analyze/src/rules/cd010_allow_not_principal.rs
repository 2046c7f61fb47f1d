//! CD010: Allow with NotPrincipal.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD010",
        name: "allow-not-principal",
        severity: Severity::High,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "An Allow with `NotPrincipal`.",
        rationale: "Allow with NotPrincipal grants every principal except the ones listed, including every service principal and every other account. AWS recommends against it; it is almost always meant as a Deny.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "NotPrincipal": { "AWS": "arn:aws:iam::444455556666:root" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"
  }]
}"#,
        fix: "Replace NotPrincipal with a Principal naming who is allowed, or turn the statement into a Deny.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let st = cx.statement;
    if !cx.facts.allow {
        return None;
    }
    let excluded = st.not_principal.as_ref()?.display_list();
    Some(Emit {
        severity: None,
        message: format!(
            "Allow with NotPrincipal grants every principal except {}",
            excluded.join(", ")
        ),
        recommendation: "Replace NotPrincipal with a Principal that names who is allowed, or make the statement a Deny.".to_string(),
        suggested_condition: None,
    })
}
