//! The plain values that flow through deputy-audit: what `collect` produces
//! ([`ResourcePolicy`]) and what `analyze` produces ([`Finding`]). Reports are
//! written from these alone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
}

impl ResourceType {
    pub const ALL: [ResourceType; 9] = [
        ResourceType::IamRole,
        ResourceType::SqsQueue,
        ResourceType::SnsTopic,
        ResourceType::S3Bucket,
        ResourceType::KmsKey,
        ResourceType::LambdaFunction,
        ResourceType::SecretsManagerSecret,
        ResourceType::EventBus,
        ResourceType::LogsResourcePolicy,
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
    /// The resource is managed by AWS and its policy cannot be changed (AWS-managed
    /// KMS keys, service-linked roles). Findings on it are reported but marked so.
    pub aws_managed: bool,
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

/// One problem in one statement of one resource's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub message: String,
    pub recommendation: String,
    /// A `Condition` block that would fix the statement for this resource, when one
    /// can be suggested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_condition: Option<serde_json::Value>,
    #[serde(default)]
    pub aws_managed: bool,
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
