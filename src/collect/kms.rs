//! KMS keys: ListKeys, then GetKeyPolicy("default") per key. ListAliases tells
//! which keys are AWS-managed (alias `aws/...`): their policies cannot be
//! changed, so findings on them are marked rather than hidden.

use std::collections::HashSet;

use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::StreamExt;

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::answers::missing_member;
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct KmsKeys;

impl Collector for KmsKeys {
    fn service(&self) -> &'static str {
        "kms"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::KmsKey
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetKeyPolicy"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["kms:ListKeys", "kms:ListAliases", "kms:GetKeyPolicy"]
    }

    fn scope_suffix(&self) -> &'static str {
        "key/*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_kms::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_kms::Client::from_conf(config);
            let mut out = Vec::new();

            // Which keys AWS manages. If aliases cannot be listed, keys are still
            // assessed; the failure is recorded so "not marked" is not mistaken for
            // "customer-managed".
            let mut aws_managed = HashSet::new();
            let mut aliases = list_items(client.list_aliases().into_paginator().send(), |page| {
                page.aliases.unwrap_or_default()
            });
            while let Some(alias) = aliases.next().await {
                match alias {
                    Ok(alias) => {
                        if alias
                            .alias_name()
                            .is_some_and(|n| n.starts_with("alias/aws/"))
                        {
                            aws_managed.extend(alias.target_key_id);
                        }
                    }
                    Err(reason) => {
                        out.push(Collected::ListingFailed(listing_error(
                            ctx,
                            self,
                            "ListAliases",
                            reason,
                        )));
                        break;
                    }
                }
            }

            let keys = list_items(
                client.list_keys().limit(1000).into_paginator().send(),
                |page| page.keys.unwrap_or_default(),
            );
            let on_list_error = |reason| listing_error(ctx, self, "ListKeys", reason);
            let aws_managed = &aws_managed;
            let keys = fetch_each(keys, ctx.concurrency(), on_list_error, |key| {
                let client = client.clone();
                async move {
                    let key_id = key.key_id.unwrap_or_default();
                    let arn = key.key_arn.unwrap_or_else(|| {
                        format!(
                            "arn:{}:kms:{}:{}:key/{}",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id(),
                            key_id
                        )
                    });
                    match client
                        .get_key_policy()
                        .key_id(&key_id)
                        .policy_name("default")
                        .send()
                        .await
                    {
                        // A key always has a key policy.
                        Ok(output) if output.policy.is_none() => {
                            Collected::Unreadable(resource_error(
                                ctx,
                                ResourceType::KmsKey,
                                arn,
                                "GetKeyPolicy",
                                missing_member(
                                    "GetKeyPolicy",
                                    "a Policy",
                                    "every key has a key policy",
                                ),
                            ))
                        }
                        Ok(output) => Collected::Resource(ResourcePolicy {
                            arn,
                            resource_type: ResourceType::KmsKey,
                            account_id: ctx.account_id().to_string(),
                            region: ctx.region.clone(),
                            policy: output.policy,
                            // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html:
                            // "you can only change the key policy for a customer managed key"
                            aws_managed: aws_managed.contains(&key_id).then(|| {
                                "AWS managed key (alias aws/...): AWS owns its key policy, which cannot be changed".to_string()
                            }),
                        }),
                        Err(err) => Collected::Unreadable(resource_error(
                            ctx,
                            ResourceType::KmsKey,
                            arn,
                            "GetKeyPolicy",
                            describe_sdk_error(&err),
                        )),
                    }
                }
            })
            .await;
            out.extend(keys);
            out
        })
    }
}
