//! SARIF 2.1.0, as GitHub code scanning (and any SARIF viewer) reads it.
//!
//! Hand-written serde structs rather than the `serde-sarif` crate: that crate
//! generates the whole SARIF object model (hundreds of types, with builder
//! proc-macros) for the twenty-odd properties written here, and its types would
//! still not say what GitHub requires. The test validates real output against
//! the OASIS schema vendored in tests/schemas/, so correctness is checked where
//! it matters.
//!
//! Locations: a finding is about a cloud resource, not a file, so its location
//! carries the resource ARN as a logical location (`kind: "resource"`). GitHub
//! code scanning refuses a whole upload when any result lacks
//! `physicalLocation.artifactLocation.uri` ("expected a physical location"), so
//! every result also gets one: for `check`, the policy file itself (a path
//! relative to where `check` ran); for a scan, a synthetic, stable,
//! repository-relative path derived from the ARN,
//! `aws/<account>/<region or global>/<service>/<resource>`. The file does not
//! exist; GitHub shows the alert without a source snippet. Alerts are matched
//! across runs by `partialFingerprints.deputyAuditFindingId/v1`, the stable
//! finding id.

use std::collections::BTreeMap;
use std::io::Write;

use deputy_audit_analyze::{rules, Finding, RuleInfo, Severity, StatementRef};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{json, Value};

use super::{Report, Suppression};

pub(super) const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of the stable id in `partialFingerprints`.
pub(super) const FINGERPRINT_KEY: &str = "deputyAuditFindingId/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    properties: Value,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    semantic_version: String,
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: Value,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time_utc: Option<String>,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// The Deny statement that guards the grant, when the message names one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation>,
}

/// A location a result refers to besides its own (SARIF `relatedLocations`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    message: Text,
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

/// SARIF `level` for a severity.
pub(super) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
        Severity::Info => "none",
    }
}

/// GitHub's `security-severity` (a number as a string, 0.0 to 10.0).
pub(super) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule(info: &RuleInfo) -> Rule {
    Rule {
        id: info.id,
        name: info.name,
        short_description: Text {
            text: info.summary.to_string(),
        },
        full_description: Text {
            text: format!("{} {}", info.summary, info.rationale),
        },
        help: Help {
            text: info.render_plain(),
            markdown: info.render_markdown(2),
        },
        help_uri: info.help_url(),
        default_configuration: Configuration {
            level: level(info.severity),
        },
        properties: json!({
            "tags": ["security", "aws", "iam", "confused-deputy"],
            "precision": "high",
            "security-severity": security_severity(info.severity),
            "status": info.status.as_str(),
            "since": info.status.since(),
        }),
    }
}

const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_segments<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    segments
        .into_iter()
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .map(|s| utf8_percent_encode(s, PATH_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The `artifactLocation.uri` of a finding (see the module documentation).
pub(super) fn artifact_uri(resource_arn: &str, account_id: &str) -> String {
    if let Some(arn) = deputy_audit_analyze::Arn::parse(resource_arn) {
        let account = if arn.account.is_empty() {
            account_id
        } else {
            arn.account
        };
        let account = if account.is_empty() {
            "unknown-account"
        } else {
            account
        };
        let region = if arn.region.is_empty() {
            crate::sentinel::GLOBAL_REGION
        } else {
            arn.region
        };
        let resource = arn.resource.split([':', '/']);
        let path = encode_segments(
            ["aws", account, region, arn.service]
                .into_iter()
                .chain(resource),
        );
        return path;
    }
    // `check`: the "ARN" is the policy file as named on the command line.
    if resource_arn == crate::sentinel::STDIN_NAME {
        return "stdin".to_string();
    }
    let path = resource_arn.replace('\\', "/");
    encode_segments(path.split('/'))
}

fn location(finding: &Finding, start_line: usize) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact_uri(&finding.resource_arn, &finding.account_id),
            },
            region: Region {
                start_line: u32::try_from(start_line).unwrap_or(1),
            },
        },
        logical_locations: vec![LogicalLocation {
            name: finding.resource_arn.clone(),
            fully_qualified_name: finding.resource_arn.clone(),
            kind: "resource",
        }],
    }
}

/// The guarding Deny statement as a related location: the same artifact,
/// and the statement as a logical location inside the resource's policy.
fn guard_location(finding: &Finding, guard: &StatementRef) -> RelatedLocation {
    let name = super::statement_label(guard.index, guard.sid.as_deref(), str::to_owned);
    let described = match &guard.sid {
        Some(sid) => format!("Deny statement {} (Sid \"{sid}\")", guard.index),
        None => format!("Deny statement {} (no Sid)", guard.index),
    };
    RelatedLocation {
        id: 0,
        message: Text {
            text: format!(
                "{described} denies callers from other accounts, so the grant is guarded"
            ),
        },
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact_uri(&finding.resource_arn, &finding.account_id),
            },
            region: Region { start_line: 1 },
        },
        logical_locations: vec![LogicalLocation {
            name,
            fully_qualified_name: format!("{}#Statement[{}]", finding.resource_arn, guard.index),
            kind: "object",
        }],
    }
}

fn result(
    finding: &Finding,
    start_line: usize,
    suppression: Option<&Suppression>,
    rule_index: &BTreeMap<&str, usize>,
) -> SarifResult {
    let statement = super::statement_label(
        finding.statement_index,
        finding.statement_sid.as_deref(),
        str::to_owned,
    );
    let mut text = format!(
        "{}: {statement}: {} Fix: {}",
        finding.resource_arn, finding.message, finding.recommendation
    );
    if finding.aws_managed {
        text.push_str(
            " (AWS-managed resource: its policy cannot be changed; for the record only.)",
        );
    }
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert(FINGERPRINT_KEY, finding.finding_id.clone());
    SarifResult {
        rule_id: finding.rule.id.to_string(),
        rule_index: rule_index.get(finding.rule.id).copied(),
        level: level(finding.severity),
        message: Text { text },
        locations: vec![location(finding, start_line)],
        partial_fingerprints,
        related_locations: finding
            .guarded_by
            .iter()
            .map(|g| guard_location(finding, g))
            .collect(),
        suppressions: suppression
            .iter()
            .map(|s| SarifSuppression {
                kind: "external",
                status: "accepted",
                justification: s.reason.clone(),
            })
            .collect(),
        properties: json!({
            "finding_id": finding.finding_id,
            "account_id": finding.account_id,
            "region": finding.region,
            "service": finding.service,
            "resource_type": finding.resource_type,
            "resource_arn": finding.resource_arn,
            "statement_index": finding.statement_index,
            "statement_sid": finding.statement_sid,
            "principals": finding.principals,
            "actions": finding.actions,
            "severity": finding.severity,
            "recommendation": finding.recommendation,
            "suggested_condition": finding.suggested_condition,
            "aws_managed": finding.aws_managed,
        }),
    }
}

fn log(report: &Report) -> Log {
    let infos = rules();
    let rule_index: BTreeMap<&str, usize> =
        infos.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let notifications = report
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Text {
                text: format!(
                    "{} not assessed: {} failed: {}",
                    e.resource_arn, e.operation, e.reason
                ),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: artifact_uri(&e.resource_arn, &e.account_id),
                    },
                    region: Region { start_line: 1 },
                },
                logical_locations: vec![LogicalLocation {
                    name: e.resource_arn.clone(),
                    fully_qualified_name: e.resource_arn.clone(),
                    kind: "resource",
                }],
            }],
        })
        .collect();
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name.clone(),
                    version: report.tool.version.clone(),
                    semantic_version: report.tool.version.clone(),
                    information_uri: env!("CARGO_PKG_REPOSITORY").to_string(),
                    rules: infos.iter().map(|r| rule(r)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.is_complete(),
                start_time_utc: non_empty(&report.scan_started),
                end_time_utc: non_empty(&report.scan_finished),
                tool_execution_notifications: notifications,
            }],
            results: report
                .findings
                .iter()
                .map(|f| {
                    result(
                        f,
                        report.statement_line(f),
                        report.suppression(f),
                        &rule_index,
                    )
                })
                .collect(),
            properties: json!({
                "account_id": report.account_id,
                "regions": report.regions,
                "resource_counts": report.resource_counts,
                "accounts": super::json::v2::accounts(report),
                "findings_count": report.findings.len() - report.suppressed_count(),
                "suppressed_count": report.suppressed_count(),
                // Not results: nothing is wrong with them that anyone could fix.
                "aws_managed_resources": report.aws_managed_resources,
            }),
        }],
    }
}

pub(super) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report))?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    fn sarif(report: &Report) -> Value {
        let mut out = Vec::new();
        write(report, &mut out).expect("writes");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    fn schema() -> jsonschema::Validator {
        let text = include_str!("../../tests/schemas/sarif-schema-2.1.0.json");
        let schema: Value = serde_json::from_str(text).expect("schema is JSON");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema compiles")
    }

    #[test]
    fn validates_against_the_sarif_2_1_0_schema() {
        let validator = schema();
        let doc = sarif(&sample_report());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The vendored schema does catch mistakes.
        let mut broken = doc.clone();
        broken["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn each_severity_has_its_own_level() {
        let levels: Vec<&str> = Severity::ALL.iter().map(|s| level(*s)).collect();
        assert_eq!(levels, ["none", "note", "warning", "error"]);
    }

    #[test]
    fn one_rule_per_rule_id_and_one_result_per_finding() {
        let report = sample_report();
        let doc = sarif(&report);
        let run = &doc["runs"][0];
        let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = rules().iter().map(|r| r.id).collect();
        assert_eq!(rule_ids, expected);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for (result, finding) in results.iter().zip(&report.findings) {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rule_ids[index], finding.rule.id);
            assert_eq!(result["ruleId"], finding.rule.id);
            assert_eq!(
                result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
                finding.resource_arn.as_str()
            );
            assert_eq!(
                result["partialFingerprints"][FINGERPRINT_KEY],
                finding.finding_id.as_str()
            );
            assert_eq!(result["level"], level(finding.severity));
        }
        let cd001 = &run["tool"]["driver"]["rules"][0];
        assert_eq!(cd001["properties"]["security-severity"], "8.0");
        assert!(cd001["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("```json"));
    }

    #[test]
    fn suppressed_findings_carry_an_external_suppression() {
        let report = sample_report();
        let doc = sarif(&report);
        let suppressed: Vec<&Value> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .collect();
        assert_eq!(suppressed.len(), report.suppressed_count());
        assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
        assert_eq!(
            suppressed[0]["suppressions"][0]["justification"],
            "accepted risk"
        );
    }

    /// The Deny statement a finding's message names is a related location.
    #[test]
    fn the_guarding_deny_is_a_related_location() {
        use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, ResourceType};
        let mut report = sample_report();
        let guarded = ResourcePolicy {
            arn: "arn:aws:sqs:us-east-1:111122223333:guarded".to_string(),
            resource_type: ResourceType::SqsQueue,
            account_id: "111122223333".to_string(),
            region: "us-east-1".to_string(),
            policy: Some(r#"{"Statement":[
                {"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"},
                {"Sid":"DenyOthers","Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Condition":{"StringNotEquals":{"aws:SourceAccount":"444455556666"}}}]}"#.to_string()),
            aws_managed: None,
        };
        report
            .findings
            .extend(analyze(&guarded, &AnalysisOptions::default()).expect("analyzes"));
        report.normalize();
        let doc = sarif(&report);
        let errors: Vec<String> = schema()
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let with_related: Vec<&Value> = results
            .iter()
            .filter(|r| r.get("relatedLocations").is_some())
            .collect();
        assert_eq!(with_related.len(), 1, "only the guarded finding");
        let related = &with_related[0]["relatedLocations"][0];
        assert_eq!(with_related[0]["ruleId"], "CD004");
        assert_eq!(
            related["logicalLocations"][0]["fullyQualifiedName"],
            "arn:aws:sqs:us-east-1:111122223333:guarded#Statement[1]"
        );
        assert_eq!(
            related["physicalLocation"]["artifactLocation"]["uri"],
            "aws/111122223333/us-east-1/sqs/guarded"
        );
        assert!(related["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Deny statement 1 (Sid \"DenyOthers\")"));
    }

    #[test]
    fn artifact_uris_are_stable_relative_paths() {
        assert_eq!(
            artifact_uri("arn:aws:sqs:us-east-1:111122223333:q", ""),
            "aws/111122223333/us-east-1/sqs/q"
        );
        assert_eq!(
            artifact_uri("arn:aws:iam::111122223333:role/svc/my role", ""),
            "aws/111122223333/global/iam/role/svc/my%20role"
        );
        assert_eq!(
            artifact_uri("arn:aws:s3:::bucket", "111122223333"),
            "aws/111122223333/global/s3/bucket"
        );
        assert_eq!(
            artifact_uri("arn:aws:lambda:eu-west-1:111122223333:function:f:prod", ""),
            "aws/111122223333/eu-west-1/lambda/function/f/prod"
        );
        assert_eq!(artifact_uri("./policies/q.json", ""), "policies/q.json");
        assert_eq!(artifact_uri("<stdin>", ""), "stdin");
    }
}
