//! CloudWatch Logs resource policies: account-level (and, newer, resource-scoped)
//! policies listed per region by DescribeResourcePolicies, policy text included.
//! Account-level policies have no ARN of their own; they are named
//! `arn:<partition>:logs:<region>:<account>:resource-policy/<name>` in reports.

use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::StreamExt;

use super::{
    describe_sdk_error, listing_error, token_pages, BoxFuture, Collected, Collector, RegionContext,
    Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct LogsResourcePolicies;

impl Collector for LogsResourcePolicies {
    fn service(&self) -> &'static str {
        "logs"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::LogsResourcePolicy
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "DescribeResourcePolicies"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["logs:DescribeResourcePolicies"]
    }

    fn scope_suffix(&self) -> &'static str {
        "resource-policy/*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_cloudwatchlogs::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_cloudwatchlogs::Client::from_conf(config);
            let policies = token_pages(|token| {
                let request = client
                    .describe_resource_policies()
                    .limit(50)
                    .set_next_token(token);
                async move {
                    let page = request.send().await.map_err(|e| describe_sdk_error(&e))?;
                    Ok((page.resource_policies.unwrap_or_default(), page.next_token))
                }
            });
            let base = format!(
                "arn:{}:logs:{}:{}:resource-policy/",
                ctx.partition(),
                ctx.region,
                ctx.account_id()
            );
            policies
                .map(|policy| match policy {
                    Ok(policy) => Collected::Resource(ResourcePolicy {
                        arn: policy.resource_arn.clone().unwrap_or_else(|| {
                            format!("{base}{}", policy.policy_name.as_deref().unwrap_or(""))
                        }),
                        resource_type: ResourceType::LogsResourcePolicy,
                        account_id: ctx.account_id().to_string(),
                        region: ctx.region.clone(),
                        policy: policy.policy_document,
                        aws_managed: None,
                    }),
                    Err(reason) => Collected::ListingFailed(listing_error(
                        ctx,
                        self,
                        "DescribeResourcePolicies",
                        reason,
                    )),
                })
                .collect()
                .await
        })
    }
}
