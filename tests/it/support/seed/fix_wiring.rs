//! Real wiring for the fix workflow tests: sources that actually send to the
//! resources whose grants they use (a bucket notifying a topic, a topic
//! subscribed by a queue, a rule targeting a queue, an alarm publishing to a
//! topic, a trail writing to a bucket and a key), with the grants left open,
//! plus the SDK writes that apply a corrected policy and re-put each source's
//! configuration. Tests only: seeding writes to an account.

use std::collections::HashMap;

use anyhow::{anyhow, Context, Result};
use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};

use super::aws::{s3_client, SdkCall};

/// One statement granting `service` `action` on `resource`, with no `Condition`
/// (the open grant every test starts from).
pub fn open_grant(sid: &str, service: &str, action: &str, resource: &str) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": action,
        "Resource": resource,
    })
}

pub fn policy(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

// ---- SQS ----

/// Creates queue `name`: its URL and ARN.
pub async fn create_queue(conf: &SdkConfig, name: &str) -> Result<(String, String)> {
    let sqs = aws_sdk_sqs::Client::new(conf);
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .call(format!("CreateQueue {name}"))?
        .queue_url
        .ok_or_else(|| anyhow!("CreateQueue {name}: no URL"))?;
    let arn = queue_attribute(&sqs, &url, QueueAttributeName::QueueArn)
        .await?
        .ok_or_else(|| anyhow!("queue {name}: no QueueArn"))?;
    Ok((url, arn))
}

pub async fn queue_attribute(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    name: QueueAttributeName,
) -> Result<Option<String>> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .call(format!("GetQueueAttributes {url}"))?;
    Ok(out
        .attributes
        .unwrap_or_default()
        .get(&name)
        .cloned()
        .filter(|v| !v.is_empty()))
}

/// SetQueueAttributes `Policy`. An empty string removes the policy (the Ruby
/// SDK v1's `PolicyProxy#delete` does exactly this,
/// https://rubydoc.info/gems/aws_sdk/AWS/SQS/Queue/PolicyProxy: "set_attribute
/// 'Policy', ''"; the SQS API reference does not say it: unverified for AWS).
pub async fn set_queue_policy(conf: &SdkConfig, url: &str, policy: &str) -> Result<()> {
    aws_sdk_sqs::Client::new(conf)
        .set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .call(format!("SetQueueAttributes Policy {url}"))?;
    Ok(())
}

pub async fn queue_policy(conf: &SdkConfig, url: &str) -> Result<Option<String>> {
    queue_attribute(
        &aws_sdk_sqs::Client::new(conf),
        url,
        QueueAttributeName::Policy,
    )
    .await
}

/// Receives up to 10 messages, waiting up to `wait_seconds` for the first.
pub async fn receive_bodies(conf: &SdkConfig, url: &str, wait_seconds: i32) -> Result<Vec<String>> {
    let out = aws_sdk_sqs::Client::new(conf)
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .call(format!("ReceiveMessage {url}"))?;
    Ok(out
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect())
}

// ---- SNS ----

pub async fn create_topic(conf: &SdkConfig, name: &str) -> Result<String> {
    aws_sdk_sns::Client::new(conf)
        .create_topic()
        .name(name)
        .send()
        .await
        .call(format!("CreateTopic {name}"))?
        .topic_arn
        .ok_or_else(|| anyhow!("CreateTopic {name}: no ARN"))
}

pub async fn set_topic_policy(conf: &SdkConfig, topic_arn: &str, policy: &str) -> Result<()> {
    aws_sdk_sns::Client::new(conf)
        .set_topic_attributes()
        .topic_arn(topic_arn)
        .attribute_name("Policy")
        .attribute_value(policy)
        .send()
        .await
        .call(format!("SetTopicAttributes Policy {topic_arn}"))?;
    Ok(())
}

/// Subscribes queue `queue_arn` to `topic_arn`: the subscription ARN.
pub async fn subscribe_queue(conf: &SdkConfig, topic_arn: &str, queue_arn: &str) -> Result<String> {
    aws_sdk_sns::Client::new(conf)
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .return_subscription_arn(true)
        .send()
        .await
        .call(format!("Subscribe {queue_arn} to {topic_arn}"))?
        .subscription_arn
        .ok_or_else(|| anyhow!("Subscribe {queue_arn}: no subscription ARN"))
}

pub async fn publish(conf: &SdkConfig, topic_arn: &str, message: &str) -> Result<()> {
    aws_sdk_sns::Client::new(conf)
        .publish()
        .topic_arn(topic_arn)
        .message(message)
        .send()
        .await
        .call(format!("Publish to {topic_arn}"))?;
    Ok(())
}

// ---- S3 ----

/// Creates bucket `name` in the config's region: its ARN, `arn:aws:s3:::NAME`
/// (no region, no account; the value S3 sends as `aws:SourceArn` when it
/// publishes a notification, per the destination policies of
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
/// -- the exact wording was not retrievable here: unverified).
pub async fn create_bucket(conf: &SdkConfig, name: &str) -> Result<String> {
    let s3 = s3_client(conf);
    let region = conf.region().map(|r| r.to_string()).unwrap_or_default();
    let mut create = s3.create_bucket().bucket(name);
    // us-east-1 takes no location constraint; every other region needs one.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    region.as_str(),
                ))
                .build(),
        );
    }
    create.send().await.call(format!("CreateBucket {name}"))?;
    Ok(format!("arn:aws:s3:::{name}"))
}

pub async fn put_bucket_policy(conf: &SdkConfig, bucket: &str, policy: &str) -> Result<()> {
    s3_client(conf)
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .call(format!("PutBucketPolicy {bucket}"))?;
    Ok(())
}

/// The bucket's notification configuration: object-created events to `topic_arn`.
pub async fn notify_topic(conf: &SdkConfig, bucket: &str, topic_arn: &str) -> Result<()> {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, TopicConfiguration};
    let topic = TopicConfiguration::builder()
        .id("da-fix-notify")
        .topic_arn(topic_arn)
        .events(Event::from("s3:ObjectCreated:*"))
        .build()
        .context("TopicConfiguration")?;
    s3_client(conf)
        .put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .topic_configurations(topic)
                .build(),
        )
        .send()
        .await
        .call(format!("PutBucketNotificationConfiguration {bucket}"))?;
    Ok(())
}

// ---- EventBridge ----

/// Creates rule `name` on the default bus: its ARN.
pub async fn put_rule(conf: &SdkConfig, name: &str) -> Result<String> {
    aws_sdk_eventbridge::Client::new(conf)
        .put_rule()
        .name(name)
        .event_pattern(json!({ "source": ["deputy-audit.test"] }).to_string())
        .send()
        .await
        .call(format!("PutRule {name}"))?
        .rule_arn
        .ok_or_else(|| anyhow!("PutRule {name}: no ARN"))
}

/// PutTargets: `target_arn` as the rule's only target; fails if any target fails.
pub async fn put_target(conf: &SdkConfig, rule: &str, target_arn: &str) -> Result<()> {
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("da-fix-target")
        .arn(target_arn)
        .build()
        .context("Target")?;
    let out = aws_sdk_eventbridge::Client::new(conf)
        .put_targets()
        .rule(rule)
        .targets(target)
        .send()
        .await
        .call(format!("PutTargets {rule}"))?;
    if out.failed_entry_count != 0 {
        return Err(anyhow!(
            "PutTargets {rule}: {} failed entries: {:?}",
            out.failed_entry_count,
            out.failed_entries
        ));
    }
    Ok(())
}

// ---- CloudWatch ----

/// PutMetricAlarm `name` with `topic_arn` as its alarm action: the alarm's ARN
/// as DescribeAlarms reports it.
pub async fn put_alarm(conf: &SdkConfig, name: &str, topic_arn: &str) -> Result<String> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    let cw = aws_sdk_cloudwatch::Client::new(conf);
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("DeputyAudit/Test")
        .metric_name("Errors")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .alarm_actions(topic_arn)
        .send()
        .await
        .call(format!("PutMetricAlarm {name}"))?;
    let described = cw
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .call(format!("DescribeAlarms {name}"))?;
    described
        .metric_alarms
        .unwrap_or_default()
        .into_iter()
        .find_map(|a| a.alarm_arn)
        .ok_or_else(|| anyhow!("DescribeAlarms {name}: no alarm ARN"))
}

// ---- KMS ----

/// Creates a key with `policy` as its key policy: its ARN.
pub async fn create_key(conf: &SdkConfig, description: &str, policy: &str) -> Result<String> {
    let kms = aws_sdk_kms::Client::new(conf);
    let key = kms
        .create_key()
        .description(description)
        .policy(policy)
        .send()
        .await
        .call(format!("CreateKey {description}"))?
        .key_metadata
        .ok_or_else(|| anyhow!("CreateKey {description}: no metadata"))?;
    Ok(key.arn.unwrap_or_else(|| key.key_id.clone()))
}

/// PutKeyPolicy: the key policy is always named `default`.
pub async fn put_key_policy(conf: &SdkConfig, key: &str, policy: &str) -> Result<()> {
    aws_sdk_kms::Client::new(conf)
        .put_key_policy()
        .key_id(key)
        .policy_name("default")
        .policy(policy)
        .send()
        .await
        .call(format!("PutKeyPolicy {key}"))?;
    Ok(())
}

// ---- CloudTrail ----

/// Creates trail `name` writing to `bucket` and encrypting with `key_arn`: its ARN.
pub async fn create_trail(
    conf: &SdkConfig,
    name: &str,
    bucket: &str,
    key_arn: &str,
) -> Result<String> {
    aws_sdk_cloudtrail::Client::new(conf)
        .create_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .kms_key_id(key_arn)
        .send()
        .await
        .call(format!("CreateTrail {name}"))?
        .trail_arn
        .ok_or_else(|| anyhow!("CreateTrail {name}: no ARN"))
}

pub async fn update_trail(conf: &SdkConfig, name: &str, bucket: &str, key_arn: &str) -> Result<()> {
    aws_sdk_cloudtrail::Client::new(conf)
        .update_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .kms_key_id(key_arn)
        .send()
        .await
        .call(format!("UpdateTrail {name}"))?;
    Ok(())
}

// ---- applying a report's corrections ----

/// How a test applied one corrected policy (the report says what to apply; the
/// test says how, with the SDK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The corrected document was written as the resource's policy.
    Policy,
    /// Every statement was removed: the resource's policy was removed instead
    /// (an empty `Statement` list is not a policy AWS documents accepting).
    PolicyRemoved,
}

/// Where each resource of a report lives, for applying its correction.
#[derive(Debug, Default)]
pub struct Targets {
    /// Queue ARN -> queue URL.
    pub queues: HashMap<String, String>,
}

/// Applies `corrected` (a remediation's `corrected_policy`) to `resource_arn`
/// of `resource_type` with the SDK.
pub async fn apply_corrected(
    conf: &SdkConfig,
    targets: &Targets,
    resource_type: &str,
    resource_arn: &str,
    corrected: &Value,
) -> Result<Applied> {
    let empty = corrected["Statement"]
        .as_array()
        .is_some_and(|statements| statements.is_empty());
    let text = corrected.to_string();
    match resource_type {
        "sqs-queue" => {
            let url = targets
                .queues
                .get(resource_arn)
                .ok_or_else(|| anyhow!("no URL known for queue {resource_arn}"))?;
            if empty {
                set_queue_policy(conf, url, "").await?;
                return Ok(Applied::PolicyRemoved);
            }
            set_queue_policy(conf, url, &text).await?;
        }
        "sns-topic" => {
            if empty {
                return Err(anyhow!(
                    "{resource_arn}: every statement removed; a topic always has a policy"
                ));
            }
            set_topic_policy(conf, resource_arn, &text).await?;
        }
        "s3-bucket" => {
            let bucket = resource_arn
                .strip_prefix("arn:aws:s3:::")
                .ok_or_else(|| anyhow!("not a bucket ARN: {resource_arn}"))?;
            if empty {
                s3_client(conf)
                    .delete_bucket_policy()
                    .bucket(bucket)
                    .send()
                    .await
                    .call(format!("DeleteBucketPolicy {bucket}"))?;
                return Ok(Applied::PolicyRemoved);
            }
            put_bucket_policy(conf, bucket, &text).await?;
        }
        "kms-key" => {
            if empty {
                return Err(anyhow!(
                    "{resource_arn}: every statement removed; a key always has a key policy"
                ));
            }
            put_key_policy(conf, resource_arn, &text).await?;
        }
        other => return Err(anyhow!("no SDK apply for resource type {other}")),
    }
    Ok(Applied::Policy)
}

// ---- CloudTrail (moto) ----

/// A trail writing to a bucket and encrypting with a key, both granting
/// `cloudtrail.amazonaws.com` with no source pin.
#[derive(Debug, Clone)]
pub struct TrailWorld {
    pub account: String,
    pub bucket: String,
    pub bucket_arn: String,
    pub key_arn: String,
    pub trail_name: String,
    pub trail_arn: String,
}

/// The bucket policy CloudTrail needs, minus its source pins: the ACL check on
/// the bucket (statement 0) and the log writes under `AWSLogs/ACCOUNT/`
/// (statement 1, keeping the `s3:x-amz-acl` restriction the AWS example has)
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html,
/// "AWSCloudTrailAclCheck" and "AWSCloudTrailWrite").
pub fn open_trail_bucket_policy(bucket: &str, account: &str) -> Value {
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let mut write = open_grant(
        "AWSCloudTrailWrite",
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        &format!("{bucket_arn}/AWSLogs/{account}/*"),
    );
    write["Condition"] = json!({ "StringEquals": { "s3:x-amz-acl": "bucket-owner-full-control" } });
    policy(vec![
        open_grant(
            "AWSCloudTrailAclCheck",
            "cloudtrail.amazonaws.com",
            "s3:GetBucketAcl",
            &bucket_arn,
        ),
        write,
    ])
}

/// The key policy: the account administers the key (statement 0), CloudTrail
/// may generate data keys with no condition (statement 1)
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html,
/// "Allow CloudTrail to encrypt logs" grants kms:GenerateDataKey*).
pub fn open_trail_key_policy(account: &str) -> Value {
    policy(vec![
        json!({
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{account}:root") },
            "Action": "kms:*",
            "Resource": "*",
        }),
        open_grant(
            "AllowCloudTrailToEncryptLogs",
            "cloudtrail.amazonaws.com",
            "kms:GenerateDataKey*",
            "*",
        ),
    ])
}

/// Seeds the trail world through `conf` (moto), names made unique by `suffix`.
pub async fn seed_trail_world(conf: &SdkConfig, account: &str, suffix: &str) -> Result<TrailWorld> {
    let bucket = format!("da-fix-trail-{suffix}");
    let bucket_arn = create_bucket(conf, &bucket).await?;
    put_bucket_policy(
        conf,
        &bucket,
        &open_trail_bucket_policy(&bucket, account).to_string(),
    )
    .await?;
    let key_arn = create_key(
        conf,
        &format!("da-fix-trail-{suffix}"),
        &open_trail_key_policy(account).to_string(),
    )
    .await?;
    let trail_name = format!("da-fix-trail-{suffix}");
    let trail_arn = create_trail(conf, &trail_name, &bucket, &key_arn).await?;
    Ok(TrailWorld {
        account: account.to_string(),
        bucket,
        bucket_arn,
        key_arn,
        trail_name,
        trail_arn,
    })
}
