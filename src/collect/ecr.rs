//! ECR repositories: DescribeRepositories (paginated), then one GetRepositoryPolicy per
//! repository. `RepositoryPolicyNotFoundException` means the repository has no policy;
//! every other failure is a per-resource error.

use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyError;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct EcrRepositories;

impl Collector for EcrRepositories {
    fn service(&self) -> &'static str {
        "ecr"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::EcrRepository
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn policy_operation(&self) -> &'static str {
        "GetRepositoryPolicy"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["ecr:DescribeRepositories", "ecr:GetRepositoryPolicy"]
    }
    fn scope_suffix(&self) -> &'static str {
        "repository/*"
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_ecr::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_ecr::Client::from_conf(config);
            let repositories = list_items(
                client
                    .describe_repositories()
                    .max_results(1000)
                    .into_paginator()
                    .send(),
                |page| {
                    page.repositories
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|r| Some((r.repository_name?, r.repository_arn)))
                },
            );
            let on_list_error = |reason| listing_error(ctx, self, "DescribeRepositories", reason);
            fetch_each(
                repositories,
                ctx.concurrency(),
                on_list_error,
                |(name, arn)| {
                    let client = client.clone();
                    async move { read_repository(ctx, &client, name, arn).await }
                },
            )
            .await
        })
    }
}

async fn read_repository(
    ctx: &RegionContext<'_>,
    client: &aws_sdk_ecr::Client,
    name: String,
    arn: Option<String>,
) -> Collected {
    let arn = arn.unwrap_or_else(|| repository_arn(ctx, &name));
    let result = client
        .get_repository_policy()
        .repository_name(&name)
        .send()
        .await;
    let policy = match result {
        Ok(output) => output.policy_text,
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
                    _
                ))
            ) =>
        {
            None
        }
        Err(err) => {
            return Collected::Unreadable(resource_error(
                ctx,
                ResourceType::EcrRepository,
                arn,
                "GetRepositoryPolicy",
                describe_sdk_error(&err),
            ))
        }
    };
    Collected::Resource(ResourcePolicy {
        arn,
        resource_type: ResourceType::EcrRepository,
        account_id: ctx.account_id().to_string(),
        region: ctx.region.clone(),
        policy,
        aws_managed: None,
    })
}

/// Used only when DescribeRepositories returned a repository without its ARN.
fn repository_arn(ctx: &RegionContext<'_>, name: &str) -> String {
    format!(
        "arn:{}:ecr:{}:{}:repository/{}",
        ctx.partition(),
        ctx.region,
        ctx.account_id(),
        name
    )
}

#[cfg(test)]
mod guard_tests {
    use crate::collect::ReadOnlyGuard;

    /// The read-only guard proof for ECR: a policy write fails before it is sent (the
    /// endpoint is a closed port, so reaching the network would give another error),
    /// while the two reads the collector makes pass the guard.
    #[tokio::test]
    async fn guarded_ecr_client_refuses_writes_before_sending() {
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                "AKID", "secret", None, None, "test",
            ))
            .retry_config(aws_sdk_ecr::config::retry::RetryConfig::disabled())
            .interceptor(ReadOnlyGuard)
            .build();
        let client = aws_sdk_ecr::Client::from_conf(config);
        let err = client
            .set_repository_policy()
            .repository_name("r")
            .policy_text("{}")
            .send()
            .await
            .unwrap_err();
        let text = format!("{err:?}");
        assert!(
            text.contains("refusing to call") && text.contains("SetRepositoryPolicy"),
            "{text}"
        );
        let err = client.describe_repositories().send().await.unwrap_err();
        assert!(!format!("{err:?}").contains("refusing to call"));
        let err = client
            .get_repository_policy()
            .repository_name("r")
            .send()
            .await
            .unwrap_err();
        assert!(!format!("{err:?}").contains("refusing to call"));
    }
}
