//! Secrets Manager secrets: ListSecrets, then GetResourcePolicy per secret.

use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct Secrets;

impl Collector for Secrets {
    fn service(&self) -> &'static str {
        "secretsmanager"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::SecretsManagerSecret
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetResourcePolicy"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &[
            "secretsmanager:ListSecrets",
            "secretsmanager:GetResourcePolicy",
        ]
    }

    fn scope_suffix(&self) -> &'static str {
        "secret:*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_secretsmanager::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_secretsmanager::Client::from_conf(config);
            let arns = list_items(
                client
                    .list_secrets()
                    .max_results(100)
                    .into_paginator()
                    .send(),
                |page| {
                    page.secret_list
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| s.arn)
                },
            );
            let on_list_error = |reason| listing_error(ctx, self, "ListSecrets", reason);
            fetch_each(arns, ctx.concurrency(), on_list_error, |arn| {
                let client = client.clone();
                async move {
                    match client.get_resource_policy().secret_id(&arn).send().await {
                        // ARN and Name always come back, with or without a policy.
                        Ok(output) if output.arn.is_none() && output.name.is_none() => {
                            Collected::Unreadable(resource_error(
                                ctx,
                                ResourceType::SecretsManagerSecret,
                                arn,
                                "GetResourcePolicy",
                                super::answers::missing_member(
                                    "GetResourcePolicy",
                                    "the secret's ARN and Name",
                                    "they come back whether or not there is a policy",
                                ),
                            ))
                        }
                        Ok(output) => Collected::Resource(ResourcePolicy {
                            arn,
                            resource_type: ResourceType::SecretsManagerSecret,
                            account_id: ctx.account_id().to_string(),
                            region: ctx.region.clone(),
                            policy: output.resource_policy,
                            aws_managed: None,
                        }),
                        Err(err) => Collected::Unreadable(resource_error(
                            ctx,
                            ResourceType::SecretsManagerSecret,
                            arn,
                            "GetResourcePolicy",
                            describe_sdk_error(&err),
                        )),
                    }
                }
            })
            .await
        })
    }
}
