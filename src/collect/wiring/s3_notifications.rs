//! `s3-notifications`: which bucket notifies which topic, queue or function.
//! ListBuckets once per account, then GetBucketNotificationConfiguration per
//! bucket of a scanned region, sent to the bucket's own region.
//!
//! Only buckets in scanned regions are read: a notification's destination
//! lives in the bucket's region, so a bucket elsewhere cannot use a grant of
//! a resource that was scanned. "The Amazon SNS topic must be in the same
//! region as your Amazon S3 bucket"
//! (https://github.com/awsdocs/amazon-s3-user-guide/blob/master/doc_source/setup-event-notification-destination.md,
//! AWS's source of the S3 user guide page "Event notification destinations");
//! the same page says it of the SQS queue; for the Lambda function: unverified.

use aws_sdk_s3::types::Bucket;
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{read_error, usage, WiringRead, WiringSource};
use crate::collect::s3::{bucket_region, RegionalClients};
use crate::collect::{describe_sdk_error, fetch_all, list_items, BoxFuture, RegionContext, Scope};

pub(super) struct S3Notifications;

/// S3 sends as `s3.amazonaws.com` with `aws:SourceArn` = the bucket's ARN
/// ("ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:bucket-name"},
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).
const PRINCIPAL: &str = "s3.amazonaws.com";

impl WiringSource for S3Notifications {
    fn kind(&self) -> &'static str {
        "s3-notifications"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::SnsTopic),
            (PRINCIPAL, ResourceType::SqsQueue),
            (PRINCIPAL, ResourceType::LambdaFunction),
        ]
    }
    // ListBuckets answers for every region at once.
    fn scope(&self) -> Scope {
        Scope::Global
    }
    fn permissions(&self) -> &'static [&'static str] {
        &[
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            // The IAM action of GetBucketNotificationConfiguration.
            "s3:GetBucketNotification",
        ]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let clients = RegionalClients::new(ctx);
            let lister = clients.for_region(&ctx.region);
            let buckets = list_items(lister.list_buckets().into_paginator().send(), |page| {
                page.buckets.unwrap_or_default()
            });
            let (reads, listing_error) =
                fetch_all(buckets, ctx.concurrency(), |bucket| {
                    read_bucket(self, ctx, &clients, bucket)
                })
                .await;
            let mut out = WiringRead::default();
            for read in reads {
                match read {
                    Ok(usages) => out.usages.extend(usages),
                    Err(error) => out.errors.push(error),
                }
            }
            if let Some(reason) = listing_error {
                let scope = format!("arn:{}:s3:::*", ctx.partition());
                out.errors
                    .push(read_error(ctx, self, "s3", scope, "ListBuckets", reason));
            }
            out
        })
    }
}

async fn read_bucket(
    kind: &S3Notifications,
    ctx: &RegionContext<'_>,
    clients: &RegionalClients<'_>,
    bucket: Bucket,
) -> Result<Vec<Usage>, crate::collect::ScanError> {
    let name = bucket.name.unwrap_or_default();
    let arn = format!("arn:{}:s3:::{}", ctx.partition(), name);
    let region = bucket_region(ctx, clients, &name, bucket.bucket_region)
        .await
        .map_err(|reason| read_error(ctx, kind, "s3", &arn, "GetBucketLocation", reason))?;
    if !ctx.scanned_regions.contains(&region) {
        return Ok(Vec::new());
    }
    let config = clients
        .for_region(&region)
        .get_bucket_notification_configuration()
        .bucket(&name)
        .send()
        .await
        .map_err(|err| {
            let mut error = read_error(
                ctx,
                kind,
                "s3",
                &arn,
                "GetBucketNotificationConfiguration",
                describe_sdk_error(&err),
            );
            error.region = region.clone();
            error
        })?;
    let targets = config
        .topic_configurations
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.topic_arn)
        .chain(
            config
                .queue_configurations
                .unwrap_or_default()
                .into_iter()
                .map(|q| q.queue_arn),
        )
        .chain(
            config
                .lambda_function_configurations
                .unwrap_or_default()
                .into_iter()
                .map(|l| l.lambda_function_arn),
        );
    Ok(targets
        .map(|target| Usage {
            // A bucket ARN carries neither account nor region: both are the
            // bucket's own.
            source_region: region.clone(),
            ..usage(ctx, kind, PRINCIPAL, Some(arn.clone()), target)
        })
        .collect())
}
