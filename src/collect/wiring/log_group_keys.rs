//! `log-group-keys`: which log group encrypts with which KMS key.
//! DescribeLogGroups once per region: the listing carries each group's key,
//! so no call per group is needed.

use deputy_audit_analyze::ResourceType;

use super::log_subscriptions::group_arn;
use super::{read_error, target_type, usage, WiringRead, WiringSource};
use crate::collect::{list_items, BoxFuture, RegionContext, Scope};
use futures::StreamExt;

pub(super) struct LogGroupKeys;

impl WiringSource for LogGroupKeys {
    fn kind(&self) -> &'static str {
        "log-group-keys"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[("logs.amazonaws.com", ResourceType::KmsKey)]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["logs:DescribeLogGroups"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_cloudwatchlogs, ctx, "logs");
            let groups = list_items(client.describe_log_groups().into_paginator().send(), |page| {
                page.log_groups.unwrap_or_default()
            });
            let mut groups = std::pin::pin!(groups);
            let mut out = WiringRead::default();
            while let Some(group) = groups.next().await {
                let group = match group {
                    Ok(group) => group,
                    Err(reason) => {
                        let scope = format!(
                            "arn:{}:logs:{}:{}:log-group:*",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id()
                        );
                        out.errors.push(read_error(
                            ctx,
                            self,
                            "logs",
                            scope,
                            "DescribeLogGroups",
                            reason,
                        ));
                        break;
                    }
                };
                let (Some(name), Some(key)) = (group.log_group_name, group.kms_key_id) else {
                    continue;
                };
                // The key policy grants the regional principal, and CloudWatch Logs
                // sends the group's ARN (without `:*`) as the encryption context:
                // "CloudWatch Logs now supports encryption context, using
                // kms:EncryptionContext:aws:logs:arn as the key and the ARN of the
                // log group as the value for that key"; its key-policy example has
                // "Service": "logs.region.amazonaws.com" and "ArnEquals":
                // {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:region:account-id:log-group:log-group-name"}
                // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
                if target_type(&key) == Some(ResourceType::KmsKey) {
                    out.usages.push(usage(
                        ctx,
                        self,
                        regional_principal(ctx),
                        Some(group_arn(ctx, &name)),
                        key,
                    ));
                }
            }
            out
        })
    }
}

/// `logs.REGION.amazonaws.com` (`.amazonaws.com.cn` in the China partition).
fn regional_principal(ctx: &RegionContext<'_>) -> String {
    let suffix = if ctx.partition() == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("logs.{}.{suffix}", ctx.region)
}
