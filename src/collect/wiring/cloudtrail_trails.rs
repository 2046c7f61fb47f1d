//! CloudTrail trails: DescribeTrails in every region. A trail writes its log
//! files to a bucket, encrypts them with a KMS key, notifies a topic and sends
//! events to CloudWatch Logs through a role; each of those lets
//! `cloudtrail.amazonaws.com` in, and the trail's ARN is what `aws:SourceArn`
//! carries. The trail's ARN names its HOME region: a bucket in another region
//! (or a multi-region trail's shadow seen elsewhere) must still be pinned to it.
//!
//! - Bucket: "The value of aws:SourceArn is always the ARN of the trail (or array
//!   of trail ARNs) that is using the bucket to store logs"
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html>).
//! - Key: "add an aws:SourceArn condition key to the KMS key policy ... helps
//!   ensure that CloudTrail uses the KMS key only for a specific trail or trails"
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html>);
//!   the key's own pin, `kms:EncryptionContext:aws:cloudtrail:arn`, carries
//!   trail ARNs too
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail-encrypt.html>).
//! - Topic: the "Security best practice for SNS topic policy" section pins
//!   `cloudtrail.amazonaws.com` with `aws:SourceArn` = the trail's ARN
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html>).
//! - CloudWatch Logs role: CloudTrail assumes it, but "Confused deputy prevention
//!   is not applicable to the role policy for CloudWatch Logs monitoring. The role
//!   policy doesn't support the use of aws:SourceArn and aws:SourceAccount"
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html>):
//!   the use is recorded (the trust is in use) with `source_arn: None`.
//!
//! Shadow trails: `includeShadowTrails` is left on, since a multi-region trail is
//! listed in every region ("replications of a trail in a Region other than the
//! home Region", DescribeTrails API reference) and its home region may not be
//! among the scanned ones; its uses then come back identical from every region
//! (same trail ARN, home region as `source_region`), so the scan keeps one of each.
//! Organization trails: a member account sees the management account's
//! organization trail, whose ARN names the management account; only trails whose
//! ARN names the scanned account are recorded here, the organization trail's uses
//! being recorded when its own (management) account is scanned.

use aws_sdk_cloudtrail::types::Trail;
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::config_delivery::is_key_arn;
use super::{read_error, WiringRead, WiringSource};
use crate::collect::{describe_sdk_error, BoxFuture, RegionContext, ScanError, Scope};

const PRINCIPAL: &str = "cloudtrail.amazonaws.com";
const KIND: &str = "cloudtrail-trails";

pub(super) struct CloudTrailTrails;

impl WiringSource for CloudTrailTrails {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::S3Bucket),
            (PRINCIPAL, ResourceType::KmsKey),
            (PRINCIPAL, ResourceType::SnsTopic),
            (PRINCIPAL, ResourceType::IamRole),
        ]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["cloudtrail:DescribeTrails"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_cloudtrail, ctx, "cloudtrail");
            // One answer: DescribeTrails is not paginated.
            match client
                .describe_trails()
                .include_shadow_trails(true)
                .send()
                .await
            {
                Ok(output) => trail_usages(
                    &output.trail_list.unwrap_or_default(),
                    ctx.partition(),
                    ctx.account_id(),
                    &ctx.region,
                ),
                Err(err) => WiringRead {
                    usages: Vec::new(),
                    errors: vec![read_error(
                        ctx,
                        self,
                        "cloudtrail",
                        format!(
                            "arn:{}:cloudtrail:{}:{}:trail/*",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id()
                        ),
                        "DescribeTrails",
                        describe_sdk_error(&err),
                    )],
                },
            }
        })
    }
}

/// The uses of the scanned account's trails listed in one region.
fn trail_usages(trails: &[Trail], partition: &str, account: &str, region: &str) -> WiringRead {
    let mut read = WiringRead::default();
    for trail in trails {
        let Some(trail_arn) = trail.trail_arn.as_deref() else {
            continue;
        };
        // arn:PARTITION:cloudtrail:HOME_REGION:ACCOUNT:trail/NAME
        let fields: Vec<&str> = trail_arn.splitn(6, ':').collect();
        let [_, _, _, home_region, trail_account, _] = fields.as_slice() else {
            read.errors.push(ScanError {
                account_id: account.to_string(),
                region: region.to_string(),
                service: "cloudtrail".to_string(),
                resource_type: None,
                resource_arn: trail_arn.to_string(),
                operation: "DescribeTrails".to_string(),
                reason: "the trail's ARN is not an ARN; its uses were not recorded".to_string(),
            });
            continue;
        };
        if *trail_account != account {
            continue;
        }
        let usage = |target_arn: String, source_arn: Option<&str>| Usage {
            kind: KIND.to_string(),
            service_principal: PRINCIPAL.to_string(),
            source_arn: source_arn.map(str::to_string),
            source_account: account.to_string(),
            source_region: home_region.to_string(),
            target_arn,
        };
        let present = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        if let Some(bucket) = present(&trail.s3_bucket_name) {
            read.usages.push(usage(
                format!("arn:{partition}:s3:::{bucket}"),
                Some(trail_arn),
            ));
        }
        if let Some(topic) = present(&trail.sns_topic_arn) {
            read.usages.push(usage(topic, Some(trail_arn)));
        }
        // KmsKeyId: "The value is a fully specified ARN to a KMS key" (Trail, API
        // reference); anything else cannot be matched to a key without another call.
        if let Some(key) = present(&trail.kms_key_id) {
            if is_key_arn(&key) {
                read.usages.push(usage(key, Some(trail_arn)));
            } else {
                read.errors.push(ScanError {
                    account_id: account.to_string(),
                    region: region.to_string(),
                    service: "cloudtrail".to_string(),
                    resource_type: Some(ResourceType::KmsKey),
                    resource_arn: key,
                    operation: "DescribeTrails".to_string(),
                    reason: format!(
                        "trail {trail_arn} names its KMS key other than by key ARN; \
                         the key it resolves to was not looked up"
                    ),
                });
            }
        }
        if let Some(role) = present(&trail.cloud_watch_logs_role_arn) {
            read.usages.push(usage(role, None));
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "111122223333";
    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit";
    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn trail(arn: &str) -> Trail {
        Trail::builder()
            .name("org-audit")
            .trail_arn(arn)
            .home_region("us-east-1")
            .is_multi_region_trail(true)
            .s3_bucket_name("audit-logs-eu")
            .sns_topic_arn("arn:aws:sns:us-east-1:111122223333:trail-news")
            .kms_key_id(KEY)
            .cloud_watch_logs_role_arn("arn:aws:iam::111122223333:role/CloudTrail_CloudWatchLogs_Role")
            .build()
    }

    #[test]
    fn a_trail_uses_its_bucket_key_topic_and_role_pinned_to_its_home_region() {
        // Seen in eu-west-1 as a shadow of the us-east-1 trail.
        let read = trail_usages(&[trail(TRAIL)], "aws", ACCOUNT, "eu-west-1");
        assert!(read.errors.is_empty());
        let got: Vec<(&str, Option<&str>)> = read
            .usages
            .iter()
            .map(|u| (u.target_arn.as_str(), u.source_arn.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("arn:aws:s3:::audit-logs-eu", Some(TRAIL)),
                ("arn:aws:sns:us-east-1:111122223333:trail-news", Some(TRAIL)),
                (KEY, Some(TRAIL)),
                (
                    "arn:aws:iam::111122223333:role/CloudTrail_CloudWatchLogs_Role",
                    None
                ),
            ]
        );
        for u in &read.usages {
            assert_eq!(u.kind, "cloudtrail-trails");
            assert_eq!(u.service_principal, "cloudtrail.amazonaws.com");
            assert_eq!(u.source_account, ACCOUNT);
            assert_eq!(u.source_region, "us-east-1", "the trail's home region");
        }
    }

    #[test]
    fn a_shadow_seen_in_two_regions_gives_the_same_uses() {
        let a = trail_usages(&[trail(TRAIL)], "aws", ACCOUNT, "eu-west-1");
        let b = trail_usages(&[trail(TRAIL)], "aws", ACCOUNT, "us-east-1");
        assert_eq!(a.usages, b.usages);
    }

    #[test]
    fn another_accounts_organization_trail_is_not_recorded() {
        let read = trail_usages(
            &[trail("arn:aws:cloudtrail:us-east-1:999988887777:trail/org")],
            "aws",
            ACCOUNT,
            "us-east-1",
        );
        assert!(read.usages.is_empty());
        assert!(read.errors.is_empty());
    }

    #[test]
    fn a_key_not_named_by_arn_is_an_error_and_empty_fields_no_use() {
        let t = Trail::builder()
            .trail_arn(TRAIL)
            .s3_bucket_name("")
            .kms_key_id("alias/trail")
            .build();
        let read = trail_usages(&[t], "aws", ACCOUNT, "us-east-1");
        assert!(read.usages.is_empty());
        assert_eq!(read.errors.len(), 1);
        assert_eq!(read.errors[0].resource_arn, "alias/trail");
        let garbled = Trail::builder().trail_arn("not-an-arn").build();
        assert_eq!(
            trail_usages(&[garbled], "aws", ACCOUNT, "us-east-1")
                .errors
                .len(),
            1
        );
    }
}
