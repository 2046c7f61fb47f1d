//! `sns-subscriptions`: which topic delivers to which queue or function.
//! ListSubscriptions, one paginated listing per region.

use deputy_audit_analyze::ResourceType;
use futures::StreamExt;

use super::{read_error, target_type, usage, WiringRead, WiringSource};
use crate::collect::{list_items, BoxFuture, RegionContext, Scope};

pub(super) struct SnsSubscriptions;

/// SNS delivers as `sns.amazonaws.com` with `aws:SourceArn` = the topic's ARN:
/// the queue policy AWS's SDK writes when subscribing a queue has
/// "ArnLike": {"aws:SourceArn": ["arn:aws:sns:us-west-2:599109622955:myTopic"]}
/// (https://docs.aws.amazon.com/sdkfornet/v4/apidocs/items/SNS/MSNSSubscribeQueueStringICoreSQSString.html).
/// For a Lambda endpoint, `lambda add-permission --principal sns.amazonaws.com
/// --source-arn TOPIC` (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html:
/// URL not retrieved here, unverified).
const PRINCIPAL: &str = "sns.amazonaws.com";

impl WiringSource for SnsSubscriptions {
    fn kind(&self) -> &'static str {
        "sns-subscriptions"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::SqsQueue),
            (PRINCIPAL, ResourceType::LambdaFunction),
        ]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["sns:ListSubscriptions"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_sns, ctx, "sns");
            let mut subscriptions = std::pin::pin!(list_items(
                client.list_subscriptions().into_paginator().send(),
                |page| page.subscriptions.unwrap_or_default()
            ));
            let mut out = WiringRead::default();
            while let Some(item) = subscriptions.next().await {
                let subscription = match item {
                    Ok(subscription) => subscription,
                    Err(reason) => {
                        let scope = format!(
                            "arn:{}:sns:{}:{}:*",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id()
                        );
                        out.errors.push(read_error(
                            ctx,
                            self,
                            "sns",
                            scope,
                            "ListSubscriptions",
                            reason,
                        ));
                        break;
                    }
                };
                // A subscription still pending confirmation counts as a use:
                // SNS delivers the confirmation message itself through the
                // grant, and the owner set it up to be used.
                let (Some(protocol), Some(endpoint), Some(topic)) = (
                    subscription.protocol,
                    subscription.endpoint,
                    subscription.topic_arn,
                ) else {
                    continue;
                };
                // The endpoint is the queue's ARN, or the function's ARN as
                // subscribed (with a version or alias qualifier when one was
                // given): the Lambda collector names qualified policies
                // `FUNCTION_ARN:QUALIFIER` too, so the use lands on the
                // policy SNS's invocation is checked against.
                let expected = match protocol.as_str() {
                    "sqs" => ResourceType::SqsQueue,
                    "lambda" => ResourceType::LambdaFunction,
                    _ => continue,
                };
                if target_type(&endpoint) == Some(expected) {
                    out.usages
                        .push(usage(ctx, self, PRINCIPAL, Some(topic), endpoint));
                }
            }
            out
        })
    }
}
