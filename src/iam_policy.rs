//! The least-privilege IAM policy a scan needs, generated from what the
//! collectors, the wiring's source kinds and the organization-guardrails
//! reader declare. It sits above
//! both, so that neither depends on the other.

use crate::collect::wiring::SOURCES;
use crate::collect::REGISTRY;

/// What finding the scan's scope needs: `--all-regions` (account:ListRegions)
/// and `--org` (organizations:ListAccounts, in the management account). Both are
/// read-only. Scanning other accounts also needs sts:AssumeRole on their roles,
/// which is granted separately (README) because it names those roles.
const SCOPE_PERMISSIONS: &[&str] = &["account:ListRegions", "organizations:ListAccounts"];

/// The least-privilege IAM policy for a scan, generated from what the
/// collectors declare (`deputy-audit iam-policy`).
pub(crate) fn iam_policy() -> serde_json::Value {
    let actions: std::collections::BTreeSet<&str> = REGISTRY
        .iter()
        .flat_map(|c| c.permissions().iter().copied())
        .chain(SCOPE_PERMISSIONS.iter().copied())
        .chain(crate::guardrails::PERMISSIONS.iter().copied())
        .chain(SOURCES.iter().flat_map(|s| s.permissions().iter().copied()))
        .collect();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DeputyAuditReadPolicies",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*"
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::SCOPE_PERMISSIONS;
    use crate::collect::REGISTRY;

    /// The shipped IAM policy is exactly what the collectors declare: nothing
    /// missing (the scan would hit AccessDenied) and nothing extra (it would not
    /// be least privilege). sts:GetCallerIdentity needs no permission.
    #[test]
    fn shipped_iam_policy_is_the_generated_one() {
        let text = include_str!("../iam/deputy-audit-policy.json");
        let shipped: serde_json::Value = serde_json::from_str(text).expect("policy is JSON");
        assert_eq!(
            shipped,
            super::iam_policy(),
            "regenerate with: deputy-audit iam-policy > iam/deputy-audit-policy.json"
        );
        let actions = shipped["Statement"][0]["Action"]
            .as_array()
            .expect("Action list");
        assert!(actions.len() >= REGISTRY.len() + SCOPE_PERMISSIONS.len());
        for action in actions {
            assert!(
                crate::collect::is_read_only_action(action.as_str().unwrap_or("")),
                "{action} is not a read-only action"
            );
        }
    }
}
