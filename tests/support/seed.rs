//! Seeds LocalStack (or any AWS-compatible endpoint) with every policy example of the
//! confused-deputy seed documents and of the further resource policies (Lambda, Secrets
//! Manager, EventBridge, CloudWatch Logs), in a protected form (as published) and a
//! stripped form (every `Condition` removed), and returns a manifest of what it created
//! and which findings each resource should produce.
//!
//! Seeding writes to an account, so it lives only in tests and examples, never in
//! `src/`. Included with `#[path = "support/seed.rs"] mod seed;` from `tests/` and
//! `#[path = "../tests/support/seed.rs"] mod seed;` from `examples/`.

// Each including crate uses a different subset of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_types::error::display::DisplayErrorContext;
use serde::Deserialize;
use serde_json::Value;

/// The catalogue of seed examples (templates plus expected findings).
pub const CATALOGUE_JSON: &str = include_str!("../fixtures/seed-examples.json");

/// The second catalogue: service-principal grants in Lambda, Secrets Manager,
/// EventBridge and CloudWatch Logs resource policies, same template format.
pub const MORE_SERVICES_JSON: &str = include_str!("../fixtures/more-services.json");

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

/// Static credentials whose access key id is the account id: LocalStack maps a 12-digit
/// key id to that account.
pub fn sdk_config(endpoint: &str, account: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            account, "test", None, None, "seed",
        )))
        .endpoint_url(endpoint)
        .build()
}

fn s3_client(conf: &SdkConfig) -> aws_sdk_s3::Client {
    // LocalStack needs path-style addressing (no wildcard DNS for bucket subdomains).
    let s3_conf = aws_sdk_s3::config::Builder::from(conf)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(s3_conf)
}

pub fn sdk_err<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow!("{}", DisplayErrorContext(e))
}

fn decode_iam_document(raw: &str) -> Result<Value> {
    // IAM returns policy documents URL-encoded.
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .context("trust policy is not UTF-8 after URL decoding")?;
    serde_json::from_str(&decoded).context("trust policy read back is not JSON")
}

/// Checks that the endpoint stored the document as written: a normalised copy (e.g. a
/// `Statement` object turned into a list) would make the scan test something else.
fn check_read_back(what: &str, sent: &Value, stored: &Value) -> Result<()> {
    if sent != stored {
        bail!(
            "{what}: the endpoint stored a different policy\n  sent:   {sent}\n  stored: {stored}"
        );
    }
    Ok(())
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

    let mut resources = Vec::with_capacity(plan.len() + 8);
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
    resources.push(SeededResource {
        arn: exec_role_arn.clone(),
        resource_type: "iam-role".to_string(),
        region: IAM_REPORT_REGION.to_string(),
        form: Form::Protected,
        example: "lambda-execution-role".to_string(),
        name: exec_role.name.clone(),
        expected: exec_role.expected.clone(),
    });

    for p in &plan {
        let example = &examples[p.example_index];
        let conf = sdk_config(endpoint, account, &p.region);
        let what = format!("{} ({} {}, {})", p.name, p.resource_type, p.form, p.region);
        let doc_for = |arn: Option<&str>| {
            example.document(
                p.form,
                &Vars {
                    account,
                    region: &p.template_region,
                    resource_arn: arn,
                },
            )
        };
        let arn = match p.resource_type.as_str() {
            "iam-role" => {
                let doc = doc_for(None)?;
                let description = format!("{} ({})", example.name, p.form);
                create_role(&iam, "/", &p.name, &doc, &description)
                    .await
                    .with_context(|| what.clone())?
            }
            "lambda-function" => {
                let lambda = aws_sdk_lambda::Client::new(&conf);
                let target = example
                    .lambda_target
                    .ok_or_else(|| anyhow!("{what}: no lambda_target"))?;
                let seeded = seed_lambda(&lambda, &p.name, &exec_role_arn, target, |arn| {
                    doc_for(Some(arn))
                })
                .await
                .with_context(|| what.clone())?;
                // The function and version that only lead to the policy-carrying
                // qualifier are resources too (counted, no findings).
                for extra in seeded.without_policy {
                    resources.push(SeededResource {
                        arn: extra,
                        resource_type: p.resource_type.clone(),
                        region: p.region.clone(),
                        form: p.form,
                        example: p.example.clone(),
                        name: p.name.clone(),
                        expected: Vec::new(),
                    });
                }
                seeded.policy_arn
            }
            other => {
                let description = format!("deputy-audit seed: {} ({})", example.name, p.form);
                create_with_policy(
                    &conf,
                    account,
                    other,
                    &p.name,
                    &p.region,
                    &description,
                    &doc_for,
                )
                .await
                .with_context(|| what.clone())?
            }
        };
        resources.push(SeededResource {
            arn,
            resource_type: p.resource_type.clone(),
            region: p.region.clone(),
            form: p.form,
            example: p.example.clone(),
            name: p.name.clone(),
            expected: example.expected(p.form).to_vec(),
        });
    }

    let last_region = regions.last().expect("plan() checked regions is not empty");
    let bad =
        create_invalid_policy_queue(endpoint, account, last_region, INVALID_POLICY_QUEUE).await?;

    Ok(Manifest {
        endpoint: endpoint.to_string(),
        account_id: account.to_string(),
        regions: regions.to_vec(),
        resources,
        invalid_policy_queues: vec![bad],
    })
}

/// Creates a queue, topic, bucket, key (aliased `alias/<name>`), secret, event bus or
/// account-level Logs policy named `name` in the region of `conf`, gives it the policy
/// `doc_for` renders for its ARN (`None` where the policy goes in before the ARN is
/// known: KMS keys, Logs policies), checks that the endpoint stored the policy as sent,
/// and returns the ARN the scanner reports. `description` labels keys and secrets.
pub async fn create_with_policy(
    conf: &SdkConfig,
    account: &str,
    resource_type: &str,
    name: &str,
    region: &str,
    description: &str,
    doc_for: impl Fn(Option<&str>) -> Result<Value>,
) -> Result<String> {
    let what = format!("{name} ({resource_type}, {region})");
    let arn = match resource_type {
        "sqs-queue" => {
            let sqs = aws_sdk_sqs::Client::new(conf);
            let url = create_queue(&sqs, name)
                .await
                .with_context(|| what.clone())?;
            let arn = queue_arn(&sqs, &url).await.with_context(|| what.clone())?;
            let doc = doc_for(Some(&arn))?;
            sqs.set_queue_attributes()
                .queue_url(&url)
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::Policy,
                    doc.to_string(),
                )
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("SetQueueAttributes {what}"))?;
            let stored = queue_policy(&sqs, &url)
                .await
                .with_context(|| what.clone())?;
            let stored: Value = serde_json::from_str(&stored)
                .with_context(|| format!("{what}: stored queue policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "sns-topic" => {
            let sns = aws_sdk_sns::Client::new(conf);
            let out = sns
                .create_topic()
                .name(name)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateTopic {what}"))?;
            let arn = out
                .topic_arn()
                .ok_or_else(|| anyhow!("CreateTopic {what}: no ARN"))?
                .to_string();
            let doc = doc_for(Some(&arn))?;
            sns.set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("Policy")
                .attribute_value(doc.to_string())
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("SetTopicAttributes {what}"))?;
            let attrs = sns
                .get_topic_attributes()
                .topic_arn(&arn)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("GetTopicAttributes {what}"))?;
            let stored = attrs
                .attributes()
                .and_then(|a| a.get("Policy"))
                .ok_or_else(|| anyhow!("GetTopicAttributes {what}: no Policy"))?;
            let stored: Value = serde_json::from_str(stored)
                .with_context(|| format!("{what}: stored topic policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "s3-bucket" => {
            let s3 = s3_client(conf);
            let mut req = s3.create_bucket().bucket(name);
            // us-east-1 is the one region that must not be named as a constraint.
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                            region,
                        ))
                        .build(),
                );
            }
            req.send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateBucket {what}"))?;
            let arn = format!("arn:{PARTITION}:s3:::{}", name);
            let doc = doc_for(Some(&arn))?;
            s3.put_bucket_policy()
                .bucket(name)
                .policy(doc.to_string())
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("PutBucketPolicy {what}"))?;
            let stored = s3
                .get_bucket_policy()
                .bucket(name)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("GetBucketPolicy {what}"))?;
            let stored: Value = serde_json::from_str(stored.policy().unwrap_or_default())
                .with_context(|| format!("{what}: stored bucket policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "kms-key" => {
            let kms = aws_sdk_kms::Client::new(conf);
            // Key policies use `Resource: "*"`; the key's ARN is not known before
            // CreateKey, which takes the policy.
            let doc = doc_for(None)?;
            let out = kms
                .create_key()
                .description(description)
                .policy(doc.to_string())
                // Many seeded key policies grant only a service principal, which would
                // lock the account out of the key in real AWS; this says that is intended.
                .bypass_policy_lockout_safety_check(true)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateKey {what}"))?;
            let meta = out
                .key_metadata()
                .ok_or_else(|| anyhow!("CreateKey {what}: no key metadata"))?;
            let key_id = meta.key_id().to_string();
            let arn = meta
                .arn()
                .ok_or_else(|| anyhow!("CreateKey {what}: no ARN"))?
                .to_string();
            kms.create_alias()
                .alias_name(format!("alias/{}", name))
                .target_key_id(&key_id)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateAlias {what}"))?;
            let stored = kms
                .get_key_policy()
                .key_id(&key_id)
                .policy_name("default")
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("GetKeyPolicy {what}"))?;
            let stored: Value = serde_json::from_str(stored.policy().unwrap_or_default())
                .with_context(|| format!("{what}: stored key policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "secretsmanager-secret" => {
            let sm = aws_sdk_secretsmanager::Client::new(conf);
            let out = sm
                .create_secret()
                .name(name)
                .description(description)
                .secret_string("not a real secret")
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateSecret {what}"))?;
            let arn = out
                .arn()
                .ok_or_else(|| anyhow!("CreateSecret {what}: no ARN"))?
                .to_string();
            let doc = doc_for(Some(&arn))?;
            sm.put_resource_policy()
                .secret_id(&arn)
                .resource_policy(doc.to_string())
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("PutResourcePolicy {what}"))?;
            let stored = sm
                .get_resource_policy()
                .secret_id(&arn)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("GetResourcePolicy {what}"))?;
            let stored: Value = serde_json::from_str(stored.resource_policy().unwrap_or_default())
                .with_context(|| format!("{what}: stored secret policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "event-bus" => {
            let events = aws_sdk_eventbridge::Client::new(conf);
            let out = events
                .create_event_bus()
                .name(name)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("CreateEventBus {what}"))?;
            let arn = out
                .event_bus_arn()
                .ok_or_else(|| anyhow!("CreateEventBus {what}: no ARN"))?
                .to_string();
            let doc = doc_for(Some(&arn))?;
            // PutPermission with `Policy` replaces the bus policy with the whole
            // document (the other parameters add one statement at a time).
            events
                .put_permission()
                .event_bus_name(name)
                .policy(doc.to_string())
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("PutPermission {what}"))?;
            let stored = events
                .describe_event_bus()
                .name(name)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("DescribeEventBus {what}"))?;
            let stored: Value = serde_json::from_str(stored.policy().unwrap_or_default())
                .with_context(|| format!("{what}: stored bus policy is not JSON"))?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        "logs-resource-policy" => {
            let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
            // Account-level: the document names log groups, never the policy itself.
            let doc = doc_for(None)?;
            logs.put_resource_policy()
                .policy_name(name)
                .policy_document(doc.to_string())
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("PutResourcePolicy {what}"))?;
            let (arn, stored) = logs_policy(&logs, account, region, name)
                .await
                .with_context(|| what.clone())?;
            check_read_back(&what, &doc, &stored)?;
            arn
        }
        other => bail!("{what}: unsupported resource type {other}"),
    };
    Ok(arn)
}

/// Creates a queue whose `Policy` attribute is [`INVALID_POLICY`] (SQS does not validate
/// it) and checks that it was stored verbatim.
pub async fn create_invalid_policy_queue(
    endpoint: &str,
    account: &str,
    region: &str,
    name: &str,
) -> Result<InvalidPolicyQueue> {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(endpoint, account, region));
    let what = format!("{name} (sqs-queue with invalid JSON policy, {region})");
    let url = create_queue(&sqs, name)
        .await
        .with_context(|| what.clone())?;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            INVALID_POLICY,
        )
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("SetQueueAttributes {what}"))?;
    let stored = queue_policy(&sqs, &url)
        .await
        .with_context(|| what.clone())?;
    if stored != INVALID_POLICY {
        bail!("{what}: policy stored as {stored:?}, sent {INVALID_POLICY:?}");
    }
    let arn = queue_arn(&sqs, &url).await.with_context(|| what.clone())?;
    Ok(InvalidPolicyQueue {
        arn,
        region: region.to_string(),
        name: name.to_string(),
    })
}

/// Creates a role under `path` with `trust` as its trust policy, checks that IAM stored
/// it as sent, and returns its ARN.
pub async fn create_role(
    iam: &aws_sdk_iam::Client,
    path: &str,
    name: &str,
    trust: &Value,
    description: &str,
) -> Result<String> {
    let out = iam
        .create_role()
        .path(path)
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .description(format!("deputy-audit seed: {description}"))
        .send()
        .await
        .map_err(sdk_err)
        .context("CreateRole")?;
    let arn = out
        .role()
        .ok_or_else(|| anyhow!("CreateRole: no role"))?
        .arn()
        .to_string();
    let stored = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(sdk_err)
        .context("GetRole")?;
    let raw = stored
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .ok_or_else(|| anyhow!("GetRole: no trust policy"))?;
    check_read_back(name, trust, &decode_iam_document(raw)?)?;
    Ok(arn)
}

/// What [`seed_lambda`] created.
pub struct SeededLambda {
    /// The function, version or alias whose policy holds the example.
    pub policy_arn: String,
    /// The function (and version) created on the way, with no policy.
    pub without_policy: Vec<String>,
}

/// Creates a function (never invoked, so its code is a one-file placeholder), publishes
/// a version and adds an alias when `target` needs them, and writes the example as
/// AddPermission calls on the target: Lambda has no call that takes a whole policy.
/// `doc_for` renders the example for the target's ARN.
pub async fn seed_lambda(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    role_arn: &str,
    target: LambdaTarget,
    doc_for: impl Fn(&str) -> Result<Value>,
) -> Result<SeededLambda> {
    let out = lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role_arn)
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(stored_zip(
                    "index.py",
                    b"def handler(event, context):\n    return None\n",
                )))
                .build(),
        )
        .send()
        .await
        .map_err(sdk_err)
        .context("CreateFunction")?;
    let function_arn = out
        .function_arn()
        .ok_or_else(|| anyhow!("CreateFunction: no ARN"))?
        .to_string();
    let mut without_policy = Vec::new();
    let qualifier = match target {
        LambdaTarget::Function => None,
        LambdaTarget::Version | LambdaTarget::Alias => {
            without_policy.push(function_arn.clone());
            let version = lambda
                .publish_version()
                .function_name(name)
                .send()
                .await
                .map_err(sdk_err)
                .context("PublishVersion")?;
            if version.version() != Some(LAMBDA_VERSION) {
                bail!(
                    "PublishVersion returned version {:?}, expected {LAMBDA_VERSION} on a new function",
                    version.version()
                );
            }
            if target == LambdaTarget::Version {
                Some(LAMBDA_VERSION)
            } else {
                without_policy.push(format!("{function_arn}:{LAMBDA_VERSION}"));
                lambda
                    .create_alias()
                    .function_name(name)
                    .name(LAMBDA_ALIAS)
                    .function_version(LAMBDA_VERSION)
                    .send()
                    .await
                    .map_err(sdk_err)
                    .context("CreateAlias")?;
                Some(LAMBDA_ALIAS)
            }
        }
    };
    let policy_arn = match qualifier {
        Some(q) => format!("{function_arn}:{q}"),
        None => function_arn.clone(),
    };
    let doc = doc_for(&policy_arn)?;
    let statements = doc["Statement"].as_array().ok_or_else(|| {
        anyhow!("a Lambda example's Statement must be a list (as GetPolicy returns it)")
    })?;
    for (i, statement) in statements.iter().enumerate() {
        let permission = LambdaPermission::from_statement(statement, &policy_arn)
            .with_context(|| format!("statement {i} cannot be written with AddPermission"))?;
        lambda
            .add_permission()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_string))
            .statement_id(permission.sid)
            .action(permission.action)
            .principal(permission.principal)
            .set_source_arn(permission.source_arn)
            .set_source_account(permission.source_account)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("AddPermission (statement {i})"))?;
    }
    let stored = lambda
        .get_policy()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
        .map_err(sdk_err)
        .context("GetPolicy")?;
    let stored: Value = serde_json::from_str(stored.policy().unwrap_or_default())
        .context("stored function policy is not JSON")?;
    check_read_back(&policy_arn, &doc, &stored)?;
    Ok(SeededLambda {
        policy_arn,
        without_policy,
    })
}

/// One AddPermission call, read off a statement in the form GetPolicy returns.
pub struct LambdaPermission {
    pub sid: String,
    pub action: String,
    pub principal: String,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
}

impl LambdaPermission {
    /// Refuses anything AddPermission could not have written (another condition key
    /// or operator, a Deny, a resource other than the target), so the read-back check
    /// compares like with like.
    pub fn from_statement(statement: &Value, policy_arn: &str) -> Result<Self> {
        let text = |field: &str| -> Result<String> {
            statement[field]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("{field} must be a string in {statement}"))
        };
        if statement["Effect"] != "Allow" {
            bail!("Effect must be Allow in {statement}");
        }
        if statement["Resource"] != policy_arn {
            bail!("Resource must be {policy_arn} in {statement}");
        }
        let principal = statement["Principal"]["Service"]
            .as_str()
            .ok_or_else(|| anyhow!("Principal must be one Service in {statement}"))?
            .to_string();
        let mut source_arn = None;
        let mut source_account = None;
        if let Some(condition) = statement.get("Condition") {
            let condition = condition
                .as_object()
                .ok_or_else(|| anyhow!("Condition must be an object in {statement}"))?;
            for (operator, block) in condition {
                let block = block
                    .as_object()
                    .ok_or_else(|| anyhow!("{operator} must be an object in {statement}"))?;
                for (key, value) in block {
                    let value = value
                        .as_str()
                        .ok_or_else(|| anyhow!("{operator} {key} must be a string"))?
                        .to_string();
                    match (operator.as_str(), key.as_str()) {
                        ("ArnLike", "AWS:SourceArn") => source_arn = Some(value),
                        ("StringEquals", "AWS:SourceAccount") => source_account = Some(value),
                        _ => bail!("AddPermission cannot write {operator} {key}"),
                    }
                }
            }
        }
        Ok(LambdaPermission {
            sid: text("Sid")?,
            action: text("Action")?,
            principal,
            source_arn,
            source_account,
        })
    }
}

/// A zip archive holding one file, stored (not compressed): all CreateFunction needs
/// for a function that is never invoked, without a zip dependency.
pub fn stored_zip(file_name: &str, data: &[u8]) -> Vec<u8> {
    let crc = crc32(data);
    let name = file_name.as_bytes();
    let size = u32::try_from(data.len()).expect("placeholder code is small");
    let name_len = u16::try_from(name.len()).expect("short file name");
    // DOS date 1980-01-01 (day 1, month 1), time 00:00.
    let (dos_time, dos_date) = (0u16, (1u16 << 5) | 1);
    let mut zip = Vec::new();
    let u16le = |zip: &mut Vec<u8>, v: u16| zip.extend_from_slice(&v.to_le_bytes());
    let u32le = |zip: &mut Vec<u8>, v: u32| zip.extend_from_slice(&v.to_le_bytes());

    // Local file header, then the data.
    u32le(&mut zip, 0x0403_4b50);
    u16le(&mut zip, 10); // version needed: 1.0, stored
    u16le(&mut zip, 0); // flags
    u16le(&mut zip, 0); // method: stored
    u16le(&mut zip, dos_time);
    u16le(&mut zip, dos_date);
    u32le(&mut zip, crc);
    u32le(&mut zip, size); // compressed size
    u32le(&mut zip, size); // uncompressed size
    u16le(&mut zip, name_len);
    u16le(&mut zip, 0); // extra field length
    zip.extend_from_slice(name);
    zip.extend_from_slice(data);

    // Central directory: one entry pointing at the local header (offset 0).
    let central_offset = u32::try_from(zip.len()).expect("small archive");
    u32le(&mut zip, 0x0201_4b50);
    u16le(&mut zip, (3 << 8) | 20); // made by: Unix, 2.0
    u16le(&mut zip, 10);
    u16le(&mut zip, 0);
    u16le(&mut zip, 0);
    u16le(&mut zip, dos_time);
    u16le(&mut zip, dos_date);
    u32le(&mut zip, crc);
    u32le(&mut zip, size);
    u32le(&mut zip, size);
    u16le(&mut zip, name_len);
    u16le(&mut zip, 0); // extra
    u16le(&mut zip, 0); // comment
    u16le(&mut zip, 0); // disk number
    u16le(&mut zip, 0); // internal attributes
    u32le(&mut zip, 0o100_644 << 16); // external attributes: a regular file, rw-r--r--
    u32le(&mut zip, 0); // local header offset
    zip.extend_from_slice(name);
    let central_size = u32::try_from(zip.len()).expect("small archive") - central_offset;

    // End of central directory.
    u32le(&mut zip, 0x0605_4b50);
    u16le(&mut zip, 0); // this disk
    u16le(&mut zip, 0); // disk with the central directory
    u16le(&mut zip, 1); // entries on this disk
    u16le(&mut zip, 1); // entries in total
    u32le(&mut zip, central_size);
    u32le(&mut zip, central_offset);
    u16le(&mut zip, 0); // comment length
    zip
}

/// CRC-32 (IEEE 802.3, reflected, as zip uses it), bit by bit: the input is tiny.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Reads back the account-level Logs resource policy `name` and names it as the
/// scanner does: its `resourceArn` when the endpoint returns one, otherwise
/// `arn:<partition>:logs:<region>:<account>:resource-policy/<name>`.
async fn logs_policy(
    logs: &aws_sdk_cloudwatchlogs::Client,
    account: &str,
    region: &str,
    name: &str,
) -> Result<(String, Value)> {
    let mut token = None;
    loop {
        let page = logs
            .describe_resource_policies()
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .context("DescribeResourcePolicies")?;
        if let Some(policy) = page
            .resource_policies()
            .iter()
            .find(|p| p.policy_name() == Some(name))
        {
            let arn = policy.resource_arn().map_or_else(
                || format!("arn:{PARTITION}:logs:{region}:{account}:resource-policy/{name}"),
                str::to_string,
            );
            let stored: Value = serde_json::from_str(policy.policy_document().unwrap_or_default())
                .context("stored Logs resource policy is not JSON")?;
            return Ok((arn, stored));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            bail!("DescribeResourcePolicies does not list {name}");
        }
    }
}

pub async fn ensure_user(iam: &aws_sdk_iam::Client, name: &str) -> Result<()> {
    match iam.create_user().user_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_err(e)).with_context(|| format!("CreateUser {name}")),
    }
}

async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> Result<String> {
    let out = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(sdk_err)
        .context("CreateQueue")?;
    out.queue_url()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("CreateQueue returned no URL"))
}

async fn queue_attribute(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    name: aws_sdk_sqs::types::QueueAttributeName,
) -> Result<String> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .map_err(sdk_err)
        .context("GetQueueAttributes")?;
    out.attributes()
        .and_then(|a| a.get(&name))
        .cloned()
        .ok_or_else(|| anyhow!("GetQueueAttributes returned no {}", name.as_str()))
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String> {
    queue_attribute(sqs, url, aws_sdk_sqs::types::QueueAttributeName::QueueArn).await
}

async fn queue_policy(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String> {
    queue_attribute(sqs, url, aws_sdk_sqs::types::QueueAttributeName::Policy).await
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
