//! The AWS side of seeding: one function per resource kind, each creating the
//! resource, writing its policy and reading it back, so that what the scanner
//! later reads is exactly what the fixture says. Nothing here knows the catalogues.

use std::fmt::Display;
use std::io::Write as _;

use anyhow::{anyhow, bail, Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::Value;

use super::{LambdaTarget, INVALID_POLICY, LAMBDA_ALIAS, LAMBDA_VERSION, PARTITION};

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

pub fn s3_client(conf: &SdkConfig) -> aws_sdk_s3::Client {
    // LocalStack needs path-style addressing (no wildcard DNS for bucket subdomains).
    let s3_conf = aws_sdk_s3::config::Builder::from(conf)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(s3_conf)
}

pub fn sdk_err<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow!("{}", DisplayErrorContext(e))
}

/// `.call("CreateQueue x")?`: an SDK error with its whole chain, under the call's name.
pub trait SdkCall<T> {
    fn call(self, what: impl Display) -> Result<T>;
}

impl<T, E: std::error::Error> SdkCall<T> for std::result::Result<T, E> {
    fn call(self, what: impl Display) -> Result<T> {
        self.map_err(|e| sdk_err(e).context(what.to_string()))
    }
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

/// [`check_read_back`] for a policy read back as text.
fn check_stored_text(what: &str, sent: &Value, stored: Option<&str>) -> Result<()> {
    let stored: Value = serde_json::from_str(stored.unwrap_or_default())
        .with_context(|| format!("{what}: the stored policy is not JSON"))?;
    check_read_back(what, sent, &stored)
}

/// One resource to create, whatever its kind.
pub struct Spec<'a> {
    /// The report's resource type (`iam-role`, `sqs-queue`, ...).
    pub kind: &'a str,
    /// Queue, topic, bucket, role, function, secret, bus or Logs policy name; for KMS
    /// keys, the alias without `alias/`.
    pub name: &'a str,
    /// Where regional resources are created (roles: ignored).
    pub region: &'a str,
    /// Labels roles, keys and secrets.
    pub description: &'a str,
    /// Roles only: the IAM path.
    pub path: &'a str,
    /// Lambda functions only: the execution role and where the policy goes.
    pub lambda: Option<(&'a str, LambdaTarget)>,
}

/// What [`create`] made.
pub struct Created {
    /// The ARN the scanner reports the policy under.
    pub arn: String,
    /// Lambda only: the function (and version) created on the way, with no policy.
    pub without_policy: Vec<String>,
}

/// Creates `spec` in `account` through `endpoint` with the policy `doc_for` renders for
/// its ARN (`None` where the policy goes in before the ARN is known: roles, keys, Logs
/// policies), checking that the endpoint stored it as sent.
pub async fn create(
    endpoint: &str,
    account: &str,
    spec: &Spec<'_>,
    doc_for: impl Fn(Option<&str>) -> Result<Value>,
) -> Result<Created> {
    let what = format!("{} ({}, {})", spec.name, spec.kind, spec.region);
    let plain = |arn: String| Created {
        arn,
        without_policy: Vec::new(),
    };
    let created = match spec.kind {
        "iam-role" => {
            let iam =
                aws_sdk_iam::Client::new(&sdk_config(endpoint, account, super::IAM_API_REGION));
            let doc = doc_for(None)?;
            plain(create_role(&iam, spec.path, spec.name, &doc, spec.description).await?)
        }
        "lambda-function" => {
            let (role_arn, target) = spec
                .lambda
                .ok_or_else(|| anyhow!("{what}: no execution role and target"))?;
            let lambda = aws_sdk_lambda::Client::new(&sdk_config(endpoint, account, spec.region));
            let seeded = seed_lambda(&lambda, spec.name, role_arn, target, |arn| {
                doc_for(Some(arn))
            })
            .await?;
            Created {
                arn: seeded.policy_arn,
                without_policy: seeded.without_policy,
            }
        }
        kind => {
            let conf = sdk_config(endpoint, account, spec.region);
            plain(
                create_with_policy(
                    &conf,
                    account,
                    kind,
                    spec.name,
                    spec.region,
                    spec.description,
                    doc_for,
                )
                .await?,
            )
        }
    };
    Ok(created)
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
    let doc_for = |arn: Option<&str>| doc_for(arn);
    let arn = match resource_type {
        "sqs-queue" => sqs_queue(conf, name, &what, &doc_for).await,
        "sns-topic" => sns_topic(conf, name, &what, &doc_for).await,
        "s3-bucket" => s3_bucket(conf, name, region, &what, &doc_for).await,
        "kms-key" => kms_key(conf, name, description, &what, &doc_for).await,
        "secretsmanager-secret" => secret(conf, name, description, &what, &doc_for).await,
        "event-bus" => event_bus(conf, name, &what, &doc_for).await,
        "logs-resource-policy" => logs_policy(conf, account, name, region, &what, &doc_for).await,
        other => bail!("{what}: unsupported resource type {other}"),
    };
    arn.with_context(|| what.clone())
}

type DocFor<'a> = dyn Fn(Option<&str>) -> Result<Value> + 'a;

async fn sqs_queue(
    conf: &SdkConfig,
    name: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let sqs = aws_sdk_sqs::Client::new(conf);
    let url = create_queue(&sqs, name).await?;
    let arn = queue_attribute(&sqs, &url, QueueAttributeName::QueueArn).await?;
    let doc = doc_for(Some(&arn))?;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::Policy, doc.to_string())
        .send()
        .await
        .call("SetQueueAttributes")?;
    let stored = queue_attribute(&sqs, &url, QueueAttributeName::Policy).await?;
    check_stored_text(what, &doc, Some(&stored))?;
    Ok(arn)
}

async fn sns_topic(
    conf: &SdkConfig,
    name: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let sns = aws_sdk_sns::Client::new(conf);
    let out = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .call("CreateTopic")?;
    let arn = out
        .topic_arn()
        .ok_or_else(|| anyhow!("CreateTopic: no ARN"))?
        .to_string();
    let doc = doc_for(Some(&arn))?;
    sns.set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("Policy")
        .attribute_value(doc.to_string())
        .send()
        .await
        .call("SetTopicAttributes")?;
    let attrs = sns
        .get_topic_attributes()
        .topic_arn(&arn)
        .send()
        .await
        .call("GetTopicAttributes")?;
    let stored = attrs.attributes().and_then(|a| a.get("Policy"));
    check_stored_text(what, &doc, stored.map(String::as_str))?;
    Ok(arn)
}

async fn s3_bucket(
    conf: &SdkConfig,
    name: &str,
    region: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let s3 = s3_client(conf);
    let mut req = s3.create_bucket().bucket(name);
    // us-east-1 is the one region that must not be named as a constraint.
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    req.send().await.call("CreateBucket")?;
    let arn = format!("arn:{PARTITION}:s3:::{name}");
    let doc = doc_for(Some(&arn))?;
    s3.put_bucket_policy()
        .bucket(name)
        .policy(doc.to_string())
        .send()
        .await
        .call("PutBucketPolicy")?;
    let stored = s3
        .get_bucket_policy()
        .bucket(name)
        .send()
        .await
        .call("GetBucketPolicy")?;
    check_stored_text(what, &doc, stored.policy())?;
    Ok(arn)
}

async fn kms_key(
    conf: &SdkConfig,
    name: &str,
    description: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let kms = aws_sdk_kms::Client::new(conf);
    // Key policies use `Resource: "*"`; the key's ARN is not known before CreateKey,
    // which takes the policy.
    let doc = doc_for(None)?;
    let out = kms
        .create_key()
        .description(description)
        .policy(doc.to_string())
        // Many seeded key policies grant only a service principal, which would lock the
        // account out of the key in real AWS; this says that is intended.
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .call("CreateKey")?;
    let meta = out
        .key_metadata()
        .ok_or_else(|| anyhow!("CreateKey: no key metadata"))?;
    let key_id = meta.key_id().to_string();
    let arn = meta
        .arn()
        .ok_or_else(|| anyhow!("CreateKey: no ARN"))?
        .to_string();
    kms.create_alias()
        .alias_name(format!("alias/{name}"))
        .target_key_id(&key_id)
        .send()
        .await
        .call("CreateAlias")?;
    let stored = kms
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .call("GetKeyPolicy")?;
    check_stored_text(what, &doc, stored.policy())?;
    Ok(arn)
}

async fn secret(
    conf: &SdkConfig,
    name: &str,
    description: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let sm = aws_sdk_secretsmanager::Client::new(conf);
    let out = sm
        .create_secret()
        .name(name)
        .description(description)
        .secret_string("not a real secret")
        .send()
        .await
        .call("CreateSecret")?;
    let arn = out
        .arn()
        .ok_or_else(|| anyhow!("CreateSecret: no ARN"))?
        .to_string();
    let doc = doc_for(Some(&arn))?;
    sm.put_resource_policy()
        .secret_id(&arn)
        .resource_policy(doc.to_string())
        .send()
        .await
        .call("PutResourcePolicy")?;
    let stored = sm
        .get_resource_policy()
        .secret_id(&arn)
        .send()
        .await
        .call("GetResourcePolicy")?;
    check_stored_text(what, &doc, stored.resource_policy())?;
    Ok(arn)
}

async fn event_bus(
    conf: &SdkConfig,
    name: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let events = aws_sdk_eventbridge::Client::new(conf);
    let out = events
        .create_event_bus()
        .name(name)
        .send()
        .await
        .call("CreateEventBus")?;
    let arn = out
        .event_bus_arn()
        .ok_or_else(|| anyhow!("CreateEventBus: no ARN"))?
        .to_string();
    let doc = doc_for(Some(&arn))?;
    // PutPermission with `Policy` replaces the bus policy with the whole document (the
    // other parameters add one statement at a time).
    events
        .put_permission()
        .event_bus_name(name)
        .policy(doc.to_string())
        .send()
        .await
        .call("PutPermission")?;
    let stored = events
        .describe_event_bus()
        .name(name)
        .send()
        .await
        .call("DescribeEventBus")?;
    check_stored_text(what, &doc, stored.policy())?;
    Ok(arn)
}

/// An account-level Logs resource policy (the document names log groups, never the
/// policy itself), named as the scanner names it: its `resourceArn` when the endpoint
/// returns one, otherwise `arn:<partition>:logs:<region>:<account>:resource-policy/<name>`.
async fn logs_policy(
    conf: &SdkConfig,
    account: &str,
    name: &str,
    region: &str,
    what: &str,
    doc_for: &DocFor<'_>,
) -> Result<String> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
    let doc = doc_for(None)?;
    logs.put_resource_policy()
        .policy_name(name)
        .policy_document(doc.to_string())
        .send()
        .await
        .call("PutResourcePolicy")?;
    let mut token = None;
    loop {
        let page = logs
            .describe_resource_policies()
            .set_next_token(token)
            .send()
            .await
            .call("DescribeResourcePolicies")?;
        if let Some(policy) = page
            .resource_policies()
            .iter()
            .find(|p| p.policy_name() == Some(name))
        {
            check_stored_text(what, &doc, policy.policy_document())?;
            return Ok(policy.resource_arn().map_or_else(
                || format!("arn:{PARTITION}:logs:{region}:{account}:resource-policy/{name}"),
                str::to_string,
            ));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            bail!("DescribeResourcePolicies does not list {name}");
        }
    }
}

/// Creates a queue whose `Policy` attribute is [`INVALID_POLICY`] (SQS does not validate
/// it), checks that it was stored verbatim, and returns its ARN.
pub async fn create_invalid_policy_queue(
    endpoint: &str,
    account: &str,
    region: &str,
    name: &str,
) -> Result<String> {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(endpoint, account, region));
    let what = format!("{name} (sqs-queue with invalid JSON policy, {region})");
    let url = create_queue(&sqs, name).await.context(what.clone())?;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::Policy, INVALID_POLICY)
        .send()
        .await
        .call(format!("SetQueueAttributes {what}"))?;
    let stored = queue_attribute(&sqs, &url, QueueAttributeName::Policy)
        .await
        .context(what.clone())?;
    if stored != INVALID_POLICY {
        bail!("{what}: policy stored as {stored:?}, sent {INVALID_POLICY:?}");
    }
    queue_attribute(&sqs, &url, QueueAttributeName::QueueArn)
        .await
        .context(what)
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
        .call("CreateRole")?;
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
        .call("GetRole")?;
    let raw = stored
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .ok_or_else(|| anyhow!("GetRole: no trust policy"))?;
    // IAM returns policy documents URL-encoded.
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .context("trust policy is not UTF-8 after URL decoding")?;
    check_stored_text(name, trust, Some(&decoded))?;
    Ok(arn)
}

/// What [`seed_lambda`] created.
pub struct SeededLambda {
    /// The function, version or alias whose policy holds the example.
    pub policy_arn: String,
    /// The function (and version) created on the way, with no policy.
    pub without_policy: Vec<String>,
}

/// The code of every seeded function: never invoked, so a one-line placeholder.
pub const PLACEHOLDER_FILE: &str = "index.py";
pub const PLACEHOLDER_CODE: &[u8] = b"def handler(event, context):\n    return None\n";

/// A zip archive holding [`PLACEHOLDER_CODE`] as [`PLACEHOLDER_FILE`], stored (not
/// compressed): all CreateFunction needs.
pub fn placeholder_zip() -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(PLACEHOLDER_FILE, options)
        .expect("zip entry");
    zip.write_all(PLACEHOLDER_CODE).expect("zip data");
    zip.finish().expect("zip archive").into_inner()
}

/// Creates a function `name` running the placeholder code as `role_arn`;
/// returns its ARN.
pub async fn create_placeholder_function(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    role_arn: &str,
) -> Result<String> {
    let code = aws_sdk_lambda::types::FunctionCode::builder()
        .zip_file(aws_smithy_types::Blob::new(placeholder_zip()))
        .build();
    lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role_arn)
        .handler("index.handler")
        .code(code)
        .send()
        .await
        .call("CreateFunction")?
        .function_arn
        .ok_or_else(|| anyhow!("CreateFunction: no ARN"))
}

/// Creates a function, publishes a version and adds an alias when `target` needs them,
/// and writes the example as AddPermission calls on the target: Lambda has no call that
/// takes a whole policy. `doc_for` renders the example for the target's ARN.
pub async fn seed_lambda(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    role_arn: &str,
    target: LambdaTarget,
    doc_for: impl Fn(&str) -> Result<Value>,
) -> Result<SeededLambda> {
    let function_arn = create_placeholder_function(lambda, name, role_arn).await?;
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
                .call("PublishVersion")?;
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
                    .call("CreateAlias")?;
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
            .call(format!("AddPermission (statement {i})"))?;
    }
    let stored = lambda
        .get_policy()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
        .call("GetPolicy")?;
    check_stored_text(&policy_arn, &doc, stored.policy())?;
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

/// Creates IAM user `name` unless it exists.
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
        .call("CreateQueue")?;
    out.queue_url()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("CreateQueue returned no URL"))
}

async fn queue_attribute(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    name: QueueAttributeName,
) -> Result<String> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .call("GetQueueAttributes")?;
    out.attributes()
        .and_then(|a| a.get(&name))
        .cloned()
        .ok_or_else(|| anyhow!("GetQueueAttributes returned no {}", name.as_str()))
}
