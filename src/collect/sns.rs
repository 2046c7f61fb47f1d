//! SNS topics: ListTopics, then one GetTopicAttributes per topic.

use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct SnsTopics;

impl Collector for SnsTopics {
    fn service(&self) -> &'static str {
        "sns"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::SnsTopic
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetTopicAttributes"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["sns:ListTopics", "sns:GetTopicAttributes"]
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_sns::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_sns::Client::from_conf(config);
            let arns = list_items(client.list_topics().into_paginator().send(), |page| {
                page.topics
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|t| t.topic_arn)
            });
            let on_list_error = |reason| listing_error(ctx, self, "ListTopics", reason);
            fetch_each(arns, ctx.concurrency(), on_list_error, |arn| {
                let client = client.clone();
                async move {
                    match client.get_topic_attributes().topic_arn(&arn).send().await {
                        Ok(output) => Collected::Resource(ResourcePolicy {
                            policy: output.attributes.unwrap_or_default().remove("Policy"),
                            arn,
                            resource_type: ResourceType::SnsTopic,
                            account_id: ctx.account_id().to_string(),
                            region: ctx.region.clone(),
                            aws_managed: None,
                        }),
                        Err(err) => Collected::Unreadable(resource_error(
                            ctx,
                            ResourceType::SnsTopic,
                            arn,
                            "GetTopicAttributes",
                            describe_sdk_error(&err),
                        )),
                    }
                }
            })
            .await
        })
    }
}
