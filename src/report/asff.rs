//! AWS Security Finding Format: a JSON array of findings ready for
//! `aws securityhub batch-import-findings --findings file://report.asff.json`
//! (at most 100 per call: split larger files). The tool never calls Security Hub.
//! Validated in the tests against botocore's model of BatchImportFindings (pinned,
//! see scripts/validators.sh).
//!
//! Each finding is imported through the account's default custom product,
//! `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`, in the resource's
//! region; a global resource (IAM roles) and `check`'s files go to the first region
//! scanned, or `us-east-1`. `Id` is the finding id (stable, so a re-import updates
//! the finding), `GeneratorId` the rule id. A finding suppressed by `--baseline` or
//! a suppressions file has `Workflow.Status` `SUPPRESSED` and the reason as its
//! `Note`. Strings are cut to the lengths Security Hub documents (Title 256,
//! Description 1024, Recommendation.Text and Note.Text 512, ProductFields values
//! 2048).

use std::io::Write;

use deputy_audit_analyze::{Finding, Severity};
use serde_json::{json, Map, Value};

use super::{aws_resource_type, Report};

/// The ASFF version every finding declares.
const SCHEMA_VERSION: &str = "2018-10-08";
/// The type namespace/category Security Hub documents for configuration checks.
const FINDING_TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";
/// Where a resource without a region (IAM, `check`'s files) is imported when no
/// region was scanned.
const FALLBACK_REGION: &str = "us-east-1";
/// Partitions ASFF accepts (`Resources[].Partition`).
const PARTITIONS: [&str; 5] = ["aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"];

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let findings: Vec<Value> = report.findings.iter().map(|f| finding(report, f)).collect();
    serde_json::to_writer_pretty(&mut *out, &findings)?;
    writeln!(out)?;
    Ok(())
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
    }
}

/// The region a finding is imported into.
fn region<'a>(report: &'a Report, f: &'a Finding) -> &'a str {
    let real = |r: &&str| !r.is_empty() && *r != "global";
    Some(f.region.as_str())
        .filter(real)
        .or_else(|| report.regions.iter().map(String::as_str).find(real))
        .unwrap_or(FALLBACK_REGION)
}

/// The resource's partition (from its ARN), `aws` when it has none.
fn partition(resource_arn: &str) -> &str {
    resource_arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').next())
        .filter(|p| PARTITIONS.contains(p))
        .unwrap_or("aws")
}

/// `text` cut to at most `max` characters (Security Hub counts characters), with
/// an ellipsis when cut; never empty (ASFF strings must hold a non-space).
fn cut(text: &str, max: usize) -> String {
    let text = if text.trim().is_empty() { "-" } else { text };
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

fn finding(report: &Report, f: &Finding) -> Value {
    let region = region(report, f);
    let partition = partition(&f.resource_arn);
    let account = &f.account_id;
    let at = if report.scan_finished.is_empty() {
        &report.scan_started
    } else {
        &report.scan_finished
    };
    let help_url = f.rule.help_url();
    let suppression = report.suppression(f);

    let mut fields = Map::new();
    let mut field = |key: &str, value: String| {
        if !value.trim().is_empty() {
            fields.insert(format!("deputy-audit/{key}"), json!(cut(&value, 2048)));
        }
    };
    field("FindingId", f.finding_id.clone());
    field("RuleName", f.rule.name.to_string());
    field("Service", f.service.clone());
    field("ResourceType", f.resource_type.as_str().to_string());
    field("StatementIndex", f.statement_index.to_string());
    field("StatementSid", f.statement_sid.clone().unwrap_or_default());
    field("Principals", f.principals.join(";"));
    field("Actions", f.actions.join(";"));
    field("AwsManaged", f.aws_managed.to_string());
    if let Some(condition) = &f.suggested_condition {
        field("SuggestedCondition", condition.to_string());
    }
    if let Some(m) = &f.mitigated_by {
        field("MitigatedBy", m.describe());
    }
    if let Some(s) = suppression {
        field("SuppressionReason", s.reason.clone());
    }

    let mut finding = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f.finding_id,
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "ProductName": report.tool.name,
        "CompanyName": report.tool.name,
        "Region": region,
        "GeneratorId": f.rule.id,
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "FirstObservedAt": at,
        "LastObservedAt": at,
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": {
            "Label": label(f.severity),
            "Original": f.severity.as_str(),
        },
        "Title": cut(&format!("{} {}", f.rule.id, f.rule.name), 256),
        "Description": cut(&f.message, 1024),
        "Remediation": {
            "Recommendation": {
                "Text": cut(&f.recommendation, 512),
                "Url": help_url,
            },
        },
        "SourceUrl": help_url,
        "ProductFields": fields,
        "Resources": [{
            "Type": aws_resource_type(f.resource_type),
            "Id": cut(&f.resource_arn, 512),
            "Partition": partition,
            "Region": region,
        }],
        "Compliance": { "Status": "FAILED" },
        "Workflow": { "Status": if suppression.is_some() { "SUPPRESSED" } else { "NEW" } },
        "RecordState": "ACTIVE",
    });
    if let Some(s) = suppression {
        finding["Note"] = json!({
            "Text": cut(&s.reason, 512),
            "UpdatedBy": report.tool.name,
            "UpdatedAt": at,
        });
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_characters_and_never_leaves_a_blank() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("ééé", 2), "é…");
        assert_eq!(cut("  ", 5), "-");
    }

    #[test]
    fn partition_comes_from_the_arn() {
        assert_eq!(partition("arn:aws-cn:sqs:cn-north-1:1:q"), "aws-cn");
        assert_eq!(partition("policies/queue.json"), "aws");
        assert_eq!(partition("arn:weird:sqs:x:1:q"), "aws");
    }
}
