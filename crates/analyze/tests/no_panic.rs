//! Property tests: no input makes the analyzer panic, and every result keeps
//! the engine's invariants. A small deterministic generator (xorshift) stands in
//! for a property-testing crate so the workspace lock file does not change;
//! each property runs thousands of cases from fixed seeds, so failures
//! reproduce exactly.

// Test code: a failed unwrap is the test's failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use deputy_audit_analyze::{
    analyze, rule, AnalysisOptions, PolicyError, ResourcePolicy, ResourceType, Severity,
};
use serde_json::{Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Words that steer random documents into the parser's and rules' deep paths.
const ELEMENTS: &[&str] = &[
    "Version",
    "Statement",
    "statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    " ArnEquals",
    "Null",
    "NullIfExists",
    "StringEqualsIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
    "NumericEquals",
    "Bool",
    "IpAddress",
    "DateLessThan",
    "ForAllValues:ArnLikeIfExists",
    "",
    "arnequals",
];
const KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "AWS:SOURCEARN",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:ResourceAccount",
    "aws:SecureTransport",
    "aws:PrincipalIsAWSService",
    "kms:EncryptionContext:aws:logs:arn",
    "aws:SourceVpce",
    "aws:PrincipalArn",
];
const STRINGS: &[&str] = &[
    "*",
    "?",
    "Allow",
    "Deny",
    "allow",
    "111122223333",
    "444455556666",
    "1111*",
    "o-a1b2c3d4e5",
    "o-a1b2c3d4e5/r-ab12/*",
    "arn:aws:sns:us-east-1:111122223333:*",
    "arn:aws:sns:*:*:*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::*",
    "arn:",
    "arn:aws:iam::111122223333:root",
    "sns.amazonaws.com",
    "ec2.amazonaws.com",
    "logs.us-east-1.amazonaws.com",
    "credentials.iot.amazonaws.com",
    "sns.amazonaws.com.cn",
    ".amazonaws.com",
    "sqs:SendMessage",
    "sqs:*",
    "sts:AssumeRole",
    "true",
    "false",
    "",
    "\u{0}",
    "é::ü",
    "arn:aws:x:y:z",
];

fn random_string(rng: &mut Rng) -> String {
    if rng.chance(70) {
        return rng.pick(STRINGS).to_string();
    }
    let len = rng.below(12);
    (0..len)
        .map(|_| match rng.below(6) {
            0 => '*',
            1 => ':',
            2 => char::from_u32(rng.below(0x3000) as u32).unwrap_or('x'),
            _ => char::from(b'a' + rng.below(26) as u8),
        })
        .collect()
}

fn random_key(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => rng.pick(ELEMENTS).to_string(),
        1 => rng.pick(OPERATORS).to_string(),
        2 => rng.pick(KEYS).to_string(),
        _ => random_string(rng),
    }
}

/// Any JSON value, biased towards policy vocabulary.
fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = depth == 0 || rng.chance(35);
    match (leaf, rng.below(7)) {
        (true, 0) => Value::Null,
        (true, 1) => Value::Bool(rng.chance(50)),
        (true, 2) => Value::from(rng.next() as i64),
        (true, 3) => {
            serde_json::Number::from_f64(rng.next() as f64 / 7.0).map_or(Value::Null, Value::Number)
        }
        (true, _) => Value::String(random_string(rng)),
        (false, 0..=2) => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        (false, _) => {
            let mut m = Map::new();
            for _ in 0..rng.below(5) {
                m.insert(random_key(rng), random_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// A document that mostly follows the grammar, so the rules run on it.
fn random_policy(rng: &mut Rng) -> Value {
    let mut statements = Vec::new();
    for _ in 0..rng.below(4) + 1 {
        let mut s = Map::new();
        s.insert(
            "Effect".into(),
            Value::String(rng.pick(&["Allow", "Deny", "Allow", "allow"]).into()),
        );
        let principal = match rng.below(4) {
            0 => Value::String("*".into()),
            1 => serde_json::json!({ "Service": rng.pick(STRINGS) }),
            2 => {
                serde_json::json!({ "AWS": [rng.pick(STRINGS), "*"], "Service": [rng.pick(STRINGS), "sns.amazonaws.com"] })
            }
            _ => random_value(rng, 2),
        };
        s.insert(
            rng.pick(&["Principal", "Principal", "NotPrincipal"]).into(),
            principal,
        );
        s.insert(
            rng.pick(&["Action", "NotAction"]).into(),
            Value::String(rng.pick(STRINGS).into()),
        );
        if rng.chance(50) {
            s.insert("Resource".into(), Value::String(rng.pick(STRINGS).into()));
        }
        if rng.chance(85) {
            let mut cond = Map::new();
            for _ in 0..rng.below(3) + 1 {
                let mut keys = Map::new();
                for _ in 0..rng.below(3) + 1 {
                    let v = if rng.chance(80) {
                        if rng.chance(50) {
                            Value::String(rng.pick(STRINGS).into())
                        } else {
                            Value::Array(
                                (0..rng.below(3))
                                    .map(|_| Value::String(rng.pick(STRINGS).into()))
                                    .collect(),
                            )
                        }
                    } else {
                        random_value(rng, 2)
                    };
                    keys.insert(rng.pick(KEYS).into(), v);
                }
                cond.insert(rng.pick(OPERATORS).into(), Value::Object(keys));
            }
            s.insert("Condition".into(), Value::Object(cond));
        }
        if rng.chance(30) {
            s.insert(random_key(rng), random_value(rng, 2));
        }
        statements.push(Value::Object(s));
    }
    if statements.len() == 1 && rng.chance(50) {
        serde_json::json!({ "Version": "2012-10-17", "Statement": statements.pop() })
    } else {
        serde_json::json!({ "Version": "2012-10-17", "Statement": statements })
    }
}

/// Analyzes `text` under random options; returns the number of findings.
fn check(rng: &mut Rng, text: String) -> usize {
    let rt = ResourceType::ALL[rng.below(ResourceType::ALL.len())];
    let res = ResourcePolicy {
        arn: rng
            .pick(&[
                "arn:aws:sqs:us-east-1:111122223333:q",
                "",
                "arn:aws-cn:sns:cn-north-1:111122223333:t",
            ])
            .to_string(),
        resource_type: rt,
        account_id: rng
            .pick(&["111122223333", "", "not-an-account"])
            .to_string(),
        region: rng.pick(&["us-east-1", "", "cn-north-1"]).to_string(),
        policy: Some(text),
        aws_managed: rng.chance(10).then(|| "generated".to_string()),
    };
    let opts = AnalysisOptions {
        trusted_accounts: if rng.chance(30) {
            vec!["444455556666".into()]
        } else {
            vec![]
        },
        org_ids: if rng.chance(30) {
            vec!["o-a1b2c3d4e5".into()]
        } else {
            vec![]
        },
        strict: rng.chance(30),
        include_aws_managed: rng.chance(50),
        preview: rng.chance(50),
    };
    match analyze(&res, &opts) {
        Ok(findings) => {
            let mut seen = BTreeSet::new();
            let mut last = None;
            for f in &findings {
                let info = rule(f.rule.id).expect("finding names a registered rule");
                assert!(std::ptr::eq(info, f.rule), "the registry's own record");
                // A rule's severity is the highest it reports; what a foreign
                // caller could do may rank a finding lower, and an AWS-managed
                // resource's findings are info.
                assert!(f.severity <= info.severity, "{f:?}");
                assert!(res.aws_managed.is_none() || f.severity == Severity::Info);
                assert_eq!(f.resource_type, rt);
                assert_eq!(f.service, rt.service());
                assert!(
                    seen.insert((f.statement_index, f.rule.id.to_string())),
                    "duplicate finding"
                );
                let key = (f.statement_index, f.rule.id.to_string());
                assert!(
                    last.as_ref().is_none_or(|l| *l < key),
                    "findings not sorted"
                );
                last = Some(key);
                assert!(!f.message.is_empty() && !f.recommendation.is_empty());
                if let Some(c) = &f.suggested_condition {
                    assert!(c.is_object(), "suggested condition is a JSON object");
                }
            }
            findings.len()
        }
        Err(PolicyError::InvalidJson { line, column, .. }) => {
            assert!(line >= 1 && column <= res.policy.as_deref().map_or(0, str::len) + 1);
            0
        }
        Err(PolicyError::Malformed(msg)) => {
            assert!(!msg.is_empty());
            0
        }
        Err(PolicyError::TooLarge { bytes, limit }) => {
            assert!(bytes > limit && bytes == res.policy.as_deref().map_or(0, str::len));
            0
        }
    }
}

#[test]
fn arbitrary_json_values_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let v = random_value(&mut rng, 6);
        let _ = check(&mut rng, v.to_string());
    }
}

#[test]
fn policy_shaped_documents_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut rules_seen = BTreeSet::new();
    let mut with_findings = 0;
    for _ in 0..6000 {
        let v = random_policy(&mut rng);
        let text = v.to_string();
        if check(&mut rng, text.clone()) > 0 {
            with_findings += 1;
            // Record which rules the generator reaches (default options).
            let res = ResourcePolicy {
                arn: "arn:aws:iam::111122223333:role/r".into(),
                resource_type: ResourceType::IamRole,
                account_id: "111122223333".into(),
                region: "us-east-1".into(),
                policy: Some(text),
                aws_managed: None,
            };
            for f in analyze(&res, &AnalysisOptions::default()).unwrap_or_default() {
                rules_seen.insert(f.rule.id);
            }
        }
    }
    // The generator must reach the rules, or this property proves little.
    assert!(
        with_findings > 1000,
        "only {with_findings} documents produced findings"
    );
    assert!(
        rules_seen.len() >= 8,
        "generator reached only {rules_seen:?}"
    );
}

#[test]
fn arbitrary_strings_and_mutated_corpus_text_never_panic() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let base = r#"{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:*"}}}]}"#;
    for _ in 0..3000 {
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..rng.below(4) + 1 {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(
                    at,
                    rng.pick(&["{", "}", "[", "]", "\"", ",", ":", "*", "\\", "\u{fffd}"])
                        .chars()
                        .next()
                        .unwrap_or('x'),
                ),
                _ => {
                    let s = random_string(&mut rng);
                    for (i, c) in s.chars().enumerate() {
                        chars.insert((at + i).min(chars.len()), c);
                    }
                }
            }
        }
        let _ = check(&mut rng, chars.into_iter().collect());
        let junk: String = (0..rng.below(40))
            .map(|_| char::from_u32(rng.below(0x11000) as u32).unwrap_or('?'))
            .collect();
        let _ = check(&mut rng, junk);
    }
}

#[test]
fn deep_nesting_is_an_error() {
    let mut rng = Rng(7);
    for text in [
        "[".repeat(50_000),
        "{\"a\":".repeat(50_000),
        format!("{{\"Statement\":{}{}", "[".repeat(200), "]".repeat(200)),
    ] {
        assert_eq!(check(&mut rng, text), 0);
    }
}
