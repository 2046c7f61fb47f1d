//! AWS Config delivery channels: DescribeDeliveryChannels in every region. A
//! channel names the bucket Config delivers configuration history and snapshots
//! to, the topic it notifies, and the KMS key it encrypts the bucket's objects
//! with; when its role cannot write there, Config delivers as its service
//! principal, and those resources' policies let `config.amazonaws.com` in.
//!
//! - Bucket: "AWS Config sends the information again, this time as the AWS Config
//!   service principal ... the access policy must grant WRITE access to the
//!   config.amazonaws.com principal name"
//!   (<https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html>).
//! - Topic: "AWS Config sends the notification again, this time as an AWS Config
//!   service principal name (SPN) ... must grant sns:Publish access to the
//!   config.amazonaws.com principal name"
//!   (<https://docs.aws.amazon.com/config/latest/developerguide/sns-topic-policy.html>).
//! - Key: "Principal": {"Service": "config.amazonaws.com"} with
//!   "StringEquals": {"AWS:SourceAccount": "sourceAccountID"}
//!   (<https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html>).
//!
//! These pages pin the grants with `AWS:SourceAccount` only ("sourceAccountID –
//! The ID of the account for which AWS Config will deliver configuration
//! items"); none says what `aws:SourceArn` carries on a delivery (a delivery
//! channel has no ARN of its own), so every use here has `source_arn: None` and
//! the account is the pin.

use aws_sdk_config::types::DeliveryChannel;
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{read_error, WiringRead, WiringSource};
use crate::collect::{describe_sdk_error, BoxFuture, RegionContext, Scope};

const PRINCIPAL: &str = "config.amazonaws.com";
const KIND: &str = "config-delivery";

pub(super) struct ConfigDelivery;

impl WiringSource for ConfigDelivery {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::S3Bucket),
            (PRINCIPAL, ResourceType::SnsTopic),
            (PRINCIPAL, ResourceType::KmsKey),
        ]
    }
    fn scope(&self) -> Scope {
        // "You can have only one delivery channel per region per AWS account"
        // (AWS::Config::DeliveryChannel, CloudFormation User Guide).
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["config:DescribeDeliveryChannels"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_config, ctx, "config");
            // One page: the call takes no token and returns every channel of the region.
            match client.describe_delivery_channels().send().await {
                Ok(output) => {
                    let channels = output.delivery_channels.unwrap_or_default();
                    channel_usages(&channels, ctx.partition(), ctx.account_id(), &ctx.region)
                }
                Err(err) => WiringRead {
                    usages: Vec::new(),
                    errors: vec![read_error(
                        ctx,
                        self,
                        "config",
                        format!(
                            "arn:{}:config:{}:{}:*",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id()
                        ),
                        "DescribeDeliveryChannels",
                        describe_sdk_error(&err),
                    )],
                },
            }
        })
    }
}

/// The uses the channels of one region reveal: their bucket, topic and key.
/// A key named by alias cannot be matched to the key collector's ARN without
/// another call, so it becomes an error (its grant may be in use), not a use.
fn channel_usages(
    channels: &[DeliveryChannel],
    partition: &str,
    account: &str,
    region: &str,
) -> WiringRead {
    let mut read = WiringRead::default();
    let usage = |target_arn: String| Usage {
        kind: KIND.to_string(),
        service_principal: PRINCIPAL.to_string(),
        source_arn: None,
        source_account: account.to_string(),
        source_region: region.to_string(),
        target_arn,
    };
    for channel in channels {
        if let Some(bucket) = channel.s3_bucket_name.as_deref().filter(|b| !b.is_empty()) {
            // As the S3 collector names a bucket: arn:PARTITION:s3:::NAME.
            read.usages
                .push(usage(format!("arn:{partition}:s3:::{bucket}")));
        }
        if let Some(topic) = channel.sns_topic_arn.as_deref().filter(|t| !t.is_empty()) {
            read.usages.push(usage(topic.to_string()));
        }
        if let Some(key) = channel.s3_kms_key_arn.as_deref().filter(|k| !k.is_empty()) {
            if is_key_arn(key) {
                read.usages.push(usage(key.to_string()));
            } else {
                read.errors.push(crate::collect::ScanError {
                    account_id: account.to_string(),
                    region: region.to_string(),
                    service: "config".to_string(),
                    resource_type: Some(ResourceType::KmsKey),
                    resource_arn: key.to_string(),
                    operation: "DescribeDeliveryChannels".to_string(),
                    reason: format!(
                        "delivery channel {} names its KMS key as {key}, not as a key ARN; \
                         the key it resolves to was not looked up",
                        channel.name.as_deref().unwrap_or("(unnamed)")
                    ),
                });
            }
        }
    }
    read
}

/// `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`, as the KMS collector names a key
/// (an alias ARN has `alias/` there).
pub(super) fn is_key_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "kms", _, _, resource] if resource.starts_with("key/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(bucket: Option<&str>, topic: Option<&str>, key: Option<&str>) -> DeliveryChannel {
        DeliveryChannel::builder()
            .name("default")
            .set_s3_bucket_name(bucket.map(str::to_string))
            .set_sns_topic_arn(topic.map(str::to_string))
            .set_s3_kms_key_arn(key.map(str::to_string))
            .build()
    }

    #[test]
    fn a_channel_uses_its_bucket_topic_and_key_pinned_to_the_account() {
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let read = channel_usages(
            &[channel(
                Some("config-bucket"),
                Some("arn:aws:sns:eu-west-1:111122223333:config-topic"),
                Some(key),
            )],
            "aws",
            "111122223333",
            "eu-west-1",
        );
        assert!(read.errors.is_empty());
        let targets: Vec<&str> = read.usages.iter().map(|u| u.target_arn.as_str()).collect();
        assert_eq!(
            targets,
            [
                "arn:aws:s3:::config-bucket",
                "arn:aws:sns:eu-west-1:111122223333:config-topic",
                key
            ]
        );
        for u in &read.usages {
            assert_eq!(u.kind, "config-delivery");
            assert_eq!(u.service_principal, "config.amazonaws.com");
            assert_eq!(u.source_arn, None);
            assert_eq!(u.source_account, "111122223333");
            assert_eq!(u.source_region, "eu-west-1");
        }
    }

    #[test]
    fn empty_fields_are_no_use_and_an_alias_key_is_an_error() {
        let read = channel_usages(
            &[channel(
                Some(""),
                None,
                Some("arn:aws:kms:eu-west-1:111122223333:alias/config"),
            )],
            "aws-cn",
            "111122223333",
            "eu-west-1",
        );
        assert!(read.usages.is_empty());
        assert_eq!(read.errors.len(), 1);
        assert!(read.errors[0].reason.contains("alias/config"));
    }

    #[test]
    fn partition_is_the_scanned_one() {
        let read = channel_usages(
            &[channel(Some("b"), None, None)],
            "aws-cn",
            "111122223333",
            "cn-north-1",
        );
        assert_eq!(read.usages[0].target_arn, "arn:aws-cn:s3:::b");
    }

    #[test]
    fn key_arns_are_told_from_alias_arns_and_ids() {
        assert!(is_key_arn("arn:aws:kms:us-east-1:111122223333:key/abc"));
        assert!(!is_key_arn("arn:aws:kms:us-east-1:111122223333:alias/abc"));
        assert!(!is_key_arn("abc-123"));
        assert!(!is_key_arn("arn:aws:s3:::key/abc"));
    }
}
