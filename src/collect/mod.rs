//! Collect: turn AWS API pages into plain [`ResourcePolicy`] values.
//!
//! One module per AWS service, each a [`Collector`] listed once in [`REGISTRY`].
//! Concurrency, pagination and retries live here and nowhere else: a collector
//! lists its resources page by page and the pages feed the per-resource `Get`
//! calls through [`fetch_each`], which keeps a bounded number in flight.
//!
//! A resource that cannot be read is never dropped: it comes back as
//! [`Collected::Unreadable`] with the operation and the reason, and a listing
//! that fails part-way comes back as [`Collected::ListingFailed`].

mod accounts;
mod answers;
mod collector;
mod ecr;
mod error;
mod eventbridge;
mod iam;
mod kms;
mod lambda;
mod logs;
mod pagination;
mod readonly;
mod regions;
mod retry;
mod s3;
mod secretsmanager;
mod services;
mod session;
mod sns;
mod sqs;
pub(crate) mod wiring;

pub(crate) use crate::scan_error::ScanError;
pub(crate) use crate::sentinel::GLOBAL_REGION;
pub(crate) use accounts::{read_accounts_file, resolve_targets, AccountOptions};
pub(crate) use answers::EmptyAnswerGuard;
pub(crate) use collector::{BoxFuture, Collected, Collector, RegionContext, Scope};
pub(crate) use error::{describe_sdk_error, listing_error, resource_error};
pub(crate) use pagination::{fetch_all, fetch_each, list_items, paginate, token_pages};
#[cfg(test)]
pub(crate) use readonly::is_read_only_action;
pub(crate) use readonly::ReadOnlyGuard;
pub(crate) use regions::enabled_regions;
pub(crate) use services::{select, services_help, Service};
pub(crate) use session::{
    check_profile_exists, endpoint_origin, region_origin, selected_profile, AssumeRoleTarget,
    AwsSession, SessionError, SessionOptions,
};

/// Every collector deputy-audit runs, in the order `--services` lists them.
/// Adding an AWS service is one new module implementing [`Collector`] (its
/// [`Collector::service`] is the `--services` name) and one line here (see
/// `docs/ARCHITECTURE.md`).
pub(crate) static REGISTRY: &[&dyn Collector] = &[
    &iam::IamRoles,
    &sqs::SqsQueues,
    &sns::SnsTopics,
    &s3::S3Buckets,
    &kms::KmsKeys,
    &lambda::LambdaFunctions,
    &secretsmanager::Secrets,
    &eventbridge::EventBuses,
    &logs::LogsResourcePolicies,
    &ecr::EcrRepositories,
];
