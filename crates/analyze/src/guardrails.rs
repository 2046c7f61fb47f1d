//! Organization guardrails: AWS Organizations resource control policies (RCPs).
//!
//! An RCP statement is judged exactly as a Deny statement in the resource's own
//! policy would be ([`crate::eval`]'s guard logic): a finding is *covered* when a
//! Deny statement of an RCP that applies to the resource's account takes away, for
//! callers from other accounts or organizations, what the finding's statement grants
//! its service principal (same actions, same resource), with nothing that makes the
//! Deny miss service requests. The services an RCP can reach at all are data
//! (`data/rcp-services.json`, with its AWS pages); for the others no finding is ever
//! covered and the finding says so.
//!
//! Pure, like the rest of the crate: the binary reads the RCPs (Organizations or
//! `--rcp FILE`) and hands them here.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::eval::{self, source_key_kind};
use crate::policy::{self, BaseOperator, Effect, Policy, Statement};
use crate::{AnalysisOptions, Finding, PolicyError, ResourcePolicy, ResourceType};

/// Keys every service acting for a resource is taken to send, so that a
/// `Null: false` check on them does not let a service escape the Deny: only
/// `aws:SourceAccount` (the key the documented RCP's prose names). A `Null` check on
/// any other source key makes the statement cover nothing (CD200 reports it).
pub const NULL_CHECK_SAFE_KEYS: &[&str] = &["aws:sourceaccount"];

/// One RCP as read from Organizations (`DescribePolicy`) or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rcp {
    /// `p-abcd1234` (Organizations) or the file path.
    pub policy_id: String,
    pub policy_name: String,
    /// The policy's ARN when Organizations gave one.
    pub arn: Option<String>,
    /// AWS-managed (`RCPFullAWSAccess`): an Allow-all that guards nothing.
    pub aws_managed: bool,
    pub content: String,
}

/// The RCP statement that covers a finding, as written on the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MitigatedBy {
    pub policy_id: String,
    pub policy_name: String,
    pub statement_sid: Option<String>,
}

impl MitigatedBy {
    /// One line for text formats.
    pub fn describe(&self) -> String {
        let sid = self
            .statement_sid
            .as_deref()
            .map_or_else(|| "no Sid".to_string(), |s| format!("Sid \"{s}\""));
        format!(
            "covered by resource control policy {} ({}, {sid})",
            self.policy_id, self.policy_name
        )
    }
}

/// An RCP, parsed once.
#[derive(Debug, Clone)]
pub struct ParsedRcp {
    pub rcp: Rcp,
    policy: Policy,
}

impl ParsedRcp {
    pub fn parse(rcp: Rcp) -> Result<ParsedRcp, PolicyError> {
        let policy = policy::parse(&rcp.content)?;
        Ok(ParsedRcp { rcp, policy })
    }
}

#[derive(Debug, Deserialize)]
struct ServicesData {
    source: String,
    management_account: Fact,
    services: Vec<ServiceSupport>,
}

#[derive(Debug, Deserialize)]
struct Fact {
    fact: String,
    doc: String,
}

/// One row of the supported-services table.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceSupport {
    pub service: String,
    pub display: String,
    /// `supported` (with a page), `unverified` or `not-supported`.
    pub status: String,
    pub doc: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[allow(
    clippy::expect_used,
    reason = "the file is compiled in and parsed by a unit test: a broken one is a build defect"
)]
static DATA: LazyLock<ServicesData> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/rcp-services.json"))
        .expect("data/rcp-services.json is valid (a unit test parses it)")
});

/// The page the supported-services table rests on.
pub fn services_source() -> &'static str {
    &DATA.source
}

/// The supported-services table.
pub fn service_table() -> &'static [ServiceSupport] {
    &DATA.services
}

/// "RCPs do not affect resources in the management account", with its page.
pub fn management_account_fact() -> (&'static str, &'static str) {
    (&DATA.management_account.fact, &DATA.management_account.doc)
}

/// The service whose authorization an RCP must reach for a resource: the service
/// the request is made to (a role's trust policy is evaluated by STS).
pub fn rcp_service(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::IamRole => "sts",
        other => other.service(),
    }
}

/// True when an RCP can guard this service's resources (a page says so).
pub fn rcp_supports(service: &str) -> bool {
    DATA.services
        .iter()
        .any(|s| s.service == service && s.status == "supported" && s.doc.is_some())
}

/// What the organization's RCPs do for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// An RCP statement denies what the finding exposes.
    Covered(MitigatedBy),
    /// RCPs cannot reach this service: never covered. The text says why.
    Unreachable(String),
    /// The resource is in the organization's management account, which RCPs do not affect.
    ManagementAccount(String),
    /// No RCP statement guards it (or the finding is not about a service principal).
    NotCovered,
}

/// Judges one finding against the RCPs that apply to its account. `resource` is the
/// resource the finding is about (its policy text is read again, once per finding).
/// `management_account`: the organization's management account, when known.
pub fn coverage(
    rcps: &[ParsedRcp],
    resource: &ResourcePolicy,
    finding: &Finding,
    management_account: Option<&str>,
) -> Coverage {
    let services: Vec<&str> = finding
        .principals
        .iter()
        .map(String::as_str)
        .filter(|p| p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn"))
        .collect();
    if services.is_empty()
        || services.len() != finding.principals.len()
        || resource.resource_type == ResourceType::ResourceControlPolicy
    {
        return Coverage::NotCovered;
    }
    let service = rcp_service(resource.resource_type);
    if !rcp_supports(service) {
        let row = DATA.services.iter().find(|s| s.service == service);
        let status = row.map_or("not listed", |r| r.status.as_str());
        return Coverage::Unreachable(format!(
            "organization guardrails cannot cover this: resource control policies do not reach {service} ({status} in the supported-services list, {})",
            DATA.source
        ));
    }
    if management_account.is_some_and(|m| m == resource.account_id) {
        let (fact, doc) = management_account_fact();
        return Coverage::ManagementAccount(format!(
            "organization guardrails cannot cover this: the resource is in the management account ({fact} {doc})"
        ));
    }
    let Some(text) = resource.policy.as_deref() else {
        return Coverage::NotCovered;
    };
    let Ok(parsed) = policy::parse(text) else {
        return Coverage::NotCovered;
    };
    let Some(allow) = parsed
        .statements
        .iter()
        .find(|s| s.index == finding.statement_index && s.effect == Effect::Allow)
    else {
        return Coverage::NotCovered;
    };
    for rcp in rcps {
        for d in &rcp.policy.statements {
            if !null_checks_safe(d) {
                continue;
            }
            let all = services.iter().all(|svc| {
                eval::deny_guard(
                    d,
                    allow,
                    &resource.account_id,
                    |p| eval::covers_service(p, svc),
                    source_key_kind,
                )
                .is_some()
            });
            if all {
                return Coverage::Covered(MitigatedBy {
                    policy_id: rcp.rcp.policy_id.clone(),
                    policy_name: rcp.rcp.policy_name.clone(),
                    statement_sid: d.sid.clone(),
                });
            }
        }
    }
    Coverage::NotCovered
}

/// A `Null: false` ("the key is present") check on a key some services do not send
/// makes the Deny skip those services' requests: such a statement guards nothing.
fn null_checks_safe(d: &Statement) -> bool {
    d.conditions.iter().all(|e| {
        e.operator.is_none_or(|op| op.base != BaseOperator::Null)
            || NULL_CHECK_SAFE_KEYS.contains(&e.key.as_str())
    })
}

/// The RCP's own findings (CD200 only: the other rules judge grants, and an RCP
/// grants nothing). AWS-managed RCPs are not judged.
pub fn analyze_rcp(rcp: &ParsedRcp, account_id: &str) -> Vec<Finding> {
    if rcp.rcp.aws_managed {
        return Vec::new();
    }
    let resource = rcp_resource(rcp, account_id);
    crate::analyze_policy(&resource, &AnalysisOptions::default(), &rcp.policy)
        .into_iter()
        .filter(|f| f.rule.id == "CD200")
        .collect()
}

/// The RCP as a resource, for reports: its ARN when known, else its id.
pub fn rcp_resource(rcp: &ParsedRcp, account_id: &str) -> ResourcePolicy {
    ResourcePolicy {
        arn: rcp
            .rcp
            .arn
            .clone()
            .unwrap_or_else(|| rcp.rcp.policy_id.clone()),
        resource_type: ResourceType::ResourceControlPolicy,
        account_id: account_id.to_string(),
        region: "global".to_string(),
        policy: Some(rcp.rcp.content.clone()),
        aws_managed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze, Severity};

    /// The documented confused-deputy RCP's statement (Organizations user guide's RCP
    /// examples, data-perimeter-policy-examples) with `condition` as its Condition.
    fn rcp_text(condition: serde_json::Value) -> String {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "EnforceConfusedDeputyProtection",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
                "Resource": "*",
                "Condition": condition
            }]
        })
        .to_string()
    }

    /// `Null` on aws:SourceAccount, as the page's prose says.
    fn good() -> String {
        rcp_text(serde_json::json!({
            "StringNotEqualsIfExists": {
                "aws:SourceOrgID": "o-a1b2c3d4e5",
                "aws:SourceAccount": ["111122223333"]
            },
            "Null": { "aws:SourceAccount": "false" },
            "Bool": { "aws:PrincipalIsAWSService": "true" }
        }))
    }

    /// The printed variant: `Null` on aws:SourceArn.
    fn broken() -> String {
        rcp_text(serde_json::json!({
            "StringNotEqualsIfExists": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
            "Null": { "aws:SourceArn": "false" },
            "Bool": { "aws:PrincipalIsAWSService": "true" }
        }))
    }

    const OPEN_QUEUE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#;
    const OPEN_TOPIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:111122223333:t"}]}"#;

    fn rcp(id: &str, text: &str) -> ParsedRcp {
        ParsedRcp::parse(Rcp {
            policy_id: id.into(),
            policy_name: format!("{id}-name"),
            arn: None,
            aws_managed: false,
            content: text.into(),
        })
        .expect("parses")
    }

    fn resource(t: ResourceType, arn: &str, text: &str) -> ResourcePolicy {
        ResourcePolicy {
            arn: arn.into(),
            resource_type: t,
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            policy: Some(text.into()),
            aws_managed: None,
        }
    }

    fn cover(rcps: &[ParsedRcp], r: &ResourcePolicy) -> Coverage {
        let findings = analyze(r, &AnalysisOptions::default()).expect("analyzes");
        let f = findings
            .iter()
            .find(|f| f.rule.id == "CD001")
            .expect("CD001");
        coverage(rcps, r, f, None)
    }

    #[test]
    fn table_parses_and_cites() {
        assert!(services_source().starts_with("https://docs.aws.amazon.com/"));
        for s in service_table() {
            assert!(
                s.status != "supported" || s.doc.is_some(),
                "{} supported without a page",
                s.service
            );
        }
        assert!(rcp_supports("sqs") && !rcp_supports("sns") && !rcp_supports("lambda"));
    }

    #[test]
    fn documented_rcp_covers_an_open_queue() {
        let q = resource(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:q",
            OPEN_QUEUE,
        );
        match cover(&[rcp("p-good", &good())], &q) {
            Coverage::Covered(m) => {
                assert_eq!(m.policy_id, "p-good");
                assert_eq!(
                    m.statement_sid.as_deref(),
                    Some("EnforceConfusedDeputyProtection")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(analyze_rcp(&rcp("p-good", &good()), "111122223333").is_empty());
    }

    #[test]
    fn sns_is_never_covered() {
        let t = resource(
            ResourceType::SnsTopic,
            "arn:aws:sns:us-east-1:111122223333:t",
            OPEN_TOPIC,
        );
        assert!(matches!(
            cover(&[rcp("p-good", &good())], &t),
            Coverage::Unreachable(_)
        ));
    }

    #[test]
    fn management_account_is_never_covered() {
        let q = resource(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:q",
            OPEN_QUEUE,
        );
        let findings = analyze(&q, &AnalysisOptions::default()).expect("analyzes");
        let c = coverage(
            &[rcp("p-good", &good())],
            &q,
            &findings[0],
            Some("111122223333"),
        );
        assert!(matches!(c, Coverage::ManagementAccount(_)), "{c:?}");
    }

    #[test]
    fn broken_rcp_covers_nothing_and_is_reported() {
        let q = resource(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:q",
            OPEN_QUEUE,
        );
        assert_eq!(
            cover(&[rcp("p-broken", &broken())], &q),
            Coverage::NotCovered
        );
        let findings = analyze_rcp(&rcp("p-broken", &broken()), "111122223333");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].rule.id, "CD200");
        assert_eq!(findings[0].resource_arn, "p-broken");
        assert!(
            findings[0].message.contains("aws:SourceArn"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn each_defect_is_reported() {
        let cases = [
            // No aws:PrincipalIsAWSService: still covers, but reported.
            (
                rcp_text(serde_json::json!({
                    "StringNotEqualsIfExists": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
                    "Null": { "aws:SourceAccount": "false" }
                })),
                "aws:PrincipalIsAWSService",
                true,
            ),
            // Negation without IfExists: still covers, but denies services that send no key.
            (
                rcp_text(serde_json::json!({
                    "StringNotEquals": { "aws:SourceOrgID": "o-a1b2c3d4e5" },
                    "Bool": { "aws:PrincipalIsAWSService": "true" }
                })),
                "IfExists",
                true,
            ),
            // Wildcard organization: covers nothing.
            (
                rcp_text(serde_json::json!({
                    "StringNotLikeIfExists": { "aws:SourceOrgID": "o-*" },
                    "Null": { "aws:SourceAccount": "false" },
                    "Bool": { "aws:PrincipalIsAWSService": "true" }
                })),
                "wildcard",
                false,
            ),
        ];
        let q = resource(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:q",
            OPEN_QUEUE,
        );
        for (text, needle, covers) in cases {
            let r = rcp("p-x", &text);
            let findings = analyze_rcp(&r, "111122223333");
            assert_eq!(findings.len(), 1, "{needle}: {findings:#?}");
            assert!(
                findings[0].message.contains(needle),
                "{needle}: {}",
                findings[0].message
            );
            assert!(findings[0].severity >= Severity::Medium);
            assert_eq!(
                matches!(cover(&[r], &q), Coverage::Covered(_)),
                covers,
                "{needle}"
            );
        }
    }
}
