//! Lambda function policies. Each function, each of its published versions and
//! each alias can carry its own resource policy, so per function: GetPolicy on
//! the function, then ListVersionsByFunction and ListAliases, and GetPolicy on
//! every version and alias. `ResourceNotFoundException` from GetPolicy means
//! "no policy", not an error.

use aws_sdk_lambda::operation::get_policy::GetPolicyError;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::StreamExt;

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct LambdaFunctions;

impl Collector for LambdaFunctions {
    fn service(&self) -> &'static str {
        "lambda"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::LambdaFunction
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetPolicy"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &[
            "lambda:ListFunctions",
            "lambda:ListVersionsByFunction",
            "lambda:ListAliases",
            "lambda:GetPolicy",
        ]
    }

    fn scope_suffix(&self) -> &'static str {
        "function:*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_lambda::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_lambda::Client::from_conf(config);
            let functions = list_items(client.list_functions().into_paginator().send(), |page| {
                page.functions
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|f| f.function_arn)
            });
            let on_list_error = |reason| listing_error(ctx, self, "ListFunctions", reason);
            fetch_each(functions, ctx.concurrency(), on_list_error, |arn| {
                let client = client.clone();
                async move { read_function(ctx, &client, arn).await }
            })
            .await
        })
    }
}

/// The function's policy and those of its versions and aliases.
async fn read_function(
    ctx: &RegionContext<'_>,
    client: &aws_sdk_lambda::Client,
    function_arn: String,
) -> Vec<Collected> {
    let mut out = vec![read_policy(ctx, client, &function_arn, None).await];

    let versions = list_items(
        client
            .list_versions_by_function()
            .function_name(&function_arn)
            .into_paginator()
            .send(),
        |page| {
            page.versions
                .unwrap_or_default()
                .into_iter()
                .filter_map(|v| v.version)
        },
    );
    let aliases = list_items(
        client
            .list_aliases()
            .function_name(&function_arn)
            .into_paginator()
            .send(),
        |page| {
            page.aliases
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.name)
        },
    );
    // `$LATEST` shares the function's own policy, read above.
    let qualifiers: Vec<(Result<String, String>, &str)> = versions
        .map(|v| (v, "ListVersionsByFunction"))
        .chain(aliases.map(|a| (a, "ListAliases")))
        .collect()
        .await;
    let mut reads = Vec::new();
    for (qualifier, operation) in qualifiers {
        match qualifier {
            Ok(q) if q == "$LATEST" => {}
            Ok(q) => reads.push(q),
            Err(reason) => out.push(Collected::ListingFailed(resource_error(
                ctx,
                ResourceType::LambdaFunction,
                format!("{function_arn}:*"),
                operation,
                reason,
            ))),
        }
    }
    let function_arn = function_arn.as_str();
    let qualified = futures::stream::iter(reads)
        .map(|q| async move { read_policy(ctx, client, function_arn, Some(&q)).await })
        .buffer_unordered(ctx.concurrency().max(1))
        .collect::<Vec<_>>()
        .await;
    out.extend(qualified);
    out
}

async fn read_policy(
    ctx: &RegionContext<'_>,
    client: &aws_sdk_lambda::Client,
    function_arn: &str,
    qualifier: Option<&str>,
) -> Collected {
    let arn = match qualifier {
        Some(q) => format!("{function_arn}:{q}"),
        None => function_arn.to_string(),
    };
    let result = client
        .get_policy()
        .function_name(function_arn)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await;
    let policy = match result {
        // No policy is a 404 (below): a 200 carries one.
        Ok(output) if output.policy.is_none() => {
            return Collected::Unreadable(resource_error(
                ctx,
                ResourceType::LambdaFunction,
                arn,
                "GetPolicy",
                super::answers::missing_member(
                    "GetPolicy",
                    "a Policy",
                    "a function without one answers 404",
                ),
            ))
        }
        Ok(output) => output.policy,
        Err(err) if is_not_found(&err) => None,
        Err(err) => {
            return Collected::Unreadable(resource_error(
                ctx,
                ResourceType::LambdaFunction,
                arn,
                "GetPolicy",
                describe_sdk_error(&err),
            ))
        }
    };
    Collected::Resource(ResourcePolicy {
        arn,
        resource_type: ResourceType::LambdaFunction,
        account_id: ctx.account_id().to_string(),
        region: ctx.region.clone(),
        policy,
        aws_managed: None,
    })
}

fn is_not_found<R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<GetPolicyError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| matches!(e, GetPolicyError::ResourceNotFoundException(_)))
}
