//! The AWS session a scan runs in: credentials and region resolved exactly as
//! the AWS CLI does (aws-config's default chain), the retry and timeout policy,
//! and the caller's account from `sts:GetCallerIdentity`.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::result::SdkError;

use deputy_audit_analyze::Arn;

use crate::defaults;

use super::answers::EmptyAnswerGuard;
use super::readonly::ReadOnlyGuard;

/// How to reach AWS, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct SessionOptions {
    pub profile: Option<String>,
    /// A custom endpoint (LocalStack); `AWS_ENDPOINT_URL` is honoured by the SDK itself.
    pub endpoint_url: Option<String>,
    /// Requests in flight per service and region.
    pub concurrency: usize,
    /// Attempts per request, including the first (adaptive retry mode).
    pub max_attempts: u32,
    /// Limit for one request, all retries included.
    pub timeout: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            profile: None,
            endpoint_url: None,
            concurrency: defaults::CONCURRENCY.default as usize,
            max_attempts: defaults::MAX_ATTEMPTS.default as u32,
            timeout: Duration::from_secs(defaults::TIMEOUT_SECS.default),
        }
    }
}

/// A role to assume in another account (`--role-arn`, `--accounts-file`, `--org`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssumeRoleTarget {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

impl AssumeRoleTarget {
    /// The account id in the role ARN (`arn:aws:iam::<account>:role/...`).
    pub(crate) fn account_hint(&self) -> Option<&str> {
        Arn::parse(&self.role_arn)
            .map(|arn| arn.account)
            .filter(|a| !a.is_empty())
    }

    /// `base` with credentials from sts:AssumeRole on this role. The provider
    /// refreshes them before they expire, so long scans keep working. This is
    /// the one call deputy-audit makes that is not List/Get/Describe, and only
    /// when asked to scan other accounts.
    async fn credentials_for(&self, base: &SdkConfig) -> SdkConfig {
        let mut provider = aws_config::sts::AssumeRoleProvider::builder(&self.role_arn)
            .session_name(&self.session_name)
            .configure(base);
        if let Some(external_id) = &self.external_id {
            provider = provider.external_id(external_id);
        }
        let provider = provider.build().await;
        base.to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build()
    }
}

/// Why a session could not be opened, in words that say what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum SessionError {
    /// No usable credentials (profile, SSO token, environment), or a role that
    /// cannot be assumed.
    #[error("{0}")]
    Credentials(String),
    /// The endpoint could not be reached or did not answer.
    #[error("{0}")]
    Connect(String),
}

/// The profile the SDK will use: `--profile`, else `AWS_PROFILE`.
pub(crate) fn selected_profile(options: &SessionOptions) -> Option<String> {
    options
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
}

/// Where the SDK found the region when `--region` was not given, for messages.
pub(crate) fn region_origin(options: &SessionOptions) -> String {
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            return var.to_string();
        }
    }
    format!("{}: region", profile_origin(options))
}

/// Where the SDK found the endpoint URL (`--endpoint-url` and the variables
/// are checked before; what is left is the profile).
pub(crate) fn endpoint_origin(options: &SessionOptions) -> String {
    if options.endpoint_url.is_some() {
        return "--endpoint-url".to_string();
    }
    if std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        return "AWS_ENDPOINT_URL".to_string();
    }
    format!("{}: endpoint_url", profile_origin(options))
}

/// `profile NAME in FILE`, the shared config file as the SDK finds it.
fn profile_origin(options: &SessionOptions) -> String {
    let name = selected_profile(options).unwrap_or_else(|| "default".to_string());
    let file = std::env::var("AWS_CONFIG_FILE")
        .ok()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "~/.aws/config".to_string());
    format!("profile {name} in {file}")
}

/// Checks, before anything is resolved through it, that a named profile exists
/// in the shared config or credentials file: otherwise the SDK only reports the
/// consequence ("no region configured", "no credentials").
pub(crate) async fn check_profile_exists(name: &str) -> Result<(), String> {
    let fs = aws_types::os_shim_internal::Fs::real();
    let env = aws_types::os_shim_internal::Env::real();
    let profiles = aws_config::profile::load(&fs, &env, &Default::default(), None)
        .await
        .map_err(|e| format!("cannot read the AWS config files for profile {name}: {e}"))?;
    if profiles.get_profile(name).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = profiles.profiles().collect();
    let known = if known.is_empty() {
        "no profile is defined".to_string()
    } else {
        format!("known: {}", known.join(", "))
    };
    Err(format!(
        "profile {name} does not exist in ~/.aws/config or ~/.aws/credentials ({known}); \
         check --profile or AWS_PROFILE, or create it with `aws configure --profile {name}`"
    ))
}

/// A resolved session: the base SDK configuration and whom it authenticates as.
#[derive(Debug, Clone)]
pub(crate) struct AwsSession {
    base: SdkConfig,
    pub options: SessionOptions,
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: taken from the caller's ARN.
    pub partition: String,
    pub caller_arn: String,
}

impl AwsSession {
    /// Loads the configuration chain. `region` overrides the configured one.
    pub(crate) async fn load_config(options: &SessionOptions, region: Option<&str>) -> SdkConfig {
        // Adaptive mode adds client-side rate limiting on throttling responses, so a
        // throttled scan slows down instead of failing resources.
        //
        // Retry behaviour 2.1: under the legacy (2.0) spec, which `BehaviorVersion::latest()`
        // still selects, every throttled retry charges the client rate limiter 10 tokens,
        // and a partition throttled early in a scan has a fill rate of 0.5 tokens/s: each
        // throttled retry then sleeps 20 s, so three throttles of one request exhaust the
        // default 60 s `--timeout` and the resource is lost (measured with the fault proxy
        // in tests/faults.rs). Under 2.1 a retry waits its backoff plus one send token, so
        // throttling slows the scan down without failing requests. `with_retry_spec` is
        // marked SDK-internal; Cargo.lock pins the version it was verified with.
        let retry = RetryConfig::adaptive()
            .with_max_attempts(options.max_attempts.max(1))
            .with_initial_backoff(Duration::from_millis(200))
            .with_retry_spec(aws_smithy_types::retry::RetrySpec::v2_1());
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(options.timeout)
            .connect_timeout(Duration::from_secs(5))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_string()));
        }
        if let Some(endpoint) = &options.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        let config = loader.load().await;
        // `--endpoint-url` stands for `AWS_ENDPOINT_URL`: a per-service variable
        // (`AWS_ENDPOINT_URL_ECR`) still wins, as it does over the shared variable (an
        // endpoint set in code would outrank both). Not when `AWS_ENDPOINT_URL` itself is
        // set: the SDK's per-service lookup falls back to it, and the flag must win.
        if options.endpoint_url.is_some() && std::env::var_os("AWS_ENDPOINT_URL").is_none() {
            let mut builder = config.into_builder();
            builder.insert_origin(
                "endpoint_url",
                aws_types::origin::Origin::shared_environment_variable(),
            );
            return builder.build();
        }
        config
    }

    /// Identifies the caller with `sts:GetCallerIdentity`, first assuming
    /// `role` when given. `base` is the configuration from [`Self::load_config`],
    /// loaded once and shared by every account of a scan.
    pub(crate) async fn connect(
        base: &SdkConfig,
        options: SessionOptions,
        role: Option<&AssumeRoleTarget>,
    ) -> Result<AwsSession, SessionError> {
        let base = match role {
            Some(role) => role.credentials_for(base).await,
            None => base.clone(),
        };
        let sts_config = aws_sdk_sts::config::Builder::from(&base)
            .interceptor(ReadOnlyGuard)
            .interceptor(EmptyAnswerGuard)
            .build();
        let identity = aws_sdk_sts::Client::from_conf(sts_config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| explain_connect_error(&err, &base, &options, role))?;
        let account_id = identity
            .account()
            .ok_or_else(|| {
                SessionError::Connect("sts:GetCallerIdentity returned no account id".to_string())
            })?
            .to_string();
        let caller_arn = identity.arn().unwrap_or_default().to_string();
        let partition = Arn::parse(&caller_arn)
            .map(|arn| arn.partition)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string();
        Ok(AwsSession {
            base,
            options,
            account_id,
            partition,
            caller_arn,
        })
    }

    /// The configured default region, if any (profile, `AWS_REGION`, IMDS...).
    pub(crate) fn configured_region(config: &SdkConfig) -> Option<String> {
        config.region().map(|r| r.to_string())
    }

    /// The SDK configuration for one region, sharing the HTTP client and
    /// credentials cache with every other region.
    pub(crate) fn sdk_config_for(&self, region: &str) -> SdkConfig {
        self.base
            .to_builder()
            .region(Region::new(region.to_string()))
            .build()
    }

    /// True when a custom endpoint (LocalStack) is in use; S3 then needs
    /// path-style addressing because `bucket.127.0.0.1` does not resolve.
    pub(crate) fn has_custom_endpoint(&self) -> bool {
        self.base.endpoint_url().is_some()
    }
}

/// Turns a failed sts:GetCallerIdentity into one or two lines naming what is at
/// fault (the endpoint, the profile, the role) and what to do about it.
fn explain_connect_error<E, R>(
    err: &SdkError<E, R>,
    base: &SdkConfig,
    options: &SessionOptions,
    role: Option<&AssumeRoleTarget>,
) -> SessionError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let reason = super::describe_sdk_error(err);
    let unreachable = match err {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        _ => false,
    };
    if unreachable {
        let endpoint = base.endpoint_url().map(str::to_string).unwrap_or_else(|| {
            let region = base.region().map(|r| r.to_string()).unwrap_or_default();
            format!("AWS STS in {region}")
        });
        return SessionError::Connect(format!(
            "cannot reach {endpoint}: {reason}\ncheck --endpoint-url (or AWS_ENDPOINT_URL), the network and any proxy"
        ));
    }
    if let Some(role) = role {
        return SessionError::Credentials(format!("cannot assume {}: {reason}", role.role_arn));
    }
    let profile = selected_profile(options);
    let lowered = reason.to_ascii_lowercase();
    if lowered.contains("sso") || lowered.contains("token") && lowered.contains("cache") {
        let name = profile.as_deref().unwrap_or("default");
        return SessionError::Credentials(format!(
            "profile {name} uses AWS SSO and has no valid cached token: {reason}\nrun `aws sso login --profile {name}`, then try again"
        ));
    }
    let whose = profile
        .map(|p| format!(" of profile {p}"))
        .unwrap_or_default();
    SessionError::Credentials(format!(
        "the credentials{whose} were refused or could not be loaded: {reason}\nset --profile (or AWS_PROFILE), run `aws sso login --profile NAME`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    ))
}
