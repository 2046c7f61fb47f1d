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
mod eventbridge;
mod iam;
mod kms;
mod lambda;
mod logs;
mod readonly;
mod regions;
mod s3;
mod secretsmanager;
mod session;
mod sns;
mod sqs;

use std::future::Future;
use std::pin::Pin;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

pub use accounts::{read_accounts_file, resolve_targets, AccountOptions};
// The same aws-smithy-runtime types as every other SDK crate's `config::retry`.
pub use answers::EmptyAnswerGuard;
use aws_sdk_sts::config::retry::{RetryPartition, TokenBucket};
pub use readonly::ReadOnlyGuard;
pub use regions::enabled_regions;
pub use session::{
    check_profile_exists, endpoint_origin, region_origin, selected_profile, AssumeRoleTarget,
    AwsSession, SessionError, SessionOptions,
};

/// Every collector deputy-audit runs. Adding an AWS service is one new module
/// implementing [`Collector`] and one line here.
pub static REGISTRY: &[&dyn Collector] = &[
    &iam::IamRoles,
    &sqs::SqsQueues,
    &sns::SnsTopics,
    &s3::S3Buckets,
    &kms::KmsKeys,
    &lambda::LambdaFunctions,
    &secretsmanager::Secrets,
    &eventbridge::EventBuses,
    &logs::LogsResourcePolicies,
];

/// Whether a service's resources are listed once per account or once per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Listed once (IAM roles; S3, whose ListBuckets spans all regions).
    Global,
    /// Listed in every scanned region.
    Regional,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One service's resources with a policy deputy-audit can analyze.
pub trait Collector: Sync {
    /// The short service name used by `--services` and in reports (`sqs`).
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
pub struct RegionContext<'a> {
    pub session: &'a AwsSession,
    pub region: String,
}

impl RegionContext<'_> {
    pub fn account_id(&self) -> &str {
        &self.session.account_id
    }

    /// The SDK configuration for this region.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.session.sdk_config_for(&self.region)
    }

    pub fn concurrency(&self) -> usize {
        self.session.options.concurrency
    }

    pub fn partition(&self) -> &str {
        &self.session.partition
    }

    /// The retry partition for `service`'s client in this region. See
    /// [`retry_partition`].
    pub fn retry_partition(&self, service: &str) -> RetryPartition {
        retry_partition(service, &self.region)
    }
}

/// A retry partition with an unlimited retry quota, one per client (service and
/// region, which is also how AWS throttles).
///
/// The SDK's default partition holds a retry quota of 500 tokens per service, and
/// each retry of a 500 or a dropped connection costs 14 of them: once spent, every
/// failing request fails at once with its last error, however many attempts are
/// left. Measured at 3,700 resources through the fault proxy (10% 500s, 5% dropped
/// connections, 30% throttling), 90+ resources ended in `errors` that way. A
/// scanner must rather be slow than incomplete: retries are bounded by
/// `--max-attempts` and `--timeout` alone, and adaptive mode's client-side rate
/// limiter (owned by the partition) still slows a throttled service down.
pub fn retry_partition(service: &str, region: &str) -> RetryPartition {
    RetryPartition::custom(format!("deputy-audit-{service}-{region}"))
        .token_bucket(TokenBucket::unlimited())
        .build()
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

impl ScanError {
    /// A listing that failed: resources beyond it are unknown. Global services
    /// report the region as `global`.
    pub fn listing(
        ctx: &RegionContext<'_>,
        collector: &dyn Collector,
        operation: &str,
        reason: impl Into<String>,
    ) -> Self {
        let mut error = ScanError::new(
            ctx,
            collector.resource_type(),
            collector.listing_scope(ctx),
            operation,
            reason,
        );
        if collector.scope() == Scope::Global {
            error.region = GLOBAL_REGION.to_string();
        }
        error
    }
}

/// Global services (IAM, S3's listing) are reported under this region name.
pub const GLOBAL_REGION: &str = "global";

/// Lets a per-item fetch return one outcome or several (a Lambda function
/// with its versions and aliases).
impl From<Collected> for Vec<Collected> {
    fn from(one: Collected) -> Self {
        vec![one]
    }
}

/// A resource or listing that could not be assessed, as written in reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanError {
    pub account_id: String,
    pub region: String,
    pub service: String,
    /// `None` for account-level errors (a role that could not be assumed).
    pub resource_type: Option<ResourceType>,
    /// The resource's ARN, or for a failed listing the scope it covered
    /// (`arn:aws:sqs:us-east-1:111122223333:*`).
    pub resource_arn: String,
    /// The API call that failed (`GetQueueAttributes`), or `ParsePolicy`-style
    /// names are not used: a policy that does not parse names the call that returned it.
    pub operation: String,
    pub reason: String,
}

impl ScanError {
    pub fn new(
        ctx: &RegionContext<'_>,
        resource_type: ResourceType,
        resource_arn: impl Into<String>,
        operation: &str,
        reason: impl Into<String>,
    ) -> Self {
        ScanError {
            account_id: ctx.account_id().to_string(),
            region: ctx.region.clone(),
            service: resource_type.service().to_string(),
            resource_type: Some(resource_type),
            resource_arn: resource_arn.into(),
            operation: operation.to_string(),
            reason: reason.into(),
        }
    }
}

/// A one-line reason for an SDK error: the service's error code and message
/// when it sent one (`AccessDenied: User ... is not authorized`), otherwise
/// the chain of causes (timeouts, connection failures). Never a Debug dump:
/// those carry raw XML and connector internals nobody can act on.
pub fn describe_sdk_error<E, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => describe_error(err),
    }
}

/// A one-line reason for any error: the first AWS error code and message in
/// its chain of causes (an AssumeRole AccessDenied behind a credentials
/// failure), otherwise every cause's message, each once.
pub fn describe_error(err: &(dyn std::error::Error + 'static)) -> String {
    let chain = || std::iter::successors(Some(err), |e| e.source());
    let aws = chain().find_map(|e| {
        let meta = e.downcast_ref::<aws_smithy_types::error::ErrorMetadata>()?;
        let code = meta.code()?;
        Some(match meta.message() {
            Some(message) => format!("{code}: {message}"),
            None => code.to_string(),
        })
    });
    if let Some(aws) = aws {
        return crate::report::escape::one_line(&aws);
    }
    // The SDK's wrappers name only their own kind ("dispatch failure: other"),
    // which tells a person nothing; their causes do.
    const WRAPPERS: [&str; 6] = [
        "dispatch failure",
        "other",
        "response error",
        "service error",
        "construction failure",
        "unhandled error",
    ];
    let mut parts: Vec<String> = Vec::new();
    for cause in chain() {
        // Some causes are several lines (the credential chain's "Attempted:" list).
        let text = cause
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        // An interceptor's wrapper names the hook, not what happened.
        if text.ends_with("interceptor encountered an error") {
            continue;
        }
        // The XML parser's message quotes its tokens as Debug text.
        let text = if text.starts_with("error parsing XML") || text.contains("XmlDecodeError") {
            "the answer was not valid XML (an HTML page?)".to_string()
        } else {
            without_debug_dump(&text)
        };
        // Wrappers often repeat their source's message; say each thing once.
        if !text.is_empty()
            && !WRAPPERS.contains(&text.as_str())
            && !parts.iter().any(|p| p.contains(&text))
        {
            parts.push(text);
        }
    }
    crate::report::escape::one_line(&parts.join(": "))
}

/// `text` up to the first Rust Debug dump in it (`StartEl { name: ...`), which
/// nobody can act on.
fn without_debug_dump(text: &str) -> String {
    let dump = text.match_indices(" { ").find_map(|(at, _)| {
        let word_start = text[..at]
            .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .map_or(0, |i| i + 1);
        let word = &text[word_start..at];
        word.starts_with(|c: char| c.is_ascii_uppercase())
            .then_some(word_start)
    });
    match dump {
        Some(at) => format!(
            "{} (details at -v)",
            text[..at].trim_end_matches([' ', ':', ','])
        ),
        None => text.to_string(),
    }
}

/// Adapts an SDK pagination stream (which is not a `futures::Stream`) so that
/// list pages can feed per-resource calls lazily.
pub fn paginate<T>(
    mut pages: aws_smithy_async::future::pagination_stream::PaginationStream<T>,
) -> impl Stream<Item = T> {
    futures::stream::poll_fn(move |cx| pages.poll_next(cx))
}

/// Flattens list pages into their items; a page error becomes one `Err` item
/// carrying the reason, which [`fetch_each`] turns into a listing failure.
pub fn list_items<P, E, R, T, I>(
    pages: aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<P, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    >,
    items_of: impl Fn(P) -> I,
) -> impl Stream<Item = Result<T, String>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
    I: IntoIterator<Item = T>,
{
    paginate(pages).flat_map(move |page| {
        let items: Vec<Result<T, String>> = match page {
            Ok(page) => items_of(page).into_iter().map(Ok).collect(),
            Err(err) => vec![Err(describe_sdk_error(&err))],
        };
        futures::stream::iter(items)
    })
}

/// Pages through an operation the SDK has no paginator for: `fetch` gets the
/// previous page's `NextToken` and returns a page's items and the next token.
/// A failed page yields one `Err` and ends the listing.
pub fn token_pages<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, String>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), String>>,
{
    // State: the token to ask with, or `None` once the last page was read.
    futures::stream::unfold((Some(None), fetch), |(token, mut fetch)| async move {
        let token = token?;
        let (items, next): (Vec<Result<T, String>>, _) = match fetch(token).await {
            Ok((items, next)) => (
                items.into_iter().map(Ok).collect(),
                next.filter(|t| !t.is_empty()).map(Some),
            ),
            Err(reason) => (vec![Err(reason)], None),
        };
        Some((futures::stream::iter(items), (next, fetch)))
    })
    .flatten()
}

/// Runs `fetch` for every item a listing yields, at most `concurrency` at once,
/// pulling further list pages only as fetches complete. A listing error ends the
/// listing (the SDK has already retried it) and is reported, not swallowed.
pub async fn fetch_each<T, S, F, Fut>(
    listing: S,
    concurrency: usize,
    on_list_error: impl Fn(String) -> ScanError,
    fetch: F,
) -> Vec<Collected>
where
    S: Stream<Item = Result<T, String>>,
    F: Fn(T) -> Fut,
    Fut: Future,
    Fut::Output: Into<Vec<Collected>>,
{
    let mut listing_error = None;
    let items = listing
        .take_while(|item| {
            let keep = match item {
                Ok(_) => true,
                Err(reason) => {
                    listing_error = Some(reason.clone());
                    false
                }
            };
            std::future::ready(keep)
        })
        .filter_map(|item| std::future::ready(item.ok()));
    let batches: Vec<Vec<Collected>> = items
        .map(|item| {
            let fetched = fetch(item);
            async move { fetched.await.into() }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out: Vec<Collected> = batches.into_iter().flatten().collect();
    if let Some(reason) = listing_error {
        out.push(Collected::ListingFailed(on_list_error(reason)));
    }
    out
}

/// Selects collectors by service name (`--services`); all when `names` is empty.
pub fn select(names: &[String]) -> Result<Vec<&'static dyn Collector>, String> {
    if names.is_empty() {
        return Ok(REGISTRY.to_vec());
    }
    names
        .iter()
        .map(|name| {
            REGISTRY
                .iter()
                .copied()
                .find(|c| c.service() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = REGISTRY.iter().map(|c| c.service()).collect();
                    format!("unknown service '{name}' (known: {})", known.join(", "))
                })
        })
        .collect()
}

/// What finding the scan's scope needs: `--all-regions` (account:ListRegions)
/// and `--org` (organizations:ListAccounts, in the management account). Both are
/// read-only. Scanning other accounts also needs sts:AssumeRole on their roles,
/// which is granted separately (README) because it names those roles.
pub const SCOPE_PERMISSIONS: &[&str] = &["account:ListRegions", "organizations:ListAccounts"];

/// The least-privilege IAM policy for a scan, generated from what the
/// collectors declare (`deputy-audit iam-policy`).
pub fn iam_policy() -> serde_json::Value {
    let actions: std::collections::BTreeSet<&str> = REGISTRY
        .iter()
        .flat_map(|c| c.permissions().iter().copied())
        .chain(SCOPE_PERMISSIONS.iter().copied())
        .collect();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DeputyAuditReadPolicies",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*"
        }]
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{without_debug_dump, REGISTRY, SCOPE_PERMISSIONS};

    #[test]
    fn debug_dumps_are_cut_from_reasons() {
        assert_eq!(
            without_debug_dump("invalid root, got StartEl { name: Name { prefix: \"\" } }"),
            "invalid root, got (details at -v)"
        );
        assert_eq!(without_debug_dump("plain { braces }"), "plain { braces }");
        assert_eq!(without_debug_dump("no dump here"), "no dump here");
    }

    /// The shipped IAM policy is exactly what the collectors declare: nothing
    /// missing (the scan would hit AccessDenied) and nothing extra (it would not
    /// be least privilege). sts:GetCallerIdentity needs no permission.
    #[test]
    fn shipped_iam_policy_is_the_generated_one() {
        let text = include_str!("../../iam/deputy-audit-policy.json");
        let shipped: serde_json::Value = serde_json::from_str(text).expect("policy is JSON");
        assert_eq!(
            shipped,
            super::iam_policy(),
            "regenerate with: deputy-audit iam-policy > iam/deputy-audit-policy.json"
        );
        let actions = shipped["Statement"][0]["Action"]
            .as_array()
            .expect("Action list");
        assert!(actions.len() >= REGISTRY.len() + SCOPE_PERMISSIONS.len());
        for action in actions {
            let verb = action
                .as_str()
                .and_then(|a| a.split(':').nth(1))
                .unwrap_or("");
            assert!(
                ["List", "Get", "Describe"]
                    .iter()
                    .any(|p| verb.starts_with(p)),
                "{action} is not a read-only action"
            );
        }
    }

    #[test]
    fn service_names_are_unique_and_selectable() {
        let names: BTreeSet<&str> = REGISTRY.iter().map(|c| c.service()).collect();
        assert_eq!(names.len(), REGISTRY.len());
        assert_eq!(
            super::select(&["sqs".to_string()]).map(|c| c.len()).ok(),
            Some(1)
        );
        assert!(
            matches!(super::select(&["ec2".to_string()]), Err(e) if e.contains("unknown service 'ec2'"))
        );
    }
}
