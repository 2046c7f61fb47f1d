//! Source kinds: who really uses each grant, read from the account's own
//! configuration (a bucket's notifications, a topic's subscriptions, a rule's
//! targets, a trail's destinations). One module per kind, each a
//! [`WiringSource`] listed once in [`SOURCES`]; like the collectors, every call
//! is a List/Get/Describe through the read-only guard, and failures are
//! recorded, never dropped.
//!
//! A kind is read only when a finding needs it (its [`WiringSource::feeds`]
//! meet a flagged statement's principal and resource type), once per account
//! and region, not per finding.

use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{BoxFuture, RegionContext, ScanError, Scope};

/// One source kind.
pub(crate) trait WiringSource: Sync {
    /// The name `--sources` accepts and reports show (`s3-notifications`),
    /// unique in [`SOURCES`].
    fn kind(&self) -> &'static str;
    /// What it can reveal: uses of a service principal on a resource type.
    fn feeds(&self) -> &'static [(&'static str, ResourceType)];
    /// Read once per account (`Global`) or in every scanned region.
    fn scope(&self) -> Scope;
    /// The IAM actions it calls; they join `iam/deputy-audit-policy.json`.
    fn permissions(&self) -> &'static [&'static str];
    /// Reads the uses in one region of one account.
    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead>;
}

/// What one read found: the uses, and what could not be read (recorded in
/// the report's errors and in the kind's coverage).
#[derive(Debug, Default)]
pub(crate) struct WiringRead {
    pub usages: Vec<Usage>,
    pub errors: Vec<ScanError>,
}

/// A read of `operation` in `ctx`'s account and region that failed: `scope`
/// names what it covered (`arn:aws:cloudtrail:us-east-1:111122223333:trail/*`,
/// or one resource), `service` the API's service (`cloudtrail`). Uses may be
/// missing behind it, so it is recorded, never dropped.
fn read_error(
    ctx: &RegionContext<'_>,
    service: &str,
    scope: impl Into<String>,
    operation: &str,
    reason: impl Into<String>,
) -> ScanError {
    ScanError {
        account_id: ctx.account_id().to_string(),
        region: ctx.region.clone(),
        service: service.to_string(),
        resource_type: None,
        resource_arn: scope.into(),
        operation: operation.to_string(),
        reason: reason.into(),
    }
}

/// Runs `fetch` for every item a listing yields, at most `concurrency` at once
/// (as [`crate::collect::fetch_each`] does for collectors), and gathers what the
/// reads found. A listing error ends the listing and is recorded by `on_list_error`.
async fn read_each<T, S, F, Fut>(
    listing: S,
    concurrency: usize,
    on_list_error: impl Fn(String) -> ScanError,
    fetch: F,
) -> WiringRead
where
    S: futures::Stream<Item = Result<T, String>>,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = WiringRead>,
{
    use futures::StreamExt;
    let mut listing_error = None;
    let items = listing
        .take_while(|item| {
            if let Err(reason) = item {
                listing_error = Some(reason.clone());
            }
            std::future::ready(item.is_ok())
        })
        .filter_map(|item| std::future::ready(item.ok()));
    let reads: Vec<WiringRead> = items
        .map(fetch)
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = WiringRead::default();
    for read in reads {
        out.usages.extend(read.usages);
        out.errors.extend(read.errors);
    }
    if let Some(reason) = listing_error {
        out.errors.push(on_list_error(reason));
    }
    out
}

/// Declares each source module and lists it in [`SOURCES`]: adding a source
/// kind is one new file and one line here.
macro_rules! sources {
    ($($module:ident :: $value:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every source kind.
        pub(crate) static SOURCES: &[&dyn WiringSource] = &[$(&$module::$value),*];
    };
}

sources! {
    config_delivery::ConfigDelivery,
    apigateway_integrations::ApiGatewayIntegrations,
    scheduler_schedules::SchedulerSchedules,
    cloudtrail_trails::CloudTrailTrails,
}
