//! `docs/rules.md` is generated from the rule registry and must not drift.
//! Regenerate with `UPDATE_RULES_DOC=1 cargo test -p deputy-audit-analyze --test rules_doc`.

use deputy_audit_analyze::{analyze, rules, AnalysisOptions, ResourcePolicy, ResourceType};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");

#[test]
fn rules_md_matches_the_registry() {
    let want = deputy_audit_analyze::rules::render_markdown();
    if std::env::var_os("UPDATE_RULES_DOC").is_some() {
        std::fs::write(DOC, &want).expect("writing docs/rules.md");
        return;
    }
    let have = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date with the rule registry; run UPDATE_RULES_DOC=1 cargo test -p deputy-audit-analyze --test rules_doc"
    );
}

#[test]
fn every_rule_is_documented_completely() {
    let doc = deputy_audit_analyze::rules::render_markdown();
    let mut ids = Vec::new();
    for r in rules() {
        assert!(r.id.starts_with("CD") && r.id.len() == 5, "{}", r.id);
        assert!(
            !r.name.is_empty() && r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.name
        );
        for (what, text) in [
            ("summary", r.summary),
            ("rationale", r.rationale),
            ("fix", r.fix),
        ] {
            assert!(text.len() > 20, "{} {what} is too short", r.id);
        }
        assert!(
            doc.contains(&format!("\n## {}\n", r.id)),
            "{} has no section",
            r.id
        );
        ids.push(r.id);
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "rules are listed in id order, without duplicates"
    );
}

/// The catalogue, verbatim: ids, names and severities.
#[test]
fn catalogue_ids_names_and_severities() {
    let got: Vec<(&str, &str, &str)> = rules()
        .iter()
        .map(|r| (r.id, r.name, r.severity.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("CD001", "missing-source-condition", "high"),
            ("CD002", "unpinned-source-condition", "high"),
            ("CD003", "source-arn-without-account", "medium"),
            ("CD004", "foreign-source-account", "medium"),
            ("CD005", "weak-condition-operator", "medium"),
            ("CD006", "conflicting-source-conditions", "low"),
            ("CD007", "literal-wildcard", "low"),
            ("CD008", "invalid-condition", "medium"),
            ("CD009", "public-principal", "high"),
            ("CD010", "allow-not-principal", "high"),
            ("CD100", "passed-role-service", "low"),
            ("CD200", "broken-rcp-guardrail", "high"),
        ]
    );
}

/// Each rule's vulnerable example produces that rule, and its fixed example does not.
#[test]
fn examples_demonstrate_their_rule() {
    for r in rules() {
        // Trust-policy examples (sts:AssumeRole) are analyzed as roles.
        let rt = if r.vulnerable_example.contains("sts:AssumeRole") {
            ResourceType::IamRole
        } else if r.id == "CD200" {
            // Organization resource control policies.
            ResourceType::ResourceControlPolicy
        } else {
            ResourceType::SqsQueue
        };
        let run = |text: &str| {
            let res = ResourcePolicy {
                arn: "arn:aws:sqs:us-east-1:111122223333:orders".to_string(),
                resource_type: rt,
                account_id: "111122223333".to_string(),
                region: "us-east-1".to_string(),
                policy: Some(text.to_string()),
                aws_managed: None,
            };
            analyze(&res, &AnalysisOptions::default())
                .unwrap_or_else(|e| panic!("{} example does not parse: {e}", r.id))
                .into_iter()
                .map(|f| f.rule.id)
                .collect::<Vec<_>>()
        };
        let vulnerable = run(r.vulnerable_example);
        assert!(
            vulnerable.contains(&r.id),
            "{} vulnerable example gives {vulnerable:?}",
            r.id
        );
        let fixed = run(r.fixed_example);
        assert!(
            fixed.is_empty(),
            "{} fixed example still gives {fixed:?}",
            r.id
        );
    }
}

/// `explain`, SARIF and docs/rules.md render a rule from the one record, with
/// the same section titles, and link to the section that exists.
#[test]
fn every_rendering_carries_the_same_sections() {
    let doc = deputy_audit_analyze::rules::render_markdown();
    for r in rules() {
        let (before, after) = r.example_labels();
        let text = r.render_text();
        let markdown = r.render_markdown(2);
        for title in ["Why it matters", before, after, "Fix"] {
            assert!(
                text.contains(&format!("\n{title}\n")),
                "{} text: {title}",
                r.id
            );
            assert!(
                markdown.contains(&format!("\n## {title}\n")),
                "{} markdown: {title}",
                r.id
            );
        }
        assert!(text.starts_with(&format!("{} {} ", r.id, r.name)));
        assert!(text.contains(&r.status.to_string()));
        assert!(r.render_plain().contains(r.fix));
        let anchor = r
            .help_url()
            .rsplit_once('#')
            .expect("an anchor")
            .1
            .to_string();
        assert!(doc.contains(&format!("[{}](#{anchor})", r.id)), "{}", r.id);
        assert!(r.help_url().contains("/docs/rules.md#"));
    }
}
