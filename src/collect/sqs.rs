//! SQS queues: ListQueues, then one GetQueueAttributes(Policy, QueueArn) per queue.

use aws_sdk_sqs::types::QueueAttributeName;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct SqsQueues;

impl Collector for SqsQueues {
    fn service(&self) -> &'static str {
        "sqs"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::SqsQueue
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetQueueAttributes"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["sqs:ListQueues", "sqs:GetQueueAttributes"]
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_sqs::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_sqs::Client::from_conf(config);
            let urls = list_items(
                client
                    .list_queues()
                    .max_results(1000)
                    .into_paginator()
                    .send(),
                |page| page.queue_urls.unwrap_or_default(),
            );
            let on_list_error = |reason| listing_error(ctx, self, "ListQueues", reason);
            fetch_each(urls, ctx.concurrency(), on_list_error, |url| {
                let client = client.clone();
                async move { read_queue(ctx, &client, url).await }
            })
            .await
        })
    }
}

async fn read_queue(
    ctx: &RegionContext<'_>,
    client: &aws_sdk_sqs::Client,
    url: String,
) -> Collected {
    let fallback_arn = queue_arn_from_url(ctx, &url);
    let result = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::Policy)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await;
    match result {
        Ok(output) => {
            let mut attributes = output.attributes.unwrap_or_default();
            // QueueArn was asked for and every queue has one: an answer without
            // it is not an answer about this queue's policy either.
            let Some(arn) = attributes.remove(&QueueAttributeName::QueueArn) else {
                return Collected::Unreadable(resource_error(
                    ctx,
                    ResourceType::SqsQueue,
                    fallback_arn,
                    "GetQueueAttributes",
                    super::answers::missing_member(
                        "GetQueueAttributes",
                        "the QueueArn attribute",
                        "it was requested and every queue has one",
                    ),
                ));
            };
            Collected::Resource(ResourcePolicy {
                arn,
                resource_type: ResourceType::SqsQueue,
                account_id: ctx.account_id().to_string(),
                region: ctx.region.clone(),
                policy: attributes.remove(&QueueAttributeName::Policy),
                aws_managed: None,
            })
        }
        Err(err) => Collected::Unreadable(resource_error(
            ctx,
            ResourceType::SqsQueue,
            fallback_arn,
            "GetQueueAttributes",
            describe_sdk_error(&err),
        )),
    }
}

/// A queue URL ends in `/<account>/<name>`; the ARN is built from those when the
/// queue's own attributes cannot be read, so an error still names the queue.
fn queue_arn_from_url(ctx: &RegionContext<'_>, url: &str) -> String {
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let name = segments.next().unwrap_or(url);
    let account = segments
        .next()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(ctx.account_id());
    format!(
        "arn:{}:sqs:{}:{}:{}",
        ctx.partition(),
        ctx.region,
        account,
        name
    )
}
