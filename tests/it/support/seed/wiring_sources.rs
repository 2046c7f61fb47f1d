//! Seeds the wiring of three more source kinds in LocalStack, every grant left
//! open (no `Condition`) so each target has findings and the scan must read
//! who uses it:
//!
//! - AWS Config's delivery channel → a bucket and a topic (`config.amazonaws.com`)
//! - an API Gateway REST API whose Lambda proxy integration invokes a function
//!   (`apigateway.amazonaws.com` in the function's policy) and runs as a role
//!   trusting `apigateway.amazonaws.com`
//! - an EventBridge Scheduler schedule in its own group, whose target runs as a
//!   role trusting `scheduler.amazonaws.com`
//!
//! And, for moto (open-source LocalStack has no CloudTrail), [`seed_trail`]: a
//! trail writing to a bucket, encrypting with a key, notifying a topic and
//! sending to CloudWatch Logs through a role, all open to `cloudtrail.amazonaws.com`.

use anyhow::{anyhow, Result};
use aws_config::SdkConfig;
use serde_json::{json, Value};

use super::aws::{s3_client, sdk_config, SdkCall};

/// What [`seed_wiring_sources`] created, by ARN.
#[derive(Debug, Clone)]
pub struct WiredSources {
    pub account: String,
    pub region: String,
    pub config_bucket_arn: String,
    pub config_topic_arn: String,
    pub api_id: String,
    pub function_arn: String,
    pub api_role_arn: String,
    pub schedule_group: String,
    pub schedule_role_arn: String,
}

/// An open grant: `principal` may do `actions` on `resource`, no condition.
fn open_statement(principal: &str, actions: &[&str], resource: &str) -> Value {
    json!({
        "Sid": "OpenToService",
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": actions,
        "Resource": resource,
    })
}

fn open_trust(principal: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "sts:AssumeRole",
    }]})
}

async fn role(iam: &aws_sdk_iam::Client, name: &str, trusted: &str) -> Result<String> {
    role_with_trust(iam, name, open_trust(trusted)).await
}

/// A role no source kind feeds (a recorder's, a function's execution role),
/// pinned to `account` so it adds no finding of its own.
async fn pinned_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    trusted: &str,
    account: &str,
) -> Result<String> {
    let mut trust = open_trust(trusted);
    trust["Statement"][0]["Condition"] = json!({"StringEquals": {"aws:SourceAccount": account}});
    role_with_trust(iam, name, trust).await
}

async fn role_with_trust(iam: &aws_sdk_iam::Client, name: &str, trust: Value) -> Result<String> {
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .call(format!("CreateRole {name}"))?
        .role
        .map(|r| r.arn)
        .ok_or_else(|| anyhow!("CreateRole {name}: no role"))
}

async fn open_topic(conf: &SdkConfig, name: &str, principal: &str) -> Result<String> {
    let sns = aws_sdk_sns::Client::new(conf);
    let arn = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .call("CreateTopic")?
        .topic_arn
        .ok_or_else(|| anyhow!("CreateTopic: no ARN"))?;
    let policy = json!({"Version": "2012-10-17",
        "Statement": [open_statement(principal, &["sns:Publish"], &arn)]});
    sns.set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("Policy")
        .attribute_value(policy.to_string())
        .send()
        .await
        .call("SetTopicAttributes")?;
    Ok(arn)
}

async fn open_bucket(conf: &SdkConfig, bucket: &str, principal: &str) -> Result<String> {
    let s3 = s3_client(conf);
    let mut create = s3.create_bucket().bucket(bucket);
    if let Some(region) = conf.region().map(|r| r.as_ref()) {
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                    .build(),
            );
        }
    }
    create.send().await.call("CreateBucket")?;
    let arn = format!("arn:aws:s3:::{bucket}");
    let policy = json!({"Version": "2012-10-17", "Statement": [
        open_statement(principal, &["s3:GetBucketAcl"], &arn),
        open_statement(principal, &["s3:PutObject"], &format!("{arn}/*")),
    ]});
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .call("PutBucketPolicy")?;
    Ok(arn)
}

pub async fn seed_wiring_sources(
    endpoint: &str,
    account: &str,
    region: &str,
) -> Result<WiredSources> {
    let conf = sdk_config(endpoint, account, region);
    let iam = aws_sdk_iam::Client::new(&conf);

    // AWS Config: a recorder (a channel needs one) and its channel to a bucket
    // and a topic, both open to config.amazonaws.com.
    let config_bucket_arn = open_bucket(
        &conf,
        &format!("wire-config-{account}"),
        "config.amazonaws.com",
    )
    .await?;
    let config_topic_arn = open_topic(&conf, "wire-config-topic", "config.amazonaws.com").await?;
    let recorder_role = pinned_role(
        &iam,
        "wire-config-recorder",
        "config.amazonaws.com",
        account,
    )
    .await?;
    let config = aws_sdk_config::Client::new(&conf);
    config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn(&recorder_role)
                .build(),
        )
        .send()
        .await
        .call("PutConfigurationRecorder")?;
    config
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name(format!("wire-config-{account}"))
                .sns_topic_arn(&config_topic_arn)
                .build(),
        )
        .send()
        .await
        .call("PutDeliveryChannel")?;

    // API Gateway: POST /orders proxies to a function open to API Gateway, as
    // a role trusting API Gateway.
    let lambda = aws_sdk_lambda::Client::new(&conf);
    let exec_role = pinned_role(&iam, "wire-api-fn-exec", "lambda.amazonaws.com", account).await?;
    let function_arn =
        super::aws::create_placeholder_function(&lambda, "wire-api-fn", &exec_role).await?;
    lambda
        .add_permission()
        .function_name("wire-api-fn")
        .statement_id("OpenToApiGateway")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .send()
        .await
        .call("AddPermission")?;
    let api_role_arn = role(&iam, "wire-api-invoke", "apigateway.amazonaws.com").await?;
    let apigw = aws_sdk_apigateway::Client::new(&conf);
    let api_id = apigw
        .create_rest_api()
        .name("wire-api")
        .send()
        .await
        .call("CreateRestApi")?
        .id
        .ok_or_else(|| anyhow!("CreateRestApi: no id"))?;
    let root = apigw
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .call("GetResources")?
        .items
        .unwrap_or_default()
        .into_iter()
        .find(|r| r.path.as_deref() == Some("/"))
        .and_then(|r| r.id)
        .ok_or_else(|| anyhow!("GetResources: no root resource"))?;
    let orders = apigw
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root)
        .path_part("orders")
        .send()
        .await
        .call("CreateResource")?
        .id
        .ok_or_else(|| anyhow!("CreateResource: no id"))?;
    for method in ["POST", "GET"] {
        apigw
            .put_method()
            .rest_api_id(&api_id)
            .resource_id(&orders)
            .http_method(method)
            .authorization_type("NONE")
            .send()
            .await
            .call(format!("PutMethod {method}"))?;
    }
    // GET is left without an integration: the source asks for it and finds none.
    apigw
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&orders)
        .http_method("POST")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        ))
        .credentials(&api_role_arn)
        .send()
        .await
        .call("PutIntegration")?;

    // Scheduler: a schedule in its own group targets a queue as a role open
    // to the scheduler.
    let schedule_role_arn = role(&iam, "wire-schedule-role", "scheduler.amazonaws.com").await?;
    let sqs = aws_sdk_sqs::Client::new(&conf);
    sqs.create_queue()
        .queue_name("wire-schedule-queue")
        .send()
        .await
        .call("CreateQueue")?;
    let scheduler = aws_sdk_scheduler::Client::new(&conf);
    let schedule_group = "wire-group".to_string();
    scheduler
        .create_schedule_group()
        .name(&schedule_group)
        .send()
        .await
        .call("CreateScheduleGroup")?;
    scheduler
        .create_schedule()
        .name("wire-nightly")
        .group_name(&schedule_group)
        .schedule_expression("rate(1 day)")
        .flexible_time_window(
            aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
                .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .target(
            aws_sdk_scheduler::types::Target::builder()
                .arn(format!(
                    "arn:aws:sqs:{region}:{account}:wire-schedule-queue"
                ))
                .role_arn(&schedule_role_arn)
                .build()
                .map_err(|e| anyhow!("{e}"))?,
        )
        .send()
        .await
        .call("CreateSchedule")?;

    Ok(WiredSources {
        account: account.to_string(),
        region: region.to_string(),
        config_bucket_arn,
        config_topic_arn,
        api_id,
        function_arn,
        api_role_arn,
        schedule_group,
        schedule_role_arn,
    })
}

/// What [`seed_trail`] created in moto, by ARN.
#[derive(Debug, Clone)]
pub struct WiredTrail {
    pub trail_arn: String,
    pub bucket_arn: String,
    pub topic_arn: String,
    pub key_arn: String,
    pub logs_role_arn: String,
}

/// A trail in moto (`conf` points at moto) writing to a bucket, encrypting with
/// a key, notifying a topic and sending to CloudWatch Logs through a role; the
/// bucket, topic and key open to `cloudtrail.amazonaws.com`, the role trusting it.
/// moto checks that the bucket exists, so everything the trail names lives there.
pub async fn seed_trail(conf: &SdkConfig, account: &str, suffix: &str) -> Result<WiredTrail> {
    let principal = "cloudtrail.amazonaws.com";
    let bucket = format!("wire-trail-{suffix}");
    let bucket_arn = open_bucket(conf, &bucket, principal).await?;
    let topic = format!("wire-trail-{suffix}");
    let topic_arn = open_topic(conf, &topic, principal).await?;
    let key_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
         "Action": "kms:*", "Resource": "*"},
        open_statement(principal, &["kms:GenerateDataKey*", "kms:DescribeKey"], "*"),
    ]});
    let key_arn = aws_sdk_kms::Client::new(conf)
        .create_key()
        .policy(key_policy.to_string())
        .description("deputy-audit seed: trail")
        .send()
        .await
        .call("CreateKey")?
        .key_metadata
        .and_then(|m| m.arn)
        .ok_or_else(|| anyhow!("CreateKey: no ARN"))?;
    let iam = aws_sdk_iam::Client::new(conf);
    let logs_role_arn = role(&iam, &format!("wire-trail-logs-{suffix}"), principal).await?;
    let logs = aws_sdk_cloudwatchlogs::Client::new(conf);
    let group = format!("wire-trail-{suffix}");
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .call("CreateLogGroup")?;
    let region = conf
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| anyhow!("no region"))?;
    let trail_arn = aws_sdk_cloudtrail::Client::new(conf)
        .create_trail()
        .name(format!("wire-trail-{suffix}"))
        .s3_bucket_name(&bucket)
        // By name: CreateTrail takes a name or an ARN, moto only a name.
        .sns_topic_name(&topic)
        .kms_key_id(&key_arn)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:{region}:{account}:log-group:{group}:*"
        ))
        .cloud_watch_logs_role_arn(&logs_role_arn)
        .is_multi_region_trail(true)
        .send()
        .await
        .call("CreateTrail")?
        .trail_arn
        .ok_or_else(|| anyhow!("CreateTrail: no ARN"))?;
    Ok(WiredTrail {
        trail_arn,
        bucket_arn,
        topic_arn,
        key_arn,
        logs_role_arn,
    })
}
