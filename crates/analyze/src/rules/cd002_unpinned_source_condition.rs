//! CD002: a source key is present but pins nothing.

use super::{Ctx, Emit, Rule, RuleInfo, RuleStatus};
use crate::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "CD002",
        name: "unpinned-source-condition",
        severity: Severity::High,
        status: RuleStatus::Stable { since: "0.1.0" },
        hardening: false,
        summary: "A source key is present but does not pin: `*`, a wildcard (`*` or `?`) in the account field of a SourceArn or in a SourceAccount, any one wildcard value in a list, or a `Null` check alone.",
        rationale: "A condition such as ArnLike aws:SourceArn arn:aws:rekognition:*:*:* looks like protection but matches every customer's resources; one wildcard value in a list opens the whole list, and a Null check only asks that the key exist. The grant is as exposed as one with no condition at all.",
        vulnerable_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "rekognition.amazonaws.com" },
    "Action": "sts:AssumeRole",
    "Condition": { "ArnLike": { "aws:SourceArn": "arn:aws:rekognition:*:*:*" } }
  }]
}"#,
        fixed_example: r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Service": "rekognition.amazonaws.com" },
    "Action": "sts:AssumeRole",
    "Condition": { "ArnLike": { "aws:SourceArn": "arn:aws:rekognition:*:111122223333:*" } }
  }]
}"#,
        fix: "Put a 12-digit account id without wildcards in the account field of every aws:SourceArn value (other fields may stay wildcards), use exact account ids in aws:SourceAccount, drop `*` values from lists, and replace a lone Null check with a real comparison.",
    },
    check,
};

fn check(cx: &Ctx<'_>) -> Option<Emit> {
    let f = cx.facts;
    // A public grant pinned some other way (aws:PrincipalAccount) or guarded
    // is not exposed through its unpinned source key.
    let public_exposed = f.public && !f.public_pinned && f.public_guard.is_none();
    if !f.allow || (f.exposed.is_empty() && !public_exposed) || !f.unpinned_reported() {
        return None;
    }
    let mut reasons: Vec<String> = f.unpinned.clone();
    if reasons.is_empty() {
        reasons.extend(
            f.null_checks
                .iter()
                .map(|n| format!("{n} only checks that the key exists")),
        );
    }
    let exposure = cx.exposure(&f.exposed);
    let mut message = format!(
        "The source condition does not pin the caller: {}",
        reasons.join("; ")
    );
    for caveat in &exposure.caveats {
        message.push_str(&format!(" ({caveat})"));
    }
    Some(Emit {
        // A public grant alone (no service principal) is as open as CD009's.
        severity: Some(if f.exposed.is_empty() && !cx.metadata_only() {
            Severity::High
        } else {
            exposure.severity
        }),
        message,
        recommendation: cx.source_recommendation(),
        suggested_condition: cx.source_condition(),
    })
}
