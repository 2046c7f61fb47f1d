//! The plain values that flow through deputy-audit: what `collect` produces
//! ([`ResourcePolicy`]) and what `analyze` produces ([`Finding`]). Reports are
//! written from these alone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RuleInfo;

/// The kinds of resource whose policy deputy-audit reads.
///
/// The string form (`iam-role`, `sqs-queue`, ...) is what reports, `--resource-type`
/// and the test corpus use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    /// An IAM role's trust policy (`AssumeRolePolicyDocument`).
    IamRole,
    SqsQueue,
    SnsTopic,
    S3Bucket,
    KmsKey,
    LambdaFunction,
    #[serde(rename = "secretsmanager-secret")]
    SecretsManagerSecret,
    EventBus,
    LogsResourcePolicy,
    /// An ECR repository's repository policy.
    EcrRepository,
    /// An AWS Organizations resource control policy (judged by CD200 only).
    #[serde(rename = "organizations-rcp")]
    ResourceControlPolicy,
}

impl ResourceType {
    pub const ALL: [ResourceType; 11] = [
        ResourceType::IamRole,
        ResourceType::SqsQueue,
        ResourceType::SnsTopic,
        ResourceType::S3Bucket,
        ResourceType::KmsKey,
        ResourceType::LambdaFunction,
        ResourceType::SecretsManagerSecret,
        ResourceType::EventBus,
        ResourceType::LogsResourcePolicy,
        ResourceType::EcrRepository,
        ResourceType::ResourceControlPolicy,
    ];

    /// The kebab-case name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::IamRole => "iam-role",
            ResourceType::SqsQueue => "sqs-queue",
            ResourceType::SnsTopic => "sns-topic",
            ResourceType::S3Bucket => "s3-bucket",
            ResourceType::KmsKey => "kms-key",
            ResourceType::LambdaFunction => "lambda-function",
            ResourceType::SecretsManagerSecret => "secretsmanager-secret",
            ResourceType::EventBus => "event-bus",
            ResourceType::LogsResourcePolicy => "logs-resource-policy",
            ResourceType::EcrRepository => "ecr-repository",
            ResourceType::ResourceControlPolicy => "organizations-rcp",
        }
    }

    /// The AWS service (the ARN's service field) the resource belongs to.
    pub fn service(self) -> &'static str {
        match self {
            ResourceType::IamRole => "iam",
            ResourceType::SqsQueue => "sqs",
            ResourceType::SnsTopic => "sns",
            ResourceType::S3Bucket => "s3",
            ResourceType::KmsKey => "kms",
            ResourceType::LambdaFunction => "lambda",
            ResourceType::SecretsManagerSecret => "secretsmanager",
            ResourceType::EventBus => "events",
            ResourceType::LogsResourcePolicy => "logs",
            ResourceType::EcrRepository => "ecr",
            ResourceType::ResourceControlPolicy => "organizations",
        }
    }

    /// True for trust policies, whose only meaningful action is `sts:AssumeRole*`.
    pub fn is_trust_policy(self) -> bool {
        self == ResourceType::IamRole
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ResourceType::ALL.iter().map(|t| t.as_str()).collect();
                format!(
                    "unknown resource type '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// One resource and its policy text, as a collector read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    pub arn: String,
    pub resource_type: ResourceType,
    /// The account that owns the resource.
    pub account_id: String,
    /// The region the resource lives in; `global` for IAM roles, which have none.
    pub region: String,
    /// The policy document, decoded (IAM trust policies arrive URL-encoded).
    /// `None` when the resource has no policy of this kind, which is not an error.
    pub policy: Option<String>,
    /// Why AWS owns this resource's policy, when it does (a service-linked
    /// role's trust policy, an AWS-managed key's key policy): the account cannot
    /// change it, so it is listed, not judged (see `AnalysisOptions::include_aws_managed`).
    #[serde(default)]
    pub aws_managed: Option<String>,
}

/// How serious a finding is. Ordered: `Info < Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity '{s}' (expected info, low, medium or high)"))
    }
}

/// One problem in one statement of one resource's policy: the engine's value.
/// Reports are written from it through their own wire types (the binary's
/// `report::json::v1`), so this type can change without changing a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub account_id: String,
    pub region: String,
    pub service: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    /// Zero-based index of the statement in the policy's `Statement` list (0 when
    /// `Statement` is a single object).
    pub statement_index: usize,
    pub statement_sid: Option<String>,
    /// The principals the statement grants, as written (`service:sns.amazonaws.com`
    /// style is not used: service principals are bare, others carry their ARN or `*`).
    pub principals: Vec<String>,
    pub actions: Vec<String>,
    /// The resources the statement grants (`NotResource:` entries for
    /// `NotResource`); empty when it names none (trust policies).
    pub resources: Vec<String>,
    /// The rule that reported it (its id, name and texts).
    pub rule: &'static RuleInfo,
    pub severity: Severity,
    pub message: String,
    pub recommendation: String,
    /// A `Condition` block that would fix the statement for this resource, when one
    /// can be suggested.
    pub suggested_condition: Option<serde_json::Value>,
    pub aws_managed: bool,
    /// The stable id of this finding: the same problem in the same statement of
    /// the same resource keeps it across runs (see [`finding_id`]).
    pub finding_id: String,
    /// The Deny statement of the same policy that guards the grant (the message
    /// names it too): other accounts are denied, so the finding is about what
    /// remains.
    pub guarded_by: Option<StatementRef>,
    /// Set after the analysis (`guardrails::coverage`), never by a rule: an
    /// organization resource control policy denies what the finding exposes.
    /// Still reported; does not gate the exit code.
    pub mitigated_by: Option<crate::guardrails::MitigatedBy>,
}

/// A statement of a policy: its index and `Sid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

/// The stable id of a finding: `DA-` and the first 16 hex digits of the SHA-256
/// of the account, the resource ARN, the rule id and the statement's identity.
///
/// The statement's identity is its `Sid` when it has one (so the id survives
/// edits to the statement, e.g. a condition being tightened), otherwise
/// `statement_canonical`, a canonical form of the statement that does not depend
/// on key order, list order, the statement's position in the policy or the case
/// of action names (see [`canonical_statement`]). Hashing is done only for
/// findings, never per statement scanned.
pub fn finding_id(
    account_id: &str,
    resource_arn: &str,
    rule_id: &str,
    sid: Option<&str>,
    statement_canonical: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let identity = match sid {
        Some(sid) => format!("sid\u{0}{sid}"),
        None => format!("statement\u{0}{statement_canonical}"),
    };
    let mut hasher = Sha256::new();
    for part in [
        "deputy-audit finding v1",
        account_id,
        resource_arn,
        &rule_id.to_ascii_uppercase(),
        &identity,
    ] {
        // Length-prefixed, so no two different tuples hash the same input.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("DA-{hex}")
}

/// The id of a finding by `rule_id` on statement `st` of `policy`: by `Sid` when
/// the statement has one that no other statement of the policy shares, else by
/// [`canonical_statement`].
pub fn statement_finding_id(
    resource: &ResourcePolicy,
    policy: &crate::policy::Policy,
    st: &crate::policy::Statement,
    rule_id: &str,
) -> String {
    let sid = st.sid.as_deref().filter(|sid| {
        !sid.is_empty()
            && policy
                .statements
                .iter()
                .filter(|other| other.sid.as_deref() == Some(*sid))
                .count()
                == 1
    });
    let canonical = if sid.is_some() {
        String::new()
    } else {
        canonical_statement(st)
    };
    finding_id(
        &resource.account_id,
        &resource.arn,
        rule_id,
        sid,
        &canonical,
    )
}

/// A canonical text of a parsed statement: element names fixed, principals,
/// actions, resources and condition values sorted and de-duplicated, action
/// names lower-cased (AWS compares them without case), condition keys
/// lower-cased (already so in the parsed form). Position and `Sid` are left out.
pub fn canonical_statement(st: &crate::policy::Statement) -> String {
    use crate::policy::{Effect, PrincipalKind, Principals};
    use std::collections::BTreeMap;

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v.dedup();
        v
    }
    fn principals(p: &Principals) -> Vec<String> {
        match p {
            Principals::Any => vec!["*".to_string()],
            Principals::Map(entries) => sorted(
                entries
                    .iter()
                    .map(|(kind, value)| {
                        let kind = match kind {
                            PrincipalKind::Aws => "AWS",
                            PrincipalKind::Service => "Service",
                            PrincipalKind::Federated => "Federated",
                            PrincipalKind::CanonicalUser => "CanonicalUser",
                        };
                        format!("{kind}:{value}")
                    })
                    .collect(),
            ),
        }
    }
    let lower = |v: &Vec<String>| sorted(v.iter().map(|a| a.to_ascii_lowercase()).collect());

    // A BTreeMap of string lists serializes in key order whatever serde_json's
    // features are, so the text is canonical.
    let mut parts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let effect = match st.effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    };
    parts.insert("Effect", vec![effect.to_string()]);
    if let Some(p) = &st.principal {
        parts.insert("Principal", principals(p));
    }
    if let Some(p) = &st.not_principal {
        parts.insert("NotPrincipal", principals(p));
    }
    if let Some(a) = &st.action {
        parts.insert("Action", lower(a));
    }
    if let Some(a) = &st.not_action {
        parts.insert("NotAction", lower(a));
    }
    if let Some(r) = &st.resource {
        parts.insert("Resource", sorted(r.clone()));
    }
    if let Some(r) = &st.not_resource {
        parts.insert("NotResource", sorted(r.clone()));
    }
    if !st.conditions.is_empty() {
        let entries = st
            .conditions
            .iter()
            .map(|c| {
                let values = sorted(c.values.clone());
                serde_json::to_string(&(&c.operator_name, &c.key, values, c.values_valid))
                    .unwrap_or_default()
            })
            .collect();
        parts.insert("Condition", sorted(entries));
    }
    if !st.condition_problems.is_empty() {
        let problems = st
            .condition_problems
            .iter()
            .map(|p| p.detail.clone())
            .collect();
        parts.insert("ConditionProblems", sorted(problems));
    }
    serde_json::to_string(&parts).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports (serde) and the command line (`as_str`/`FromStr`) must use the
    /// same name for every resource type.
    #[test]
    fn resource_type_names_agree_everywhere() {
        for t in ResourceType::ALL {
            let json = serde_json::to_string(&t).expect("serializes");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(t.as_str().parse::<ResourceType>(), Ok(t));
        }
        assert!("sqs".parse::<ResourceType>().is_err());
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(
            Severity::Info < Severity::Low
                && Severity::Low < Severity::Medium
                && Severity::Medium < Severity::High
        );
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("critical".parse::<Severity>().is_err());
    }
}
