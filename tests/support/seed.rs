//! Seeds LocalStack (or any AWS-compatible endpoint) with every policy example of the
//! confused-deputy seed documents, in a protected form (as published) and a stripped
//! form (every `Condition` removed), and returns a manifest of what it created and which
//! findings each resource should produce.
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
    pub policy: Value,
    pub expected_protected: Vec<ExpectedFinding>,
    pub expected_stripped: Vec<ExpectedFinding>,
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
    /// The name (queue, topic, bucket, role) or, for KMS keys, the alias without `alias/`.
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

/// Lays out every catalogue example in both forms. Regional resources alternate over
/// `regions` (protected and stripped of one example land in different regions when
/// there are two), so every regional type appears in every region of a two-region run.
pub fn plan(account: &str, regions: &[String]) -> Result<Vec<Planned>> {
    if regions.is_empty() {
        bail!("at least one region is needed");
    }
    let catalogue = catalogue();
    let mut planned = Vec::new();
    let mut slot = 0usize;
    for (example_index, example) in catalogue.examples.iter().enumerate() {
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
                "sqs-queue" | "sns-topic" | "kms-key" => (base, template_region.clone()),
                other => bail!(
                    "example {}: unsupported resource type {other}",
                    example.name
                ),
            };
            let limit = match example.resource_type.as_str() {
                "iam-role" => 64,
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

fn sdk_err<E: std::error::Error>(e: E) -> anyhow::Error {
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
    let catalogue = catalogue();

    let iam = aws_sdk_iam::Client::new(&sdk_config(endpoint, account, IAM_API_REGION));
    ensure_user(&iam, VIDEO_ANALYST_USER).await?;

    let mut resources = Vec::with_capacity(plan.len());
    for p in &plan {
        let example = &catalogue.examples[p.example_index];
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
                let out = iam
                    .create_role()
                    .role_name(&p.name)
                    .assume_role_policy_document(doc.to_string())
                    .description(format!("deputy-audit seed: {} ({})", example.name, p.form))
                    .send()
                    .await
                    .map_err(sdk_err)
                    .with_context(|| format!("CreateRole {what}"))?;
                let role = out
                    .role()
                    .ok_or_else(|| anyhow!("CreateRole {what}: no role"))?;
                let stored = iam
                    .get_role()
                    .role_name(&p.name)
                    .send()
                    .await
                    .map_err(sdk_err)
                    .with_context(|| format!("GetRole {what}"))?;
                let raw = stored
                    .role()
                    .and_then(|r| r.assume_role_policy_document())
                    .ok_or_else(|| anyhow!("GetRole {what}: no trust policy"))?;
                check_read_back(&what, &doc, &decode_iam_document(raw)?)?;
                role.arn().to_string()
            }
            "sqs-queue" => {
                let sqs = aws_sdk_sqs::Client::new(&conf);
                let url = create_queue(&sqs, &p.name)
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
                let sns = aws_sdk_sns::Client::new(&conf);
                let out = sns
                    .create_topic()
                    .name(&p.name)
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
                let s3 = s3_client(&conf);
                let mut req = s3.create_bucket().bucket(&p.name);
                // us-east-1 is the one region that must not be named as a constraint.
                if p.region != "us-east-1" {
                    req = req.create_bucket_configuration(
                        aws_sdk_s3::types::CreateBucketConfiguration::builder()
                            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                                p.region.as_str(),
                            ))
                            .build(),
                    );
                }
                req.send()
                    .await
                    .map_err(sdk_err)
                    .with_context(|| format!("CreateBucket {what}"))?;
                let arn = format!("arn:{PARTITION}:s3:::{}", p.name);
                let doc = doc_for(Some(&arn))?;
                s3.put_bucket_policy()
                    .bucket(&p.name)
                    .policy(doc.to_string())
                    .send()
                    .await
                    .map_err(sdk_err)
                    .with_context(|| format!("PutBucketPolicy {what}"))?;
                let stored = s3
                    .get_bucket_policy()
                    .bucket(&p.name)
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
                let kms = aws_sdk_kms::Client::new(&conf);
                // Key policies use `Resource: "*"`; the key's ARN is not known before
                // CreateKey, which takes the policy.
                let doc = doc_for(None)?;
                let out = kms
                    .create_key()
                    .description(format!("deputy-audit seed: {} ({})", example.name, p.form))
                    .policy(doc.to_string())
                    // The seed examples grant only a service principal, which would lock
                    // the account out of the key in real AWS; this says that is intended.
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
                    .alias_name(format!("alias/{}", p.name))
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
            other => bail!("{what}: unsupported resource type {other}"),
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

async fn ensure_user(iam: &aws_sdk_iam::Client, name: &str) -> Result<()> {
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
        Ok(_) => return Ok(SeedState::Complete),
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
