//! EventBridge event buses. ListEventBuses already returns each bus's `Policy`,
//! so no DescribeEventBus call is made per bus.

use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::StreamExt;

use super::{
    describe_sdk_error, listing_error, token_pages, BoxFuture, Collected, Collector, RegionContext,
    Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct EventBuses;

impl Collector for EventBuses {
    fn service(&self) -> &'static str {
        "events"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::EventBus
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "ListEventBuses"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["events:ListEventBuses"]
    }

    fn scope_suffix(&self) -> &'static str {
        "event-bus/*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_eventbridge::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_eventbridge::Client::from_conf(config);
            let buses = token_pages(|token| {
                let request = client.list_event_buses().limit(100).set_next_token(token);
                async move {
                    let page = request.send().await.map_err(|e| describe_sdk_error(&e))?;
                    // Every region has the default bus: no list at all is not
                    // an empty region.
                    let buses = page.event_buses.ok_or_else(|| {
                        super::answers::missing_member(
                            "ListEventBuses",
                            "an EventBuses list",
                            "every region has the default event bus",
                        )
                    })?;
                    Ok((buses, page.next_token))
                }
            });
            buses
                .map(|bus| match bus {
                    Ok(bus) => Collected::Resource(ResourcePolicy {
                        arn: bus.arn.unwrap_or_default(),
                        resource_type: ResourceType::EventBus,
                        account_id: ctx.account_id().to_string(),
                        region: ctx.region.clone(),
                        policy: bus.policy,
                        aws_managed: None,
                    }),
                    Err(reason) => {
                        Collected::ListingFailed(listing_error(ctx, self, "ListEventBuses", reason))
                    }
                })
                .collect()
                .await
        })
    }
}
