//! Seeds LocalStack (or any AWS-compatible endpoint) with every policy example of the
//! confused-deputy seed documents and of the further resource policies (Lambda, Secrets
//! Manager, EventBridge, CloudWatch Logs), in a protected form (as published) and a
//! stripped form (every `Condition` removed), and returns a manifest of what it created
//! and which findings each resource should produce.
//!
//! The catalogues are data (`tests/fixtures/*.json`); this module plans where each
//! example goes and what the scan should find there, and `aws.rs` creates each kind of
//! resource. A new example is a catalogue entry, not code.
//!
//! Seeding writes to an account, so it lives only in tests and examples, never in
//! `src/`. A module of the integration-test binary (`tests/it/support/seed/`), and
//! included with `#[path = "../tests/it/support/seed/mod.rs"] mod seed;` from `examples/`.

// Each including crate uses a different subset of this module.
#![allow(dead_code)]

mod aws;
pub mod fix_wiring;
pub mod wiring;
pub mod wiring_sources;
pub use aws::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

/// The catalogue of seed examples (templates plus expected findings).
pub const CATALOGUE_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seed-examples.json"
));

/// The second catalogue: service-principal grants in Lambda, Secrets Manager,
/// EventBridge and CloudWatch Logs resource policies, same template format.
pub const MORE_SERVICES_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/more-services.json"
));

/// Every Lambda example publishes one version (`1`) and the alias example points
/// this alias at it.
pub const LAMBDA_VERSION: &str = "1";
pub const LAMBDA_ALIAS: &str = "live";

/// IAM is global: the API is called through `us-east-1`...
pub const IAM_API_REGION: &str = "us-east-1";

/// ...and reports name the region of IAM roles `global` (README, report columns; the
/// scanner's IAM collector agrees).
pub const IAM_REPORT_REGION: &str = "global";

/// LocalStack only serves the commercial partition.
pub const PARTITION: &str = "aws";

/// A queue policy that is not valid JSON (truncated after the `Statement` bracket).
pub const INVALID_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": ["#;

/// Name of the queue carrying [`INVALID_POLICY`]. It is created last, so its existence
/// also marks a completed seed.
pub const INVALID_POLICY_QUEUE: &str = "da-invalid-json-policy";

/// The IAM user named as the `AWS` principal in the Rekognition examples (the seed's
/// `arn:User ARN` placeholder), created so the trust policies name a real principal.
pub const VIDEO_ANALYST_USER: &str = "video-analyst";

const NAME_PREFIX: &str = "da";

#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    pub description: String,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    pub name: String,
    pub source: String,
    pub resource_type: String,
    /// Lambda examples only: which of the function's policies carries the document.
    #[serde(default)]
    pub lambda_target: Option<LambdaTarget>,
    pub policy: Value,
    pub expected_protected: Vec<ExpectedFinding>,
    pub expected_stripped: Vec<ExpectedFinding>,
}

/// Where a Lambda example's permissions go: Lambda keeps one policy for the function
/// (shared by `$LATEST`), one per published version and one per alias, and the scanner
/// reads each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LambdaTarget {
    Function,
    /// Version [`LAMBDA_VERSION`]; the unqualified function is left without a policy.
    Version,
    /// Alias [`LAMBDA_ALIAS`] on version [`LAMBDA_VERSION`]; function and version are
    /// left without a policy.
    Alias,
}

/// The second catalogue (`tests/fixtures/more-services.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct MoreServices {
    pub description: String,
    pub lambda_execution_role: SupportRole,
    pub examples: Vec<Example>,
}

/// A role the seeder needs for other resources (Lambda's execution role), scanned
/// like every role, so it carries its own expected findings.
#[derive(Debug, Clone, Deserialize)]
pub struct SupportRole {
    pub name: String,
    pub source: String,
    pub policy: Value,
    pub expected: Vec<ExpectedFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct ExpectedFinding {
    pub rule_id: String,
    pub statement_index: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Form {
    /// The example as published, `Condition` included.
    Protected,
    /// The same document with every statement's `Condition` removed.
    Stripped,
}

impl Form {
    pub const ALL: [Form; 2] = [Form::Protected, Form::Stripped];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::Protected => "protected",
            Form::Stripped => "stripped",
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Values substituted for the catalogue's template variables.
#[derive(Debug, Clone)]
pub struct Vars<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// `None` for resources created with their policy in the same call whose ARN is not
    /// known yet (KMS keys); the template must then not use `{{RESOURCE_ARN}}`.
    pub resource_arn: Option<&'a str>,
}

/// Parses the catalogue. The fixture is part of the test suite, so a broken one panics.
pub fn catalogue() -> Catalogue {
    serde_json::from_str(CATALOGUE_JSON)
        .unwrap_or_else(|e| panic!("tests/fixtures/seed-examples.json is invalid: {e}"))
}

/// Parses the second catalogue; a broken one panics, as for [`catalogue`].
pub fn more_services() -> MoreServices {
    serde_json::from_str(MORE_SERVICES_JSON)
        .unwrap_or_else(|e| panic!("tests/fixtures/more-services.json is invalid: {e}"))
}

/// The examples of both catalogues, seed documents first; `Planned::example_index`
/// indexes this list.
pub fn all_examples() -> Vec<Example> {
    let mut examples = catalogue().examples;
    examples.extend(more_services().examples);
    examples
}

impl Example {
    pub fn expected(&self, form: Form) -> &[ExpectedFinding] {
        match form {
            Form::Protected => &self.expected_protected,
            Form::Stripped => &self.expected_stripped,
        }
    }

    /// The policy document for `form`, with template variables replaced.
    pub fn document(&self, form: Form, vars: &Vars<'_>) -> Result<Value> {
        let mut doc = self.policy.clone();
        render(&mut doc, vars).with_context(|| format!("rendering example {}", self.name))?;
        if form == Form::Stripped {
            strip_conditions(&mut doc);
        }
        Ok(doc)
    }
}

/// Replaces `{{VAR}}` in every string value (keys are left alone: none is templated and
/// the `" ArnEquals"` key must survive byte for byte).
pub fn render(value: &mut Value, vars: &Vars<'_>) -> Result<()> {
    match value {
        Value::String(s) => {
            let mut out = s
                .replace("{{ACCOUNT}}", vars.account)
                .replace("{{REGION}}", vars.region)
                .replace("{{PARTITION}}", PARTITION);
            if out.contains("{{RESOURCE_ARN}}") {
                let arn = vars.resource_arn.ok_or_else(|| {
                    anyhow!("template uses {{{{RESOURCE_ARN}}}} but no ARN is known yet")
                })?;
                out = out.replace("{{RESOURCE_ARN}}", arn);
            }
            if out.contains("{{") {
                bail!("unknown template variable left in {out:?}");
            }
            *s = out;
        }
        Value::Array(items) => {
            for item in items {
                render(item, vars)?;
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                render(item, vars)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Removes `Condition` from every statement, whether `Statement` is a list or, as in
/// several seed examples, a single object (which stays an object).
pub fn strip_conditions(doc: &mut Value) {
    match doc.get_mut("Statement") {
        Some(Value::Array(statements)) => {
            for statement in statements {
                if let Some(obj) = statement.as_object_mut() {
                    obj.remove("Condition");
                }
            }
        }
        Some(Value::Object(statement)) => {
            statement.remove("Condition");
        }
        _ => {}
    }
}

/// One resource the seeder plans to create.
#[derive(Debug, Clone)]
pub struct Planned {
    pub example_index: usize,
    pub example: String,
    pub resource_type: String,
    pub form: Form,
    /// The name (queue, topic, bucket, role, function, secret, bus, Logs policy) or, for
    /// KMS keys, the alias without `alias/`.
    pub name: String,
    /// Where the resource lives and is reported (`IAM_REPORT_REGION` for roles).
    pub region: String,
    /// The region substituted for `{{REGION}}` (for roles: the region of the calling
    /// service the trust policy names).
    pub template_region: String,
}

/// What was created.
#[derive(Debug, Clone)]
pub struct SeededResource {
    pub arn: String,
    pub resource_type: String,
    pub region: String,
    pub form: Form,
    pub example: String,
    pub name: String,
    pub expected: Vec<ExpectedFinding>,
}

/// A queue whose policy is not valid JSON: expected in the report's `errors`, not in
/// its findings.
#[derive(Debug, Clone)]
pub struct InvalidPolicyQueue {
    pub arn: String,
    pub region: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub endpoint: String,
    pub account_id: String,
    pub regions: Vec<String>,
    pub resources: Vec<SeededResource>,
    pub invalid_policy_queues: Vec<InvalidPolicyQueue>,
}

impl Manifest {
    /// `(resource_arn, rule_id, statement_index)` for every expected finding.
    pub fn expected_findings(&self) -> BTreeSet<(String, String, usize)> {
        self.resources
            .iter()
            .flat_map(|r| {
                r.expected
                    .iter()
                    .map(|f| (r.arn.clone(), f.rule_id.clone(), f.statement_index))
            })
            .collect()
    }

    /// Resources per type, counting the invalid-policy queues as `sqs-queue` (the report
    /// counts every listed resource, including those that ended in `errors`).
    pub fn resource_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.resources {
            *counts.entry(r.resource_type.clone()).or_insert(0) += 1;
        }
        if !self.invalid_policy_queues.is_empty() {
            *counts.entry("sqs-queue".to_string()).or_insert(0) += self.invalid_policy_queues.len();
        }
        counts
    }

    pub fn by_arn(&self, arn: &str) -> Option<&SeededResource> {
        self.resources.iter().find(|r| r.arn == arn)
    }

    /// One line: counts per type and expected findings.
    pub fn summary(&self) -> String {
        let counts: Vec<String> = self
            .resource_counts()
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect();
        format!(
            "account {} at {}: {} resources ({}) in {}; {} findings expected, {} unreadable policy",
            self.account_id,
            self.endpoint,
            self.resources.len() + self.invalid_policy_queues.len(),
            counts.join(", "),
            self.regions.join(", "),
            self.expected_findings().len(),
            self.invalid_policy_queues.len(),
        )
    }
}

/// Lays out every example of both catalogues in both forms. Regional resources
/// alternate over `regions` (protected and stripped of one example land in different
/// regions when there are two), so every regional type appears in every region of a
/// two-region run.
pub fn plan(account: &str, regions: &[String]) -> Result<Vec<Planned>> {
    if regions.is_empty() {
        bail!("at least one region is needed");
    }
    let examples = all_examples();
    let mut planned = Vec::new();
    let mut slot = 0usize;
    for (example_index, example) in examples.iter().enumerate() {
        for form in Form::ALL {
            let template_region = regions[slot % regions.len()].clone();
            slot += 1;
            let base = format!("{NAME_PREFIX}-{}-{}", example.name, form);
            let (name, region) = match example.resource_type.as_str() {
                "iam-role" => (base, IAM_REPORT_REGION.to_string()),
                // Bucket names are global across accounts: include the account id.
                "s3-bucket" => (
                    format!("{NAME_PREFIX}-{account}-{}-{}", example.name, form),
                    template_region.clone(),
                ),
                "sqs-queue"
                | "sns-topic"
                | "kms-key"
                | "lambda-function"
                | "secretsmanager-secret"
                | "event-bus"
                | "logs-resource-policy" => (base, template_region.clone()),
                other => bail!(
                    "example {}: unsupported resource type {other}",
                    example.name
                ),
            };
            if (example.resource_type == "lambda-function") != example.lambda_target.is_some() {
                bail!(
                    "example {}: lambda_target is required for Lambda examples and only there",
                    example.name
                );
            }
            let limit = match example.resource_type.as_str() {
                "iam-role" | "lambda-function" => 64,
                "s3-bucket" => 63,
                _ => 80,
            };
            if name.len() > limit {
                bail!("name {name} is longer than {limit} characters");
            }
            planned.push(Planned {
                example_index,
                example: example.name.clone(),
                resource_type: example.resource_type.clone(),
                form,
                name,
                region,
                template_region,
            });
        }
    }
    Ok(planned)
}

/// Creates every catalogue example in both forms in `account`, spread over `regions`,
/// plus one queue whose policy is not valid JSON (in the last region, created last).
pub async fn seed_account(endpoint: &str, account: &str, regions: &[String]) -> Result<Manifest> {
    let plan = plan(account, regions)?;
    let examples = all_examples();

    let iam = aws_sdk_iam::Client::new(&sdk_config(endpoint, account, IAM_API_REGION));
    // The first write: `seed_state` takes this user without the marker queue as an
    // interrupted seed.
    ensure_user(&iam, VIDEO_ANALYST_USER).await?;

    // Lambda's CreateFunction needs an execution role; it is a scanned role like any
    // other, with its own expected finding.
    let exec_role = more_services().lambda_execution_role;
    let exec_role_arn = create_role(
        &iam,
        "/",
        &exec_role.name,
        &exec_role.policy,
        "Lambda execution role",
    )
    .await
    .with_context(|| format!("{} (Lambda execution role)", exec_role.name))?;
    let mut resources = vec![SeededResource {
        arn: exec_role_arn.clone(),
        resource_type: "iam-role".to_string(),
        region: IAM_REPORT_REGION.to_string(),
        form: Form::Protected,
        example: "lambda-execution-role".to_string(),
        name: exec_role.name.clone(),
        expected: exec_role.expected.clone(),
    }];

    for p in &plan {
        let example = &examples[p.example_index];
        let description = match p.resource_type.as_str() {
            "iam-role" => format!("{} ({})", example.name, p.form),
            _ => format!("deputy-audit seed: {} ({})", example.name, p.form),
        };
        let spec = Spec {
            kind: &p.resource_type,
            name: &p.name,
            region: &p.region,
            description: &description,
            path: "/",
            lambda: example.lambda_target.map(|t| (exec_role_arn.as_str(), t)),
        };
        let doc_for = |arn: Option<&str>| {
            let vars = Vars {
                account,
                region: &p.template_region,
                resource_arn: arn,
            };
            example.document(p.form, &vars)
        };
        let created = create(endpoint, account, &spec, doc_for)
            .await
            .with_context(|| {
                format!("{} ({} {}, {})", p.name, p.resource_type, p.form, p.region)
            })?;
        let resource = |arn: String, expected: &[ExpectedFinding]| SeededResource {
            arn,
            resource_type: p.resource_type.clone(),
            region: p.region.clone(),
            form: p.form,
            example: p.example.clone(),
            name: p.name.clone(),
            expected: expected.to_vec(),
        };
        // The function and version that only lead to the policy-carrying qualifier are
        // resources too (counted, no findings).
        for extra in created.without_policy {
            resources.push(resource(extra, &[]));
        }
        resources.push(resource(created.arn, example.expected(p.form)));
    }

    let last_region = regions.last().expect("plan() checked regions is not empty");
    let arn =
        create_invalid_policy_queue(endpoint, account, last_region, INVALID_POLICY_QUEUE).await?;
    Ok(Manifest {
        endpoint: endpoint.to_string(),
        account_id: account.to_string(),
        regions: regions.to_vec(),
        resources,
        invalid_policy_queues: vec![InvalidPolicyQueue {
            arn,
            region: last_region.clone(),
            name: INVALID_POLICY_QUEUE.to_string(),
        }],
    })
}

/// Whether an account already holds the seeded resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedState {
    /// Nothing seeded (not even the IAM user, the first thing created).
    Absent,
    /// The marker queue, created last, exists.
    Complete,
    /// The marker queue exists but the Lambda execution role does not: a complete seed
    /// by a version of this seeder from before the Lambda, Secrets Manager, EventBridge
    /// and CloudWatch Logs fixtures, which a scan would not find.
    Outdated,
    /// Some resources exist but the marker does not: an interrupted seed.
    Partial,
}

pub async fn seed_state(endpoint: &str, account: &str, regions: &[String]) -> Result<SeedState> {
    let last_region = regions
        .last()
        .ok_or_else(|| anyhow!("at least one region is needed"))?;
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(endpoint, account, last_region));
    match sqs
        .get_queue_url()
        .queue_name(INVALID_POLICY_QUEUE)
        .send()
        .await
    {
        Ok(_) => {
            // Every seed this version writes has the execution role, created second.
            let iam = aws_sdk_iam::Client::new(&sdk_config(endpoint, account, IAM_API_REGION));
            let role = more_services().lambda_execution_role.name;
            return match iam.get_role().role_name(&role).send().await {
                Ok(_) => Ok(SeedState::Complete),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_no_such_entity_exception()) =>
                {
                    Ok(SeedState::Outdated)
                }
                Err(e) => Err(sdk_err(e)).context("GetRole (seed version check)"),
            };
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) => {}
        Err(e) => return Err(sdk_err(e)).context("GetQueueUrl (seed marker)"),
    }
    // The IAM user is the seeder's first write: present without the marker means an
    // interrupted seed.
    let iam = aws_sdk_iam::Client::new(&sdk_config(endpoint, account, IAM_API_REGION));
    match iam.get_user().user_name(VIDEO_ANALYST_USER).send().await {
        Ok(_) => Ok(SeedState::Partial),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(SeedState::Absent)
        }
        Err(e) => Err(sdk_err(e)).context("GetUser (seed check)"),
    }
}
