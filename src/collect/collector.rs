//! The [`Collector`] trait every service module implements, and what it is
//! given ([`RegionContext`]) and returns ([`Collected`]).

use std::future::Future;
use std::pin::Pin;

use aws_sdk_sts::config::retry::RetryPartition;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};

use super::retry::retry_partition;
use super::session::AwsSession;
use crate::scan_error::ScanError;

/// Whether a service's resources are listed once per account or once per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Listed once (IAM roles; S3, whose ListBuckets spans all regions).
    Global,
    /// Listed in every scanned region.
    Regional,
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One service's resources with a policy deputy-audit can analyze.
pub(crate) trait Collector: Sync {
    /// The short service name used by `--services` and in reports (`sqs`),
    /// unique in the registry: `--services` accepts exactly these names.
    fn service(&self) -> &'static str;
    fn resource_type(&self) -> ResourceType;
    fn scope(&self) -> Scope;
    /// The API call that returns the policy text, named in errors about it.
    fn policy_operation(&self) -> &'static str;
    /// The IAM actions this collector needs; `iam/deputy-audit-policy.json`
    /// must grant exactly the union of these (a test checks it).
    fn permissions(&self) -> &'static [&'static str];
    /// What a failed listing covers, named as an ARN pattern in errors
    /// (`arn:aws:sqs:us-east-1:111122223333:*`). The default suits regional
    /// services whose ARNs carry region and account.
    fn listing_scope(&self, ctx: &RegionContext<'_>) -> String {
        format!(
            "arn:{}:{}:{}:{}:{}",
            ctx.partition(),
            self.resource_type().service(),
            ctx.region,
            ctx.account_id(),
            self.scope_suffix()
        )
    }
    /// The resource part of [`Collector::listing_scope`] (`*`, `key/*`).
    fn scope_suffix(&self) -> &'static str {
        "*"
    }
    /// Lists every resource of this kind in `region` and reads its policy.
    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>>;
}

/// What a collector needs for one region of one account.
pub(crate) struct RegionContext<'a> {
    pub session: &'a AwsSession,
    pub region: String,
    /// Every region the scan covers (a `Global` job runs in the first): what
    /// a once-per-account read needs to leave out resources of other regions.
    pub scanned_regions: &'a [String],
}

impl RegionContext<'_> {
    pub(crate) fn account_id(&self) -> &str {
        &self.session.account_id
    }

    /// The SDK configuration for this region.
    pub(crate) fn sdk_config(&self) -> aws_config::SdkConfig {
        self.session.sdk_config_for(&self.region)
    }

    pub(crate) fn concurrency(&self) -> usize {
        self.session.options.concurrency
    }

    pub(crate) fn partition(&self) -> &str {
        &self.session.partition
    }

    /// The retry partition for `service`'s client in this region. See
    /// [`retry_partition`].
    pub(crate) fn retry_partition(&self, service: &str) -> RetryPartition {
        retry_partition(service, &self.region)
    }
}

/// The outcome for one resource (or one listing) from a collector.
#[derive(Debug)]
pub enum Collected {
    /// Listed and read; `policy` is `None` when it has none.
    Resource(ResourcePolicy),
    /// Listed, but its policy could not be read. Counted as a resource.
    Unreadable(ScanError),
    /// The listing itself failed; resources beyond this point are unknown.
    ListingFailed(ScanError),
}

/// Lets a per-item fetch return one outcome or several (a Lambda function
/// with its versions and aliases).
impl From<Collected> for Vec<Collected> {
    fn from(one: Collected) -> Self {
        vec![one]
    }
}
