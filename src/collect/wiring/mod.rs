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
use deputy_audit_analyze::{Arn, ResourceType};

use super::{BoxFuture, RegionContext, ScanError, Scope};
use crate::sentinel::GLOBAL_REGION;

mod selection;
pub(crate) use selection::{selected, sources_help, SourceChoice};

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

/// An SDK client for a source kind, built as every collector builds its own:
/// the read-only and empty-answer guards, and its own retry partition.
macro_rules! wiring_client {
    ($sdk:ident, $ctx:expr, $service:expr) => {{
        let config = $sdk::config::Builder::from(&$ctx.sdk_config())
            .interceptor(crate::collect::ReadOnlyGuard)
            .interceptor(crate::collect::EmptyAnswerGuard)
            .retry_partition($ctx.retry_partition($service))
            .build();
        $sdk::Client::from_conf(config)
    }};
}

/// A read of `kind` that failed in `ctx`'s account and region: `scope` names
/// what it covered (a listing's ARN pattern, or the one resource). No
/// resource type: a resource whose wiring was not read is still assessed.
pub(crate) fn read_error(
    ctx: &RegionContext<'_>,
    kind: &dyn WiringSource,
    service: &str,
    scope: impl Into<String>,
    operation: &str,
    reason: impl Into<String>,
) -> ScanError {
    ScanError {
        account_id: ctx.account_id().to_string(),
        region: match kind.scope() {
            Scope::Global => GLOBAL_REGION.to_string(),
            Scope::Regional => ctx.region.clone(),
        },
        service: service.to_string(),
        resource_type: None,
        resource_arn: scope.into(),
        operation: operation.to_string(),
        reason: reason.into(),
    }
}

/// A use found in `ctx`'s account: the source's account and region are read
/// from `source_arn` when it carries them (an SNS topic of another account
/// delivering to this account's subscription), else they are `ctx`'s.
pub(crate) fn usage(
    ctx: &RegionContext<'_>,
    kind: &dyn WiringSource,
    service_principal: impl Into<String>,
    source_arn: Option<String>,
    target_arn: impl Into<String>,
) -> Usage {
    let parsed = source_arn.as_deref().and_then(Arn::parse);
    let account = parsed
        .as_ref()
        .map(|a| a.account)
        .filter(|a| !a.is_empty() && !a.contains('*'))
        .unwrap_or(ctx.account_id())
        .to_string();
    let region = parsed
        .as_ref()
        .map(|a| a.region)
        .filter(|r| !r.is_empty() && !r.contains('*'))
        .unwrap_or(&ctx.region)
        .to_string();
    Usage {
        kind: kind.kind().to_string(),
        service_principal: service_principal.into(),
        source_arn,
        source_account: account,
        source_region: region,
        target_arn: target_arn.into(),
    }
}

/// The resource type an ARN names, for the targets the source kinds meet
/// (`None` for anything else: a Kinesis stream, another event bus).
pub(crate) fn target_type(arn: &str) -> Option<ResourceType> {
    let parsed = Arn::parse(arn)?;
    match parsed.service {
        "sns" => Some(ResourceType::SnsTopic),
        "sqs" => Some(ResourceType::SqsQueue),
        "lambda" if parsed.resource.starts_with("function:") => Some(ResourceType::LambdaFunction),
        "iam" if parsed.resource.starts_with("role/") => Some(ResourceType::IamRole),
        "kms" if parsed.resource.starts_with("key/") => Some(ResourceType::KmsKey),
        _ => None,
    }
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
    s3_notifications::S3Notifications,
    sns_subscriptions::SnsSubscriptions,
    eventbridge_targets::EventBridgeTargets,
    cloudwatch_alarms::CloudWatchAlarms,
    log_group_keys::LogGroupKeys,
    log_subscriptions::LogSubscriptions,
    config_delivery::ConfigDelivery,
    apigateway_integrations::ApiGatewayIntegrations,
    scheduler_schedules::SchedulerSchedules,
    cloudtrail_trails::CloudTrailTrails,
}
