//! Seeds one account with real wiring (who sends to whom) whose grants are left
//! open: every target's policy grants its service principals with no
//! `Condition`, so each has findings, and the scan must read the sources.
//!
//! - bucket → topic and queue (S3 event notifications)
//! - topic → queue (SNS subscription)
//! - rule → queue, and rule → topic through a role (EventBridge targets)
//! - alarm → topic (CloudWatch alarm action)
//! - log group → function (subscription filter), log group → key (encryption)

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

use super::aws::{s3_client, sdk_config, SdkCall};

/// What [`seed_wiring`] created, by ARN.
#[derive(Debug, Clone)]
pub struct Wired {
    pub account: String,
    pub region: String,
    pub bucket_arn: String,
    pub topic_arn: String,
    pub queue_arn: String,
    pub rule_arn: String,
    pub role_arn: String,
    pub alarm_arn: String,
    pub function_arn: String,
    pub key_arn: String,
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (no `:*`).
    pub log_group_arn: String,
}

/// An open grant: `principals` may do `actions` on `resource`, no condition.
fn open_policy(principals: &[&str], actions: &[&str], resource: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OpenToServices",
            "Effect": "Allow",
            "Principal": {"Service": principals},
            "Action": actions,
            "Resource": resource,
        }]
    })
}

pub async fn seed_wiring(endpoint: &str, account: &str, region: &str) -> Result<Wired> {
    let conf = sdk_config(endpoint, account, region);
    let sns = aws_sdk_sns::Client::new(&conf);
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let s3 = s3_client(&conf);
    let iam = aws_sdk_iam::Client::new(&conf);
    let events = aws_sdk_eventbridge::Client::new(&conf);
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&conf);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let kms = aws_sdk_kms::Client::new(&conf);
    let lambda = aws_sdk_lambda::Client::new(&conf);

    // The topic: S3, CloudWatch and EventBridge publish to it.
    let topic_arn = sns
        .create_topic()
        .name("wire-topic")
        .send()
        .await
        .call("CreateTopic")?
        .topic_arn
        .ok_or_else(|| anyhow!("CreateTopic: no ARN"))?;
    let topic_policy = open_policy(
        &[
            "s3.amazonaws.com",
            "cloudwatch.amazonaws.com",
            "events.amazonaws.com",
        ],
        &["sns:Publish"],
        &topic_arn,
    );
    sns.set_topic_attributes()
        .topic_arn(&topic_arn)
        .attribute_name("Policy")
        .attribute_value(topic_policy.to_string())
        .send()
        .await
        .call("SetTopicAttributes")?;

    // The queue: S3, SNS and EventBridge send to it.
    let queue_url = sqs
        .create_queue()
        .queue_name("wire-queue")
        .send()
        .await
        .call("CreateQueue")?
        .queue_url
        .ok_or_else(|| anyhow!("CreateQueue: no URL"))?;
    let queue_arn = format!("arn:aws:sqs:{region}:{account}:wire-queue");
    let queue_policy = open_policy(
        &[
            "s3.amazonaws.com",
            "sns.amazonaws.com",
            "events.amazonaws.com",
        ],
        &["sqs:SendMessage"],
        &queue_arn,
    );
    sqs.set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            queue_policy.to_string(),
        )
        .send()
        .await
        .call("SetQueueAttributes")?;

    // The bucket notifies both.
    let bucket = format!("wire-bucket-{account}");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .call("CreateBucket")?;
    use aws_sdk_s3::types::{
        Event, NotificationConfiguration, QueueConfiguration, TopicConfiguration,
    };
    let notifications = NotificationConfiguration::builder()
        .topic_configurations(
            TopicConfiguration::builder()
                .topic_arn(&topic_arn)
                .events(Event::S3ObjectCreated)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(&queue_arn)
                .events(Event::S3ObjectRemoved)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .build();
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(notifications)
        .send()
        .await
        .call("PutBucketNotificationConfiguration")?;

    // The topic delivers to the queue.
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .call("Subscribe")?;

    // The rule sends to the queue directly and to the topic through a role
    // that trusts EventBridge (left open too).
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }]});
    let role_arn = iam
        .create_role()
        .role_name("wire-events-role")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .call("CreateRole")?
        .role
        .map(|r| r.arn)
        .ok_or_else(|| anyhow!("CreateRole: no role"))?;
    let rule_arn = events
        .put_rule()
        .name("wire-rule")
        .event_pattern(json!({"source": ["deputy-audit.test"]}).to_string())
        .send()
        .await
        .call("PutRule")?
        .rule_arn
        .ok_or_else(|| anyhow!("PutRule: no ARN"))?;
    use aws_sdk_eventbridge::types::Target;
    events
        .put_targets()
        .rule("wire-rule")
        .targets(
            Target::builder()
                .id("queue")
                .arn(&queue_arn)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .targets(
            Target::builder()
                .id("topic-via-role")
                .arn(&topic_arn)
                .role_arn(&role_arn)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .send()
        .await
        .call("PutTargets")?;

    // The alarm publishes to the topic.
    cloudwatch
        .put_metric_alarm()
        .alarm_name("wire-alarm")
        .namespace("DeputyAudit/Test")
        .metric_name("Wired")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .alarm_actions(&topic_arn)
        .send()
        .await
        .call("PutMetricAlarm")?;
    let alarm_arn = format!("arn:aws:cloudwatch:{region}:{account}:alarm:wire-alarm");

    // The key CloudWatch Logs encrypts the log group with (open to the
    // regional Logs principal).
    let key_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow",
         "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}
    ]});
    let key_arn = kms
        .create_key()
        .policy(key_policy.to_string())
        .description("deputy-audit seed: wiring")
        .send()
        .await
        .call("CreateKey")?
        .key_metadata
        .and_then(|m| m.arn)
        .ok_or_else(|| anyhow!("CreateKey: no ARN"))?;

    // The function the log group's subscription filter delivers to, open to
    // CloudWatch Logs.
    let exec_trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]});
    let exec_role = iam
        .create_role()
        .role_name("wire-fn-role")
        .assume_role_policy_document(exec_trust.to_string())
        .send()
        .await
        .call("CreateRole (execution)")?
        .role
        .map(|r| r.arn)
        .ok_or_else(|| anyhow!("CreateRole: no role"))?;
    let function_arn =
        super::aws::create_placeholder_function(&lambda, "wire-fn", &exec_role).await?;
    lambda
        .add_permission()
        .function_name("wire-fn")
        .statement_id("OpenToLogs")
        .action("lambda:InvokeFunction")
        .principal("logs.amazonaws.com")
        .send()
        .await
        .call("AddPermission")?;

    let group = "/deputy-audit/wired";
    logs.create_log_group()
        .log_group_name(group)
        .kms_key_id(&key_arn)
        .send()
        .await
        .call("CreateLogGroup")?;
    logs.put_subscription_filter()
        .log_group_name(group)
        .filter_name("to-function")
        .filter_pattern("")
        .destination_arn(&function_arn)
        .send()
        .await
        .call("PutSubscriptionFilter")?;

    Ok(Wired {
        account: account.to_string(),
        region: region.to_string(),
        bucket_arn: format!("arn:aws:s3:::{bucket}"),
        topic_arn,
        queue_arn,
        rule_arn,
        role_arn,
        alarm_arn,
        function_arn,
        key_arn,
        log_group_arn: format!("arn:aws:logs:{region}:{account}:log-group:{group}"),
    })
}
