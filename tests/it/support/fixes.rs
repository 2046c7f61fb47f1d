//! Reading a JSON report's remediations in the fix workflow tests (LocalStack
//! and moto): the remediation of a resource, one statement's fix, the values a
//! condition key carries, and the exact-pin assertion they share.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// `(resource_arn, rule_id, statement_index)` of every finding on `arns`.
pub fn findings_on(report: &Value, arns: &[&str]) -> BTreeSet<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| arns.contains(&f["resource_arn"].as_str().unwrap_or_default()))
        .map(|f| {
            (
                f["resource_arn"].as_str().unwrap_or_default().to_string(),
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["statement_index"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

pub fn remediation<'r>(report: &'r Value, arn: &str) -> &'r Value {
    report["remediations"]
        .as_array()
        .unwrap_or_else(|| panic!("no remediations array in the report:\n{report:#}"))
        .iter()
        .find(|r| r["resource_arn"] == arn)
        .unwrap_or_else(|| {
            panic!(
                "no remediation for {arn}; remediations:\n{:#}",
                report["remediations"]
            )
        })
}

pub fn statement_fix(r: &Value, index: u64) -> &Value {
    r["statements"]
        .as_array()
        .expect("statements array")
        .iter()
        .find(|s| s["index"] == index)
        .unwrap_or_else(|| panic!("no fix for statement {index}:\n{r:#}"))
}

/// Every value `key` carries in `statement`'s `Condition`, by operator.
pub fn condition_values(statement: &Value, key: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Some(condition) = statement["Condition"].as_object() else {
        return out;
    };
    for (operator, block) in condition {
        let Some(block) = block.as_object() else {
            continue;
        };
        for (k, v) in block {
            if !k.eq_ignore_ascii_case(key) {
                continue;
            }
            let values: Vec<String> = match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                other => vec![other.to_string()],
            };
            out.entry(operator.clone()).or_default().extend(values);
        }
    }
    out
}

/// The statement is pinned to exactly `source_arns` (aws:SourceArn, under an ARN
/// operator that matches them exactly or as written) and to `account`
/// (aws:SourceAccount, StringEquals), and nothing looser survives.
pub fn assert_pinned_to(statement: &Value, source_arns: &[&str], account: &str, what: &str) {
    let arns = condition_values(statement, "aws:SourceArn");
    let expected: BTreeSet<String> = source_arns.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        arns.len(),
        1,
        "{what}: aws:SourceArn under exactly one operator: {statement:#}"
    );
    let (operator, values) = arns.iter().next().expect("one operator");
    assert!(
        ["ArnEquals", "ArnLike", "StringEquals"].contains(&operator.as_str()),
        "{what}: aws:SourceArn under {operator}: {statement:#}"
    );
    assert_eq!(
        values, &expected,
        "{what}: pinned source ARNs: {statement:#}"
    );
    let accounts = condition_values(statement, "aws:SourceAccount");
    assert_eq!(
        accounts,
        BTreeMap::from([(
            "StringEquals".to_string(),
            BTreeSet::from([account.to_string()])
        )]),
        "{what}: aws:SourceAccount: {statement:#}"
    );
}

/// One used_by entry per `(statement_index, source_arn)` expected, with the
/// principal, the account and the source kind.
pub fn assert_used_by(r: &Value, expected: &[(u64, &str, &str, &str)], account: &str) {
    let got: BTreeSet<(u64, String, String, String, String)> = r["used_by"]
        .as_array()
        .expect("used_by array")
        .iter()
        .map(|u| {
            (
                u["statement_index"].as_u64().unwrap_or(u64::MAX),
                u["service_principal"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                u["source_arn"].as_str().unwrap_or_default().to_string(),
                u["source_account"].as_str().unwrap_or_default().to_string(),
                u["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(u64, String, String, String, String)> = expected
        .iter()
        .map(|(index, principal, arn, kind)| {
            (
                *index,
                principal.to_string(),
                arn.to_string(),
                account.to_string(),
                kind.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "used_by of {}:\n{r:#}", r["resource_arn"]);
}

/// A statement pinned to sources: the action, exactly one corrected statement,
/// pinned to exactly `source_arns` and the account.
pub fn assert_statement_pinned(r: &Value, index: u64, source_arns: &[&str], account: &str) {
    let fix = statement_fix(r, index);
    assert_eq!(fix["action"], "pinned-to-sources", "{fix:#}");
    assert_eq!(fix["unscanned_accounts"], serde_json::json!([]), "{fix:#}");
    let corrected = fix["corrected_statements"]
        .as_array()
        .expect("corrected_statements");
    assert_eq!(corrected.len(), 1, "one corrected statement: {fix:#}");
    let what = format!("{} statement {index}", r["resource_arn"]);
    assert_pinned_to(&corrected[0], source_arns, account, &what);
    // The corrected policy carries the same statement.
    let in_policy = r["corrected_policy"]["Statement"]
        .as_array()
        .expect("corrected_policy.Statement")
        .iter()
        .any(|s| s == &corrected[0]);
    assert!(
        in_policy,
        "{what}: corrected statement not in the corrected policy: {r:#}"
    );
}
