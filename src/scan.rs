//! A scan: collect every selected service in every region concurrently, then
//! analyze each policy, then assemble the [`Report`]. The three stages only
//! meet here.

use std::collections::BTreeMap;

use deputy_audit_analyze::{analyze, AnalysisOptions};
use futures::stream::{FuturesUnordered, StreamExt};

use crate::clock::now_rfc3339;
use crate::collect::{
    self, AccountOptions, AssumeRoleTarget, AwsSession, Collected, Collector, RegionContext, Scope,
    SessionOptions,
};
use crate::report::{AccountStatus, AccountSummary, AwsManagedResource, Report};
use crate::scan_error::ScanError;
use crate::sentinel::{MULTIPLE_ACCOUNTS, UNKNOWN_ACCOUNT};

/// What to scan and how to judge it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScanRequest {
    pub session: SessionOptions,
    /// Regions to scan; empty means the configured region.
    pub regions: Vec<String>,
    /// Scan every region enabled for the account (account:ListRegions).
    pub all_regions: bool,
    /// Services to collect (`iam`, `sqs`, ...); empty means all.
    pub services: Vec<collect::Service>,
    /// Source kinds the wiring may read (`--sources`); empty means all.
    pub sources: Vec<collect::wiring::SourceChoice>,
    pub accounts: AccountOptions,
    /// Accounts scanned at once.
    pub account_concurrency: usize,
    pub analysis: AnalysisOptions,
    /// `--rcp` files: judge findings against these instead of the organization's RCPs.
    pub rcp_files: Vec<std::path::PathBuf>,
}

/// Why a scan could not start at all (as opposed to resources or accounts it
/// could not read, which end up in the report).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanStartError {
    #[error("{0}")]
    Usage(String),
    /// The profile does not exist, or its credentials do not work.
    #[error("{0}")]
    Credentials(String),
    /// The endpoint could not be reached, or a scope API (ListRegions) failed.
    #[error("{0}")]
    Connect(String),
}

impl From<collect::SessionError> for ScanStartError {
    fn from(err: collect::SessionError) -> Self {
        match err {
            collect::SessionError::Credentials(m) => ScanStartError::Credentials(m),
            collect::SessionError::Connect(m) => ScanStartError::Connect(m),
        }
    }
}

/// Told about the scan's progress (the terminal progress bars); the scan
/// itself never draws anything.
pub(crate) trait Progress: Sync {
    /// An account is connected; `services` lists each service with its job count.
    fn account_started(&self, _account: &str, _services: &[(&'static str, usize)]) {}
    /// One service finished in one region of an account.
    fn job_finished(&self, _account: &str, _service: &'static str, _resources: usize) {}
    fn account_finished(&self, _account: &str) {}
}

/// No progress reporting (`--quiet`, not a terminal, tests).
pub(crate) struct NoProgress;
impl Progress for NoProgress {}

/// What one account contributed to the report.
struct AccountScan {
    summary: AccountSummary,
    findings: Vec<deputy_audit_analyze::Finding>,
    errors: Vec<ScanError>,
    aws_managed: Vec<AwsManagedResource>,
    assessed: Vec<crate::report::AssessedResource>,
    /// The policies of resources with findings (not AWS-managed).
    flagged: Vec<deputy_audit_analyze::ResourcePolicy>,
    /// Kept for the wiring read; `None` when the account could not be scanned.
    session: Option<AwsSession>,
}

pub(crate) async fn run(
    request: ScanRequest,
    progress: &dyn Progress,
) -> Result<Report, ScanStartError> {
    let collectors = collect::select(&request.services);
    let started = now_rfc3339();
    let first_region = request.regions.first().map(String::as_str);
    if let Some(profile) = collect::selected_profile(&request.session) {
        collect::check_profile_exists(&profile)
            .await
            .map_err(ScanStartError::Credentials)?;
    }
    let rcp_files = crate::guardrails::read_rcp_files(&request.rcp_files)
        .map_err(|e| ScanStartError::Usage(format!("{e:#}")))?;
    let base = AwsSession::load_config(&request.session, first_region).await;
    let Some(home_region) = first_region
        .map(str::to_string)
        .or_else(|| AwsSession::configured_region(&base))
    else {
        return Err(ScanStartError::Usage(
            "no region configured: pass --region, set AWS_REGION, or set a region in the profile"
                .into(),
        ));
    };
    // --region is checked with the flags; a region or endpoint from the
    // environment or the profile is checked here, before it reaches a host
    // name, a request or the report.
    if first_region.is_none() {
        crate::validate::region(&collect::region_origin(&request.session), &home_region)
            .map_err(|e| ScanStartError::Usage(e.to_string()))?;
    }
    if let Some(url) = base.endpoint_url() {
        crate::validate::endpoint_url(&collect::endpoint_origin(&request.session), url)
            .map_err(|e| ScanStartError::Usage(e.to_string()))?;
    }
    // The caller's own identity: it proves the credentials work before any
    // account is scanned, and tells which account `--org` should not assume into.
    let caller = AwsSession::connect(&base, request.session.clone(), None).await?;
    tracing::info!(account = %caller.account_id, caller = %caller.caller_arn, "connected");
    let regions = if request.all_regions {
        collect::enabled_regions(&caller.sdk_config_for(&home_region))
            .await
            .map_err(|e| ScanStartError::Connect(format!("{e:#}")))?
    } else {
        dedup(if request.regions.is_empty() {
            vec![home_region]
        } else {
            request.regions.clone()
        })
    };
    let targets = collect::resolve_targets(
        &request.accounts,
        &base,
        &caller.account_id,
        &caller.partition,
    )
    .await
    .map_err(|e| ScanStartError::Usage(format!("{e:#}")))?;

    let guardrails = crate::guardrails::Guardrails::new(if request.rcp_files.is_empty() {
        crate::guardrails::Source::Organizations(Box::new(caller.sdk_config_for(&regions[0])))
    } else {
        crate::guardrails::Source::Files(rcp_files)
    });
    let scans: Vec<AccountScan> = futures::stream::iter(targets)
        .map(|target| {
            let (base, caller, collectors, regions, request, guardrails) =
                (&base, &caller, &collectors, &regions, &request, &guardrails);
            async move {
                let session = match &target {
                    None => Ok(caller.clone()),
                    Some(role) => {
                        AwsSession::connect(base, request.session.clone(), Some(role)).await
                    }
                };
                match session {
                    Ok(session) => {
                        scan_account(
                            &session,
                            target.as_ref(),
                            collectors,
                            regions,
                            request,
                            progress,
                            guardrails,
                        )
                        .await
                    }
                    Err(err) => failed_account(target.as_ref(), &regions[0], err),
                }
            }
        })
        .buffer_unordered(request.account_concurrency.max(1))
        .collect()
        .await;

    // The account is known once every account is scanned (below).
    let mut report = Report::new(
        started,
        String::new(),
        regions,
        collectors.iter().map(|c| (c.resource_type(), 0)).collect(),
    );
    let mut sessions = Vec::new();
    for scan in scans {
        sessions.extend(scan.session);
        report.flagged_policies.extend(scan.flagged);
        for (kind, n) in &scan.summary.resource_counts {
            *report.resource_counts.entry(*kind).or_default() += n;
        }
        report.accounts.push(scan.summary);
        report.findings.extend(scan.findings);
        report.errors.extend(scan.errors);
        report.aws_managed_resources.extend(scan.aws_managed);
        report.assessed.extend(scan.assessed);
    }
    report
        .accounts
        .sort_by(|a, b| a.account_id.cmp(&b.account_id));
    // Accounts and jobs finish in any order; the report does not.
    report
        .flagged_policies
        .sort_by(|a, b| (&a.account_id, &a.arn).cmp(&(&b.account_id, &b.arn)));
    report.account_id = match report.accounts.as_slice() {
        [only] => only.account_id.clone(),
        _ => MULTIPLE_ACCOUNTS.to_string(),
    };
    let scanned: Vec<String> = report
        .accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Failed)
        .map(|a| a.account_id.clone())
        .collect();
    let (wiring, wiring_errors) = read_wiring(&request, &report, &sessions).await?;
    report.wiring = wiring;
    report.errors.extend(wiring_errors);
    report
        .findings
        .extend(guardrails.rcp_findings(&scanned).await);
    report.organization_guardrails = Some(guardrails.summary(&scanned).await);
    report.scan_finished = now_rfc3339();
    report.normalize();
    Ok(report)
}

/// Who uses each flagged grant: the source kinds the findings need, read in
/// every account scanned (see `wiring_scan`). An interrupted scan reads none.
async fn read_wiring(
    request: &ScanRequest,
    report: &Report,
    sessions: &[AwsSession],
) -> Result<(deputy_audit_analyze::Wiring, Vec<ScanError>), ScanStartError> {
    let allowed = collect::wiring::selected(&request.sources).map_err(ScanStartError::Usage)?;
    let interrupted = report
        .errors
        .iter()
        .any(|e| e.operation == INTERRUPTED)
        .then(|| "the scan was interrupted".to_string());
    let wiring_request = |interrupted| crate::wiring_scan::WiringRequest {
        sessions,
        regions: &report.regions,
        findings: &report.findings,
        allowed: &allowed,
        account_concurrency: request.account_concurrency,
        interrupted,
    };
    // A signal during the reads ends them: the report follows at once, each
    // kind that was to be read marked as not read.
    let signal = shutdown_signal();
    tokio::select! {
        read = crate::wiring_scan::read_wiring(wiring_request(interrupted)) => Ok(read),
        name = signal => {
            let why = format!("the scan was interrupted by {name}");
            Ok(crate::wiring_scan::read_wiring(wiring_request(Some(why))).await)
        }
    }
}

/// The operation an unfinished listing is recorded under when a signal ends the scan.
const INTERRUPTED: &str = "(interrupted)";

/// An account whose role could not be assumed: one error entry, no abort.
fn failed_account(
    target: Option<&AssumeRoleTarget>,
    region: &str,
    err: collect::SessionError,
) -> AccountScan {
    let account_id = target
        .and_then(|t| t.account_hint())
        .unwrap_or(UNKNOWN_ACCOUNT)
        .to_string();
    let role_arn = target.map(|t| t.role_arn.clone());
    let error = ScanError {
        account_id: account_id.clone(),
        region: region.to_string(),
        service: "sts".to_string(),
        resource_type: None,
        resource_arn: role_arn.clone().unwrap_or_default(),
        operation: if target.is_some() {
            "AssumeRole"
        } else {
            "GetCallerIdentity"
        }
        .to_string(),
        reason: err.to_string(),
    };
    AccountScan {
        summary: AccountSummary {
            account_id,
            role_arn,
            status: AccountStatus::Failed,
            resource_counts: BTreeMap::new(),
            findings: 0,
            errors: 1,
            aws_managed: 0,
        },
        findings: Vec::new(),
        errors: vec![error],
        aws_managed: Vec::new(),
        assessed: Vec::new(),
        flagged: Vec::new(),
        session: None,
    }
}

/// Collects every selected service of one account, then analyzes what came back.
async fn scan_account(
    session: &AwsSession,
    target: Option<&AssumeRoleTarget>,
    collectors: &[&'static dyn Collector],
    regions: &[String],
    request: &ScanRequest,
    progress: &dyn Progress,
    guardrails: &crate::guardrails::Guardrails,
) -> AccountScan {
    // Global services are listed once (from the first region), regional ones in each.
    let mut jobs: Vec<(&'static dyn Collector, RegionContext<'_>)> = Vec::new();
    for &collector in collectors {
        let job_regions = match collector.scope() {
            Scope::Global => &regions[..1],
            Scope::Regional => regions,
        };
        for region in job_regions {
            jobs.push((
                collector,
                RegionContext {
                    session,
                    region: region.clone(),
                    scanned_regions: regions,
                },
            ));
        }
    }
    let per_service: Vec<(&'static str, usize)> = collectors
        .iter()
        .map(|c| {
            (
                c.service(),
                jobs.iter()
                    .filter(|(j, _)| j.service() == c.service())
                    .count(),
            )
        })
        .collect();
    progress.account_started(&session.account_id, &per_service);
    let outcomes = collect_until_interrupted(&jobs, &session.account_id, progress).await;
    progress.account_finished(&session.account_id);
    if outcomes
        .iter()
        .flat_map(|(_, c)| c)
        .any(|c| matches!(c, Collected::ListingFailed(e) if e.operation == INTERRUPTED))
    {
        guardrails.stop();
    }

    let mut scan = AccountScan {
        summary: AccountSummary {
            account_id: session.account_id.clone(),
            role_arn: target.map(|t| t.role_arn.clone()),
            status: AccountStatus::Scanned,
            resource_counts: collectors.iter().map(|c| (c.resource_type(), 0)).collect(),
            findings: 0,
            errors: 0,
            aws_managed: 0,
        },
        findings: Vec::new(),
        errors: Vec::new(),
        aws_managed: Vec::new(),
        assessed: Vec::new(),
        flagged: Vec::new(),
        session: Some(session.clone()),
    };
    for (collector, collected) in outcomes {
        for item in collected {
            match item {
                Collected::Resource(resource) => {
                    *scan
                        .summary
                        .resource_counts
                        .entry(resource.resource_type)
                        .or_default() += 1;
                    if let Some(reason) = &resource.aws_managed {
                        scan.aws_managed.push(AwsManagedResource {
                            account_id: resource.account_id.clone(),
                            region: resource.region.clone(),
                            resource_type: resource.resource_type,
                            resource_arn: resource.arn.clone(),
                            reason: reason.clone(),
                        });
                    }
                    match analyze(&resource, &request.analysis) {
                        Ok(mut findings) => {
                            scan.assessed
                                .push(crate::report::AssessedResource::of(&resource));
                            guardrails.mark(&resource, &mut findings).await;
                            if !findings.is_empty() && resource.aws_managed.is_none() {
                                scan.flagged.push(resource.clone());
                            }
                            scan.findings.extend(findings)
                        }
                        // The policy was read but is not a policy we can judge: the
                        // resource is not assessed, and says so.
                        Err(err) => scan.errors.push(ScanError {
                            account_id: resource.account_id,
                            region: resource.region,
                            service: resource.resource_type.service().to_string(),
                            resource_type: Some(resource.resource_type),
                            resource_arn: resource.arn,
                            operation: collector.policy_operation().to_string(),
                            reason: err.to_string(),
                        }),
                    }
                }
                Collected::Unreadable(error) => {
                    if let Some(kind) = error.resource_type {
                        *scan.summary.resource_counts.entry(kind).or_default() += 1;
                    }
                    scan.errors.push(error);
                }
                Collected::ListingFailed(error) => scan.errors.push(error),
            }
        }
    }
    scan.summary.findings = scan.findings.len();
    scan.summary.errors = scan.errors.len();
    scan.summary.aws_managed = scan.aws_managed.len();
    if !scan.errors.is_empty() {
        scan.summary.status = AccountStatus::Incomplete;
    }
    scan
}

fn dedup(mut regions: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    regions.retain(|r| seen.insert(r.clone()));
    regions
}

/// Runs every job concurrently. On Ctrl-C, SIGTERM (an ECS task being
/// stopped) or SIGHUP (the terminal closed) the jobs already finished are kept and each unfinished one is
/// recorded as not assessed, so the partial report that follows is honest.
async fn collect_until_interrupted<'a>(
    jobs: &'a [(&'static dyn Collector, RegionContext<'a>)],
    account: &str,
    progress: &dyn Progress,
) -> Vec<(&'static dyn Collector, Vec<Collected>)> {
    // Listen before any job runs (see `shutdown_signal`).
    let interrupted = shutdown_signal();
    let mut pending: FuturesUnordered<_> = jobs
        .iter()
        .enumerate()
        .map(|(index, (collector, ctx))| async move {
            let collected = collector.collect(ctx).await;
            tracing::debug!(service = collector.service(), region = %ctx.region, items = collected.len(), "collected");
            (index, collected)
        })
        .collect();
    let mut done: Vec<Option<Vec<Collected>>> = jobs.iter().map(|_| None).collect();
    tokio::pin!(interrupted);
    let signal_name = loop {
        tokio::select! {
            next = pending.next() => match next {
                Some((index, collected)) => {
                    progress.job_finished(account, jobs[index].0.service(), collected.len());
                    done[index] = Some(collected);
                }
                None => break None,
            },
            name = &mut interrupted => break Some(name),
        }
    };
    drop(pending);
    jobs.iter()
        .zip(done)
        .map(|((collector, ctx), collected)| {
            let collected = collected.unwrap_or_else(|| {
                let signal = signal_name.unwrap_or("a signal");
                vec![Collected::ListingFailed(collect::listing_error(
                    ctx,
                    *collector,
                    INTERRUPTED,
                    format!("the scan was interrupted by {signal} before this listing finished"),
                ))]
            });
            (*collector, collected)
        })
        .collect()
}

/// Resolves with the signal's name on Ctrl-C (SIGINT), SIGTERM or SIGHUP. The
/// listeners are registered here, synchronously, not when the future is first
/// polled: a signal that arrives while the collectors start is still caught
/// (until registration, the default action would kill the process without a
/// report).
fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // A listener that cannot be registered never resolves: that signal keeps
        // its default action, the others still end the scan with a report.
        let listen = |kind: SignalKind, name: &'static str| {
            let registered = signal(kind);
            async move {
                match registered {
                    Ok(mut stream) => {
                        stream.recv().await;
                        name
                    }
                    Err(_) => std::future::pending().await,
                }
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "SIGINT");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        let hangup = listen(SignalKind::hangup(), "SIGHUP");
        async move {
            tokio::select! {
                name = interrupt => name,
                name = terminate => name,
                name = hangup => name,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
