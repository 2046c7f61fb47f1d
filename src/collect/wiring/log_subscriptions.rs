//! `log-subscriptions`: which subscription filter delivers to which function
//! or passes which role. DescribeLogGroups once per region, then
//! DescribeSubscriptionFilters per log group, at most `concurrency` at once.
//! (The groups' KMS keys are `log-group-keys`, a kind of its own: a key
//! finding alone needs only the listing, not a call per log group.)

use aws_sdk_cloudwatchlogs::types::LogGroup;
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;
use futures::StreamExt;

use super::{read_error, target_type, usage, WiringRead, WiringSource};
use crate::collect::{
    fetch_all, list_items, BoxFuture, RegionContext, ScanError, Scope,
};

pub(super) struct LogSubscriptions;

/// The principal of subscription filters, in the Lambda permission and in
/// the role's trust policy (the form `same_principal` also matches to the
/// regional `logs.REGION.amazonaws.com`).
const PRINCIPAL: &str = "logs.amazonaws.com";

impl WiringSource for LogSubscriptions {
    fn kind(&self) -> &'static str {
        "log-subscriptions"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        // Not the roles filters pass: a role trusted by CloudWatch Logs may
        // also serve a Logs destination (PutDestination) or an account-level
        // subscription policy, which this kind does not read, so it cannot
        // show every use of a role. Its role uses are still recorded (they
        // appear as who uses the grant); the correction pins such a role to
        // the account, never removes it.
        &[(PRINCIPAL, ResourceType::LambdaFunction)]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["logs:DescribeLogGroups", "logs:DescribeSubscriptionFilters"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_cloudwatchlogs, ctx, "logs");
            let groups = list_items(client.describe_log_groups().into_paginator().send(), |page| {
                page.log_groups.unwrap_or_default()
            });
            let (reads, listing_error) = fetch_all(groups, ctx.concurrency(), |group| {
                read_group(self, ctx, &client, group)
            })
            .await;
            let mut out = WiringRead::default();
            for (usages, error) in reads {
                out.usages.extend(usages);
                out.errors.extend(error);
            }
            if let Some(reason) = listing_error {
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
            }
            out
        })
    }
}

/// One log group's subscription filters' uses.
async fn read_group(
    kind: &LogSubscriptions,
    ctx: &RegionContext<'_>,
    client: &aws_sdk_cloudwatchlogs::Client,
    group: LogGroup,
) -> (Vec<Usage>, Option<ScanError>) {
    let Some(name) = group.log_group_name else {
        return (Vec::new(), None);
    };
    let group_arn = group_arn(ctx, &name);
    let mut usages = Vec::new();
    let filters = list_items(
        client
            .describe_subscription_filters()
            .log_group_name(&name)
            .into_paginator()
            .send(),
        |page| page.subscription_filters.unwrap_or_default(),
    );
    let mut filters = std::pin::pin!(filters);
    while let Some(filter) = filters.next().await {
        let filter = match filter {
            Ok(filter) => filter,
            Err(reason) => {
                let error = read_error(
                    ctx,
                    kind,
                    "logs",
                    &group_arn,
                    "DescribeSubscriptionFilters",
                    reason,
                );
                return (usages, Some(error));
            }
        };
        if let Some(destination) = filter.destination_arn {
            // The Lambda permission for a subscription names the group with
            // `:*`: `aws lambda add-permission ... --principal "logs.amazonaws.com"
            // --source-arn "arn:aws:logs:region:123456789123:log-group:TestLambda:*"`
            // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample;
            // not retrieved here; Elastic's forwarder docs give the same form,
            // https://elastic.co/guide/en/observability/7.17/lambda-policy-cloudwatch.html).
            if target_type(&destination) == Some(ResourceType::LambdaFunction) {
                usages.push(usage(
                    ctx,
                    kind,
                    PRINCIPAL,
                    Some(format!("{group_arn}:*")),
                    destination,
                ));
            }
        }
        if let Some(role) = filter.role_arn {
            // The role CloudWatch Logs assumes to deliver (Kinesis, Firehose):
            // AWS documents the account-wide pattern for its trust policy,
            // "StringLike": {"aws:SourceArn": "arn:aws:logs:region:123456789012:*"}
            // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Subscriptions-confused-deputy.html).
            if target_type(&role) == Some(ResourceType::IamRole) {
                let pattern = format!(
                    "arn:{}:logs:{}:{}:*",
                    ctx.partition(),
                    ctx.region,
                    ctx.account_id()
                );
                usages.push(usage(ctx, kind, PRINCIPAL, Some(pattern), role));
            }
        }
    }
    (usages, None)
}

/// A log group's own ARN. (Its `arn` field ends in `:*`, the form for log
/// streams; `logGroupArn`, when sent, is this.)
pub(super) fn group_arn(ctx: &RegionContext<'_>, name: &str) -> String {
    format!(
        "arn:{}:logs:{}:{}:log-group:{}",
        ctx.partition(),
        ctx.region,
        ctx.account_id(),
        name
    )
}
