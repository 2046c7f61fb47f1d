//! Reading a JSON report's `wiring` object in the source-kind tests.

use std::collections::BTreeSet;

use serde_json::Value;

/// A use as (kind, principal, source ARN, source account, source region, target).
pub type UsageKey = (String, String, Option<String>, String, String, String);

/// The report's `wiring.usages` as [`UsageKey`]s: all of them, or only those
/// of `kinds`.
pub fn reported_usages(report: &Value, kinds: Option<&[&str]>) -> BTreeSet<UsageKey> {
    let text = |u: &Value, key: &str| u[key].as_str().unwrap_or_default().to_string();
    report["wiring"]["usages"]
        .as_array()
        .unwrap_or_else(|| panic!("no wiring.usages in the report: {report}"))
        .iter()
        .filter(|u| kinds.is_none_or(|kinds| kinds.iter().any(|k| u["kind"] == *k)))
        .map(|u| {
            (
                text(u, "kind"),
                text(u, "service_principal"),
                u["source_arn"].as_str().map(str::to_string),
                text(u, "source_account"),
                text(u, "source_region"),
                text(u, "target_arn"),
            )
        })
        .collect()
}

/// The status of `kind` in `wiring.kinds`.
pub fn kind_status(report: &Value, kind: &str) -> String {
    report["wiring"]["kinds"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|k| k["kind"] == kind))
        .and_then(|k| k["status"].as_str())
        .unwrap_or_else(|| panic!("kind {kind} missing from wiring.kinds: {report}"))
        .to_string()
}
