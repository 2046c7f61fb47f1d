//! CD008: an unknown operator or a malformed condition block.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD008",
        name: "invalid-condition",
        severity: Severity::Medium,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "An unknown condition operator (`\" ArnEquals\"`), a malformed condition block, or a duplicated key that makes the policy ambiguous: the intended protection is not in effect, or not certainly.",
        rationale: "Operator names are matched exactly: \" ArnEquals\" (with a leading space, as one AWS documentation example prints it), \"arnEquals\" or \"NullIfExists\" are not operators, and a value of the wrong type is not a comparison. AWS rejects or ignores such a condition, so the protection its author intended does not exist. A key written twice in one object (\"Effect\" twice, \"Statement\" and \"statement\", a condition key twice) leaves open which copy counts; the finding names the key, and both readings are judged, so the worse one is never hidden.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "profile.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:dlq",
    "Condition": {
      " ArnEquals": { "aws:SourceArn": "arn:aws:profile:us-east-1:111122223333:domains/d" },
      "StringEquals": { "aws:SourceAccount": "111122223333" }
    }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "profile.amazonaws.com" },
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111122223333:dlq",
    "Condition": {
      "ArnEquals": { "aws:SourceArn": "arn:aws:profile:us-east-1:111122223333:domains/d" },
      "StringEquals": { "aws:SourceAccount": "111122223333" }
    }
  }]
}"#,
        fix: "Spell the operator exactly as AWS documents it and give each key a string, number, boolean or non-empty list of those.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let st = cx.statement;
    let mut problems: Vec<String> = Vec::new();
    for e in &st.conditions {
        if e.operator.is_none() {
            let p = format!("unknown condition operator \"{}\"", e.operator_name);
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
    }
    problems.extend(st.condition_problems.iter().map(|p| p.detail.clone()));
    problems.extend(cx.facts.invalid.iter().cloned());
    if problems.is_empty() && st.ambiguities.is_empty() {
        return None;
    }
    // A duplicated key: which copy AWS keeps is not defined, so the analysis
    // judged both readings; say so before anything else.
    let ambiguity = (!st.ambiguities.is_empty()).then(|| {
        format!(
            "The policy is ambiguous, so what AWS enforces depends on which copy of a duplicated key it keeps: {}; both readings were judged and the findings of either are reported.",
            st.ambiguities.join("; ")
        )
    });
    let condition = (!problems.is_empty())
        .then(|| format!("The condition is not in effect as written: {}", problems.join("; ")));
    Some(Emit {
        severity: None,
        message: ambiguity.into_iter().chain(condition).collect::<Vec<_>>().join(" "),
        recommendation: format!(
            "{}Correct the operator name (names are case-sensitive and take no spaces) and the value types; until then the protection it was meant to give does not exist.",
            if st.ambiguities.is_empty() { "" } else { "Write every key once (element names and condition keys are case-insensitive: Effect and effect are one key). " }
        ),
        suggested_condition: if cx.facts.allow && !cx.facts.exposed.is_empty() { cx.source_condition() } else { None },
    })
}
