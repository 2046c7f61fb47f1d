//! OCSF 1.5 Detection Finding (`class_uid` 2004), one event per finding, written as
//! one JSON array, as Prowler's OCSF output is (Security Lake and OCSF pipelines
//! read it). Validated in the tests against `py-ocsf-models` (pinned, see
//! scripts/validators.sh).
//!
//! Mapping: the finding id is `finding_info.uid` (and `metadata.uid`), the rule is
//! `metadata.event_code` and `finding_info.analytic`, the resource is
//! `resources[0]` (its `type` the ASFF name, `AwsSqsQueue`…), the account and
//! region are `cloud`. A finding suppressed by `--baseline` or a suppressions file
//! has `status_id` 3 (Suppressed) and the reason in `status_detail`; every other
//! finding is 1 (New). `time` is when the scan finished, in milliseconds.
//! Everything OCSF has no attribute for (statement, principals, actions, the
//! suggested condition, guards) is in `unmapped`.

use std::io::Write;

use deputy_audit_analyze::{Finding, Severity};
use serde_json::{json, Value};

use super::{aws_resource_type, epoch_millis, Report};

/// The OCSF schema version the events follow.
pub(super) const OCSF_VERSION: &str = "1.5.0";

const CLASS_UID: u32 = 2004;
/// Activity "Create": a finding as first reported by a scan.
const ACTIVITY_ID: u32 = 1;

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let events: Vec<Value> = report.findings.iter().map(|f| event(report, f)).collect();
    serde_json::to_writer_pretty(&mut *out, &events)?;
    writeln!(out)?;
    Ok(())
}

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
    }
}

fn event(report: &Report, f: &Finding) -> Value {
    let time = epoch_millis(&report.scan_finished);
    let (severity_id, severity_name) = severity(f.severity);
    let suppression = report.suppression(f);
    let (status_id, status) = if suppression.is_some() {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let help_url = f.rule.help_url();
    let mut event = json!({
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status,
        "status_code": "FAIL",
        "message": f.message,
        "time": time,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": f.finding_id,
            "event_code": f.rule.id,
            "profiles": ["cloud"],
            "product": {
                "name": report.tool.name,
                "vendor_name": report.tool.name,
                "version": report.tool.version,
                "url_string": env!("CARGO_PKG_REPOSITORY"),
            },
        },
        "finding_info": {
            "uid": f.finding_id,
            "title": format!("{} {}", f.rule.id, f.rule.name),
            "desc": f.message,
            "types": [format!("{}/{}", f.rule.id, f.rule.name)],
            "created_time": time,
            "src_url": help_url,
            "analytic": {
                "uid": f.rule.id,
                "name": f.rule.name,
                "type_id": 1,
                "type": "Rule",
                "desc": f.rule.summary,
            },
        },
        "cloud": {
            "provider": "AWS",
            "region": f.region,
            "account": {
                "uid": f.account_id,
                "name": f.account_id,
                "type_id": 10,
                "type": "AWS Account",
            },
        },
        "resources": [{
            "uid": f.resource_arn,
            "name": f.resource_arn,
            "type": aws_resource_type(f.resource_type),
            "region": f.region,
            "group": { "name": f.service },
            "data": {
                "deputy_audit_type": f.resource_type.as_str(),
                "statement_index": f.statement_index,
                "statement_sid": f.statement_sid,
                "principals": f.principals,
                "actions": f.actions,
            },
        }],
        "remediation": {
            "desc": f.recommendation,
            "references": [help_url],
        },
        "risk_details": f.rule.rationale,
        "unmapped": {
            "aws_managed": f.aws_managed,
            "suggested_condition": f.suggested_condition,
            "guarded_by": f.guarded_by.as_ref().map(|g| json!({
                "statement_index": g.index,
                "statement_sid": g.sid,
            })),
            "mitigated_by": f.mitigated_by,
        },
    });
    if let Some(s) = suppression {
        event["status_detail"] = json!(s.reason);
    }
    // `check` has no region: none is better than an empty one.
    if f.region.is_empty() {
        if let Some(cloud) = event["cloud"].as_object_mut() {
            cloud.remove("region");
        }
        if let Some(resource) = event["resources"][0].as_object_mut() {
            resource.remove("region");
        }
    }
    event
}
