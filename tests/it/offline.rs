//! Offline checks of what the LocalStack suites rely on: the seed catalogues and the
//! realistic fixture are consistent with their sources and with the engine, the seeder's
//! layout and placeholder code are well formed, and the harness fails (never skips)
//! without LocalStack. No AWS, no LocalStack.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::support::harness::*;
use crate::support::realistic::{self, Expected, ExpectedFinding};
use crate::support::seed;

/// Nothing listens on port 9 (discard): the scan cannot start, and must say so in a
/// message, with a contract exit code, not a panic.
#[test]
fn dead_endpoint_fails_cleanly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let account = fresh_account_ids(1).remove(0);
    let run = run_scan(
        &account,
        &["us-east-1".to_string()],
        "http://127.0.0.1:9",
        &["--format", "json"],
        tmp.path(),
    );
    assert!(
        matches!(run.code, Some(2) | Some(3)),
        "expected exit 2 (nothing scanned) or 3 (incomplete)\n{}",
        run.describe()
    );
    assert!(
        !run.stderr.trim().is_empty(),
        "stderr should explain the failure\n{}",
        run.describe()
    );
    assert!(
        !run.stderr.contains("panicked"),
        "deputy-audit panicked\n{}",
        run.describe()
    );
}

/// The LocalStack guard fails loudly; there is no skip path to fall into.
#[test]
#[should_panic(expected = "LocalStack is not reachable at http://127.0.0.1:9 ")]
fn missing_localstack_fails_instead_of_skipping() {
    require_localstack("http://127.0.0.1:9");
}

/// The catalogue itself, without LocalStack: every seed example is there, placeholders
/// are gone, each document pins the account and region it is rendered for, the
/// deliberate quirks survive, and the expectations follow from the documents.
#[test]
fn catalogue_matches_the_seed_documents() {
    let catalogue = seed::catalogue();
    let names: BTreeSet<&str> = catalogue.examples.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        catalogue.examples.len(),
        13,
        "one entry per distinct seed example"
    );
    assert_eq!(names.len(), 13, "example names are unique");
    let types: BTreeSet<&str> = catalogue
        .examples
        .iter()
        .map(|e| e.resource_type.as_str())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["iam-role", "kms-key", "s3-bucket", "sns-topic", "sqs-queue"]),
        "all five resource types"
    );

    // Values that appear nowhere in the templates, so any survivor is a leftover.
    let (account, region) = ("444455556666", "eu-west-3");
    let arn = "arn:aws:sqs:eu-west-3:444455556666:sample";
    let leftovers = [
        "your ",
        "Account ID",
        "123456789012",
        "111122223333",
        "us-east-1",
        "region name",
        "User ARN",
        "amzn-s3-demo",
        "\n",
        "{{",
    ];
    for example in &catalogue.examples {
        let vars = seed::Vars {
            account,
            region,
            resource_arn: Some(arn),
        };
        let protected = example
            .document(seed::Form::Protected, &vars)
            .expect("render");
        let stripped = example
            .document(seed::Form::Stripped, &vars)
            .expect("render");
        let text = protected.to_string();
        // Sids are prose kept verbatim from the seed ("... to your queue"), not
        // placeholders, so they are left out of the leftover check.
        let mut without_sids = protected.clone();
        match &mut without_sids["Statement"] {
            Value::Array(items) => items.iter_mut().for_each(|s| {
                s.as_object_mut().map(|o| o.remove("Sid"));
            }),
            Value::Object(o) => {
                o.remove("Sid");
            }
            _ => {}
        }
        let checked = without_sids.to_string();
        for bad in leftovers {
            assert!(
                !checked.contains(bad),
                "{}: {bad:?} left in {checked}",
                example.name
            );
        }

        let statements = |doc: &Value| -> Vec<Value> {
            match &doc["Statement"] {
                Value::Array(items) => items.clone(),
                Value::Object(_) => vec![doc["Statement"].clone()],
                other => panic!("{}: Statement is {other}", example.name),
            }
        };
        // A Statement object stays an object in both forms.
        assert_eq!(
            protected["Statement"].is_object(),
            stripped["Statement"].is_object(),
            "{}: stripping changed the Statement shape",
            example.name
        );
        let mut grants_service = Vec::new();
        for (i, s) in statements(&protected).iter().enumerate() {
            if s["Effect"] == "Allow" && !s["Principal"]["Service"].is_null() {
                grants_service.push(i);
                let cond = s["Condition"]
                    .as_object()
                    .expect("protected statement has a Condition");
                // Pinned to its own account: aws:SourceAccount under StringEquals, and
                // every aws:SourceArn naming this account and region (or a wildcard).
                let source_account = cond
                    .get("StringEquals")
                    .and_then(|c| c.get("aws:SourceAccount"));
                assert_eq!(
                    source_account.and_then(Value::as_str),
                    Some(account),
                    "{} statement {i}: StringEquals aws:SourceAccount",
                    example.name
                );
                for (op, block) in cond {
                    if let Some(source_arn) = block.get("aws:SourceArn").and_then(Value::as_str) {
                        assert!(
                            source_arn.contains(&format!(":{region}:{account}:")),
                            "{} statement {i}: {op} aws:SourceArn {source_arn} does not pin {region}/{account}",
                            example.name
                        );
                    }
                }
            }
        }
        for s in statements(&stripped) {
            assert!(
                s.get("Condition").is_none(),
                "{}: stripped form keeps a Condition",
                example.name
            );
        }
        let want_stripped: Vec<seed::ExpectedFinding> = grants_service
            .iter()
            .map(|&i| seed::ExpectedFinding {
                rule_id: "CD001".into(),
                statement_index: i,
            })
            .collect();
        assert_eq!(
            example.expected_stripped, want_stripped,
            "{}: expected_stripped",
            example.name
        );

        // Only the broken-operator example expects anything when protected.
        let broken_operator = text.contains("\" ArnEquals\"");
        let want_protected: Vec<seed::ExpectedFinding> = if broken_operator {
            vec![seed::ExpectedFinding {
                rule_id: "CD008".into(),
                statement_index: 0,
            }]
        } else {
            Vec::new()
        };
        assert_eq!(
            example.expected_protected, want_protected,
            "{}: expected_protected",
            example.name
        );
    }
    assert_eq!(
        catalogue
            .examples
            .iter()
            .filter(|e| e.policy.to_string().contains("\" ArnEquals\""))
            .count(),
        1,
        "the ' ArnEquals' quirk is kept, in exactly one example"
    );
    for name in [
        "connect-profile-kms-domain",
        "connect-profile-kms-object-types",
        "connect-profile-s3-bucket",
        "connect-voiceid-trust",
        "qldb-stream-trust",
    ] {
        let example = catalogue
            .examples
            .iter()
            .find(|e| e.name == name)
            .expect(name);
        assert!(
            example.policy["Statement"].is_object(),
            "{name}: Statement must stay a single object"
        );
    }

    // The layout: every regional type in every region, names unique.
    let regions = ["us-east-1".to_string(), "eu-west-1".to_string()];
    let plan = seed::plan("444455556666", &regions).expect("plan");
    // 13 seed examples and 8 more, each protected and stripped.
    assert_eq!(plan.len(), 42, "planned resources");
    let unique: BTreeSet<(&str, &str, &str)> = plan
        .iter()
        .map(|p| (p.resource_type.as_str(), p.region.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        unique.len(),
        plan.len(),
        "resource names unique per type and region"
    );
    for t in [
        "kms-key",
        "s3-bucket",
        "sns-topic",
        "sqs-queue",
        "lambda-function",
        "secretsmanager-secret",
        "event-bus",
        "logs-resource-policy",
    ] {
        let seen: BTreeSet<&str> = plan
            .iter()
            .filter(|p| p.resource_type == t)
            .map(|p| p.region.as_str())
            .collect();
        assert_eq!(
            seen.len(),
            2,
            "{t} should be spread over both regions, got {seen:?}"
        );
    }
}

/// Condition keys are case-insensitive (Lambda writes `AWS:SourceArn`): the value of
/// `key` under any operator of `condition`, as strings (a value may be a list).
fn condition_values(condition: &Value, key: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (op, block) in condition.as_object().into_iter().flatten() {
        for (k, v) in block.as_object().into_iter().flatten() {
            if k.eq_ignore_ascii_case(key) {
                let values = match v {
                    Value::Array(items) => items.clone(),
                    one => vec![one.clone()],
                };
                for value in values {
                    found.push((op.clone(), value.as_str().unwrap_or_default().to_string()));
                }
            }
        }
    }
    found
}

/// The second catalogue, without LocalStack: the four services and the callers the
/// issue names are there; every protected service statement pins this account; the
/// stripped form expects CD001 exactly at the service statements; Lambda examples are
/// writable with AddPermission; and the analysis engine itself agrees with every
/// expectation (so a disagreement shows up here, with the document, before any scan).
#[test]
fn more_services_catalogue_is_consistent_with_the_engine() {
    let more = seed::more_services();
    let seed_names: BTreeSet<String> = seed::catalogue()
        .examples
        .into_iter()
        .map(|e| e.name)
        .collect();
    let mut names = BTreeSet::new();
    for e in &more.examples {
        assert!(
            names.insert(e.name.as_str()) && !seed_names.contains(&e.name),
            "example name {} is not unique across both catalogues",
            e.name
        );
    }
    let types: BTreeSet<&str> = more
        .examples
        .iter()
        .map(|e| e.resource_type.as_str())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "event-bus",
            "lambda-function",
            "logs-resource-policy",
            "secretsmanager-secret"
        ]),
        "the four resource types of the second catalogue"
    );
    let targets: Vec<seed::LambdaTarget> = more
        .examples
        .iter()
        .filter_map(|e| e.lambda_target)
        .collect();
    for t in [
        seed::LambdaTarget::Function,
        seed::LambdaTarget::Version,
        seed::LambdaTarget::Alias,
    ] {
        assert!(
            targets.contains(&t),
            "a Lambda example on a {t:?} policy is missing (targets: {targets:?})"
        );
    }

    let (account, region) = ("444455556666", "eu-west-3");
    let mut principals: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let options = deputy_audit_analyze::AnalysisOptions::default();
    for example in &more.examples {
        let arn = format!(
            "arn:aws:{}:{region}:{account}:example",
            example.resource_type
        );
        let vars = seed::Vars {
            account,
            region,
            resource_arn: Some(&arn),
        };
        let statements = |doc: &Value| -> Vec<Value> {
            doc["Statement"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: Statement should be a list", example.name))
                .clone()
        };
        let mut service_statements = Vec::new();
        for form in seed::Form::ALL {
            let doc = example.document(form, &vars).expect("render");
            let text = doc.to_string();
            for bad in ["{{", "111122223333", "123456789012", "us-east-1"] {
                assert!(
                    !text.contains(bad),
                    "{} ({form}): {bad:?} left in {text}",
                    example.name
                );
            }
            for (i, s) in statements(&doc).iter().enumerate() {
                let service = &s["Principal"]["Service"];
                if service.is_null() {
                    continue;
                }
                if form == seed::Form::Protected {
                    service_statements.push(i);
                    for name in match service {
                        Value::Array(items) => items.clone(),
                        one => vec![one.clone()],
                    } {
                        principals
                            .entry(example.resource_type.as_str())
                            .or_default()
                            .insert(name.as_str().unwrap_or_default().to_string());
                    }
                    let cond = &s["Condition"];
                    assert!(
                        cond.is_object(),
                        "{} statement {i}: a protected service statement needs a Condition",
                        example.name
                    );
                    // Pinned to this account: aws:SourceAccount is this account, or
                    // aws:SourceArn names it (S3 and Route 53 ARNs have no account field,
                    // so those need aws:SourceAccount).
                    let accounts = condition_values(cond, "aws:SourceAccount");
                    let arns = condition_values(cond, "aws:SourceArn");
                    assert!(
                        accounts.iter().all(|(_, a)| a == account),
                        "{} statement {i}: aws:SourceAccount {accounts:?} is not {account}",
                        example.name
                    );
                    for (op, source_arn) in &arns {
                        let owner = source_arn.split(':').nth(4).unwrap_or_default();
                        assert!(
                            owner.is_empty() || owner == account,
                            "{} statement {i}: {op} aws:SourceArn {source_arn} names account {owner}",
                            example.name
                        );
                    }
                    let pins_account = !accounts.is_empty()
                        || arns
                            .iter()
                            .any(|(_, a)| a.split(':').nth(4) == Some(account));
                    assert!(
                        pins_account,
                        "{} statement {i}: neither aws:SourceAccount nor an aws:SourceArn with the account in {cond}",
                        example.name
                    );
                } else {
                    assert!(
                        s.get("Condition").is_none(),
                        "{} statement {i}: stripped form keeps a Condition",
                        example.name
                    );
                }
            }

            // The analysis engine on the rendered document, as the scanner would feed it.
            let resource = deputy_audit_analyze::ResourcePolicy {
                arn: arn.clone(),
                resource_type: example
                    .resource_type
                    .parse()
                    .unwrap_or_else(|e| panic!("{}: {e}", example.name)),
                account_id: account.to_string(),
                region: region.to_string(),
                policy: Some(text.clone()),
                aws_managed: None,
            };
            let found: Vec<seed::ExpectedFinding> =
                deputy_audit_analyze::analyze(&resource, &options)
                    .unwrap_or_else(|e| panic!("{} ({form}): {e}", example.name))
                    .into_iter()
                    .map(|f| seed::ExpectedFinding {
                        rule_id: f.rule.id.to_string(),
                        statement_index: f.statement_index,
                    })
                    .collect();
            assert_eq!(
                found,
                example.expected(form),
                "{} ({form}): engine findings (left) vs catalogue expectation (right) for {text}",
                example.name
            );
        }
        // Written from the semantics, independently of the engine: nothing when
        // protected, CD001 at each service statement when stripped.
        assert!(
            example.expected_protected.is_empty(),
            "{}: expected_protected should be empty, is {:?}",
            example.name,
            example.expected_protected
        );
        let want: Vec<seed::ExpectedFinding> = service_statements
            .iter()
            .map(|&i| seed::ExpectedFinding {
                rule_id: "CD001".into(),
                statement_index: i,
            })
            .collect();
        assert_eq!(
            example.expected_stripped, want,
            "{}: expected_stripped (left) vs CD001 at each service statement (right)",
            example.name
        );

        // Lambda has no call taking a whole policy: each statement must be one
        // AddPermission call, in both forms.
        if example.resource_type == "lambda-function" {
            for form in seed::Form::ALL {
                let doc = example.document(form, &vars).expect("render");
                for (i, s) in statements(&doc).iter().enumerate() {
                    if let Err(e) = seed::LambdaPermission::from_statement(s, &arn) {
                        panic!("{} ({form}) statement {i}: {e:#}", example.name);
                    }
                }
            }
        }
    }
    let want_callers: [(&str, &[&str]); 2] = [
        (
            "lambda-function",
            &[
                "s3.amazonaws.com",
                "sns.amazonaws.com",
                "events.amazonaws.com",
                "apigateway.amazonaws.com",
            ],
        ),
        (
            "logs-resource-policy",
            &[
                "delivery.logs.amazonaws.com",
                "route53.amazonaws.com",
                "es.amazonaws.com",
            ],
        ),
    ];
    for (t, callers) in want_callers {
        let got = principals.get(t).cloned().unwrap_or_default();
        for caller in callers {
            assert!(
                got.contains(*caller),
                "{t}: no example grants {caller} (granted: {got:?})"
            );
        }
    }

    // The Lambda execution role: lambda.amazonaws.com without a Condition is a
    // passed-role service, CD100 low (defence in depth), and the engine says so.
    let role = &more.lambda_execution_role;
    let role_doc = role.policy.to_string();
    let found: Vec<(String, usize, String)> = deputy_audit_analyze::analyze(
        &deputy_audit_analyze::ResourcePolicy {
            arn: format!("arn:aws:iam::{account}:role/{}", role.name),
            resource_type: deputy_audit_analyze::ResourceType::IamRole,
            account_id: account.to_string(),
            region: "global".to_string(),
            policy: Some(role_doc.clone()),
            aws_managed: None,
        },
        &options,
    )
    .expect("role trust policy parses")
    .into_iter()
    .map(|f| {
        (
            f.rule.id.to_string(),
            f.statement_index,
            f.severity.to_string(),
        )
    })
    .collect();
    assert_eq!(
        found,
        vec![("CD100".to_string(), 0, "low".to_string())],
        "execution role {role_doc}: engine findings (left) vs CD100 low at 0 (right)"
    );
    assert_eq!(
        role.expected,
        vec![seed::ExpectedFinding {
            rule_id: "CD100".into(),
            statement_index: 0
        }],
        "lambda_execution_role.expected"
    );
}

/// The placeholder code archive Lambda's CreateFunction takes: a well-formed zip with
/// one stored entry, its three records where the format puts them, and a CRC that a
/// zip reader accepts.
#[test]
fn placeholder_zip_is_well_formed() {
    let data = seed::PLACEHOLDER_CODE;
    let zip = seed::placeholder_zip();
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(u32_at(0), 0x0403_4b50, "local file header signature");
    assert_eq!(&zip[30..38], b"index.py", "file name");
    assert_eq!(&zip[38..38 + data.len()], data, "stored data");
    let central = 38 + data.len();
    assert_eq!(u32_at(central), 0x0201_4b50, "central directory signature");
    let end = zip.len() - 22;
    assert_eq!(
        u32_at(end),
        0x0605_4b50,
        "end of central directory signature"
    );
    assert_eq!(
        u32_at(end + 16) as usize,
        central,
        "central directory offset"
    );
    assert_eq!(
        u32_at(end + 12) as usize,
        end - central,
        "central directory size"
    );

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).expect("a zip archive");
    assert_eq!(archive.len(), 1, "one entry");
    let mut entry = archive.by_index(0).expect("entry 0");
    assert_eq!(entry.name().expect("a UTF-8 name"), seed::PLACEHOLDER_FILE);
    assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
    assert_eq!(u32_at(14), entry.crc32(), "CRC in the local header");
    let mut read = Vec::new();
    // Reading to the end checks the CRC.
    std::io::Read::read_to_end(&mut entry, &mut read).expect("CRC matches the data");
    assert_eq!(read, data, "data read back");
}

const SEVERITIES: [&str; 4] = ["info", "low", "medium", "high"];

fn at_or_above_medium(f: &ExpectedFinding) -> bool {
    f.severity == "medium" || f.severity == "high"
}

/// Offline: the fixture is well formed and its truth table keeps the promises of issue 9
/// (no AWS-managed resource and no protected grant at medium or above, every exposure at
/// medium or above), so the two scans above test what they claim to.
#[test]
fn fixture_is_consistent() {
    let fx = realistic::fixture();
    let mut problems = String::new();
    let mut seen: Vec<&realistic::Resource> = Vec::new();
    for r in &fx.resources {
        let mut bad = |msg: String| {
            let _ = writeln!(problems, "  {}: {msg}", r.id);
        };
        if seen.iter().any(|s| s.id == r.id) {
            bad("duplicate id".into());
        }
        if !realistic::KINDS.contains(&r.kind.as_str()) {
            bad(format!("unknown kind {}", r.kind));
        }
        if r.source.trim().is_empty() {
            bad("no source".into());
        }
        if r.path.is_some() != (r.kind == "iam-role") {
            bad("path is required for iam-role and only there".into());
        }
        if r.role.is_some() != (r.kind == "lambda-function") {
            bad("role is required for lambda-function and only there".into());
        }
        if let Some(role) = &r.role {
            match seen.iter().find(|s| &s.id == role) {
                Some(s) if s.kind == "iam-role" && (!s.exposure || r.exposure) => {}
                _ => bad(format!(
                    "role {role} must be an earlier iam-role present whenever this is"
                )),
            }
        }
        if r.kind == "kms-key" && r.policy.to_string().contains("{{RESOURCE_ARN}}") {
            bad("a key policy goes in with CreateKey, before the ARN exists".into());
        }
        // References: to earlier resources, and never from a clean resource to an
        // exposure (the account without exposures would lack it).
        let text = format!("{} {}", r.name, r.policy);
        for part in text.split("{{").skip(1) {
            let var = part.split("}}").next().unwrap_or_default();
            let Some((_, id)) = var.split_once(':') else {
                continue;
            };
            match seen.iter().find(|s| s.id == id) {
                None => bad(format!("{{{{{var}}}}} refers to no earlier resource")),
                Some(s) if s.exposure && !r.exposure => bad(format!(
                    "{{{{{var}}}}} refers to an exposure, absent from the clean account"
                )),
                Some(_) => {}
            }
        }
        match &r.expected {
            Expected::Label(l) => {
                if l != realistic::AWS_MANAGED {
                    bad(format!(
                        "expected must be a list or \"aws-managed\", not {l:?}"
                    ));
                }
                if r.exposure {
                    bad("an AWS-managed resource cannot be the owner's exposure".into());
                }
            }
            Expected::Findings(findings) => {
                for f in findings {
                    if !SEVERITIES.contains(&f.severity.as_str()) {
                        bad(format!("unknown severity {}", f.severity));
                    }
                    if !f.rule_id.starts_with("CD") {
                        bad(format!("unknown rule {}", f.rule_id));
                    }
                }
                let gating = findings.iter().any(at_or_above_medium);
                if r.exposure && !gating {
                    bad("an exposure must have a finding at medium or above".into());
                }
                if !r.exposure && gating {
                    bad("a resource that is not an exposure must not gate".into());
                }
            }
        }
        seen.push(r);
    }
    let first = fx.resources.first().expect("resources");
    if first.kind != "iam-role" || first.name.contains("{{") || first.exposure {
        let _ = writeln!(
            problems,
            "  the first resource marks a started seed (realistic_state): it must be an \
             iam-role with a literal name, present in both variants"
        );
    }
    let exposures = fx.resources.iter().filter(|r| r.exposure).count();
    // Seven planted exposures, plus the console defaults of four services whose
    // AWS pages name the confused-deputy risk for their roles (each beside its
    // documented, pinned form): exposures, but a minority of what the account holds.
    if !(5..=12).contains(&exposures) || exposures * 3 > fx.resources.len() {
        let _ = writeln!(
            problems,
            "  {exposures} exposures of {} resources; the demo holds a minority (5-12)",
            fx.resources.len()
        );
    }
    assert!(
        problems.is_empty(),
        "tests/fixtures/realistic-account.json:\n{problems}"
    );
}

/// The top-level modules of `src/` form no cycle (issue 11): each names the
/// others only through `crate::module` paths or `use crate::{...}` groups, read
/// here outside `#[cfg(test)]` code, and the graph must be acyclic so that a
/// change in one layer never loops back through another.
#[test]
fn src_modules_have_no_dependency_cycle() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("utf-8")
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let deps = graph.entry(top.clone()).or_default();
            let ident = |s: &str| -> String {
                s.chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect()
            };
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or_default();
                    deps.extend(group.split(',').map(|m| ident(m.trim())));
                } else {
                    deps.insert(ident(rest));
                }
            }
            deps.retain(|d| !d.is_empty() && *d != top);
        }
    }
    // Depth-first search for a back edge among the modules `src/` declares.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if !graph.contains_key(next) {
                continue;
            }
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, path) {
                        return Some(cycle);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            let cycle = visit(node, &graph, &mut state, &mut Vec::new());
            assert!(cycle.is_none(), "module cycle in src/: {:?}", cycle);
        }
    }
    assert!(graph.len() > 15, "read {} modules", graph.len());
}
