//! S3 buckets: ListBuckets (all regions at once), then GetBucketPolicy per
//! bucket, sent to the bucket's own region. A bucket without a policy answers
//! `NoSuchBucketPolicy`, which means "no policy", not an error.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError;
use aws_sdk_s3::types::Bucket;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::{
    describe_sdk_error, fetch_each, list_items, listing_error, resource_error, BoxFuture,
    Collected, Collector, RegionContext, ScanError, Scope,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct S3Buckets;

impl Collector for S3Buckets {
    fn service(&self) -> &'static str {
        "s3"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::S3Bucket
    }
    // ListBuckets returns every bucket of the account whatever the region it is
    // sent to, so buckets are listed once; each is then read in its own region.
    fn scope(&self) -> Scope {
        Scope::Global
    }
    fn policy_operation(&self) -> &'static str {
        "GetBucketPolicy"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &[
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicy",
        ]
    }

    // Bucket ARNs carry neither region nor account.
    fn listing_scope(&self, ctx: &RegionContext<'_>) -> String {
        format!("arn:{}:s3:::*", ctx.partition())
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let clients = RegionalClients::new(ctx);
            let lister = clients.for_region(&ctx.region);
            let buckets = list_items(lister.list_buckets().into_paginator().send(), |page| {
                page.buckets.unwrap_or_default()
            });
            let on_list_error = |reason| listing_error(ctx, self, "ListBuckets", reason);
            fetch_each(buckets, ctx.concurrency(), on_list_error, |bucket| {
                read_bucket(ctx, &clients, bucket)
            })
            .await
        })
    }
}

async fn read_bucket(
    ctx: &RegionContext<'_>,
    clients: &RegionalClients<'_>,
    bucket: Bucket,
) -> Collected {
    let name = bucket.name.unwrap_or_default();
    let arn = format!("arn:{}:s3:::{}", ctx.partition(), name);
    let unreadable = |region: &str, operation: &str, reason: String| {
        Collected::Unreadable(ScanError {
            region: region.to_string(),
            ..resource_error(ctx, ResourceType::S3Bucket, arn.clone(), operation, reason)
        })
    };
    let region = match bucket_region(ctx, clients, &name, bucket.bucket_region).await {
        Ok(region) => region,
        Err(reason) => return unreadable(&ctx.region, "GetBucketLocation", reason),
    };
    let policy = match clients
        .for_region(&region)
        .get_bucket_policy()
        .bucket(&name)
        .send()
        .await
    {
        Ok(out) => out.policy,
        Err(err) if is_no_such_policy(&err) => None,
        Err(err) => return unreadable(&region, "GetBucketPolicy", describe_sdk_error(&err)),
    };
    Collected::Resource(ResourcePolicy {
        arn,
        resource_type: ResourceType::S3Bucket,
        account_id: ctx.account_id().to_string(),
        region,
        policy,
        aws_managed: None,
    })
}

/// The bucket's region: the one ListBuckets reported (`listed`) or, from older
/// endpoints that do not, GetBucketLocation's answer (an empty constraint
/// means us-east-1). The error is the call's one-line reason.
pub(super) async fn bucket_region(
    ctx: &RegionContext<'_>,
    clients: &RegionalClients<'_>,
    name: &str,
    listed: Option<String>,
) -> Result<String, String> {
    if let Some(region) = listed {
        return Ok(region);
    }
    match clients
        .for_region(&ctx.region)
        .get_bucket_location()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .location_constraint
            .map(|c| c.as_str().to_string())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "us-east-1".to_string())),
        Err(err) => Err(describe_sdk_error(&err)),
    }
}

fn is_no_such_policy<R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<GetBucketPolicyError, R>,
) -> bool {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "NoSuchBucketPolicy")
}

/// One S3 client per region, built on first use and shared by every bucket
/// there (clients share the HTTP connection pool and credentials cache).
pub(super) struct RegionalClients<'a> {
    ctx: &'a RegionContext<'a>,
    clients: Mutex<HashMap<String, aws_sdk_s3::Client>>,
}

impl<'a> RegionalClients<'a> {
    pub(super) fn new(ctx: &'a RegionContext<'a>) -> Self {
        RegionalClients {
            ctx,
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn for_region(&self, region: &str) -> aws_sdk_s3::Client {
        // A poisoned lock only means another task panicked while inserting; the
        // map itself is still usable.
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let config =
                    aws_sdk_s3::config::Builder::from(&self.ctx.session.sdk_config_for(region))
                        // A custom endpoint (LocalStack) cannot serve virtual-hosted
                        // bucket names such as `bucket.127.0.0.1`.
                        .force_path_style(self.ctx.session.has_custom_endpoint())
                        .interceptor(ReadOnlyGuard)
                        .interceptor(EmptyAnswerGuard)
                        .retry_partition(super::retry::retry_partition("s3", region))
                        .build();
                aws_sdk_s3::Client::from_conf(config)
            })
            .clone()
    }
}
