//! A scan: collect every selected service in every region concurrently, then
//! analyze each policy, then assemble the [`Report`]. The three stages only
//! meet here.

use std::collections::BTreeMap;

use anyhow::bail;
use deputy_audit_analyze::{analyze, AnalysisOptions};
use futures::stream::{FuturesUnordered, StreamExt};

use crate::collect::{
    self, AwsSession, Collected, Collector, RegionContext, Scope, SessionOptions,
};
use crate::report::{Report, ToolInfo, SCHEMA_VERSION};

/// What to scan and how to judge it.
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    pub session: SessionOptions,
    /// Regions to scan; empty means the configured region.
    pub regions: Vec<String>,
    /// Services to collect (`iam`, `sqs`, ...); empty means all.
    pub services: Vec<String>,
    pub analysis: AnalysisOptions,
}

/// Why a scan could not start at all (as opposed to resources it could not read,
/// which end up in the report).
#[derive(Debug, thiserror::Error)]
pub enum ScanStartError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Connect(#[from] anyhow::Error),
}

pub async fn run(request: ScanRequest) -> Result<Report, ScanStartError> {
    let collectors = collect::select(&request.services).map_err(ScanStartError::Usage)?;
    let regions = resolve_regions(&request)
        .await
        .map_err(|e| ScanStartError::Usage(e.to_string()))?;
    let started = now_rfc3339();
    let session = AwsSession::connect(request.session.clone(), &regions[0]).await?;
    tracing::info!(account = %session.account_id, caller = %session.caller_arn, "scanning");

    // Global services are listed once (from the first region), regional ones in each.
    let mut jobs: Vec<(&'static dyn Collector, RegionContext<'_>)> = Vec::new();
    for &collector in &collectors {
        let job_regions = match collector.scope() {
            Scope::Global => &regions[..1],
            Scope::Regional => &regions[..],
        };
        for region in job_regions {
            jobs.push((
                collector,
                RegionContext {
                    session: &session,
                    region: region.clone(),
                },
            ));
        }
    }
    let outcomes = collect_until_interrupted(&jobs).await;

    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        scan_started: started,
        scan_finished: String::new(),
        account_id: session.account_id.clone(),
        regions: regions.clone(),
        resource_counts: collectors
            .iter()
            .map(|c| (c.resource_type(), 0))
            .collect::<BTreeMap<_, _>>(),
        findings: Vec::new(),
        errors: Vec::new(),
    };
    for (collector, collected) in outcomes {
        for item in collected {
            match item {
                Collected::Resource(resource) => {
                    *report
                        .resource_counts
                        .entry(resource.resource_type)
                        .or_default() += 1;
                    match analyze(&resource, &request.analysis) {
                        Ok(findings) => report.findings.extend(findings),
                        // The policy was read but is not a policy we can judge: the
                        // resource is not assessed, and says so.
                        Err(err) => report.errors.push(collect::ScanError {
                            account_id: resource.account_id,
                            region: resource.region,
                            service: resource.resource_type.service().to_string(),
                            resource_type: resource.resource_type,
                            resource_arn: resource.arn,
                            operation: collector.policy_operation().to_string(),
                            reason: err.to_string(),
                        }),
                    }
                }
                Collected::Unreadable(error) => {
                    *report
                        .resource_counts
                        .entry(error.resource_type)
                        .or_default() += 1;
                    report.errors.push(error);
                }
                Collected::ListingFailed(error) => report.errors.push(error),
            }
        }
    }
    report.scan_finished = now_rfc3339();
    report.normalize();
    Ok(report)
}

/// Runs every job concurrently. On Ctrl-C or SIGTERM (an ECS task being
/// stopped) the jobs already finished are kept and each unfinished one is
/// recorded as not assessed, so the partial report that follows is honest.
async fn collect_until_interrupted<'a>(
    jobs: &'a [(&'static dyn Collector, RegionContext<'a>)],
) -> Vec<(&'static dyn Collector, Vec<Collected>)> {
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
    let interrupted = shutdown_signal();
    tokio::pin!(interrupted);
    let signal_name = loop {
        tokio::select! {
            next = pending.next() => match next {
                Some((index, collected)) => done[index] = Some(collected),
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
                vec![Collected::ListingFailed(collect::ScanError::listing(
                    ctx,
                    *collector,
                    "(interrupted)",
                    format!("the scan was interrupted by {signal} before this listing finished"),
                ))]
            });
            (*collector, collected)
        })
        .collect()
}

/// Resolves with the signal's name on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

async fn resolve_regions(request: &ScanRequest) -> anyhow::Result<Vec<String>> {
    let mut regions = request.regions.clone();
    if regions.is_empty() {
        let config = AwsSession::load_config(&request.session, None).await;
        match AwsSession::configured_region(&config) {
            Some(region) => regions.push(region),
            None => bail!("no region configured: pass --region, set AWS_REGION, or set a region in the profile"),
        }
    }
    let mut seen = std::collections::HashSet::new();
    regions.retain(|r| seen.insert(r.clone()));
    Ok(regions)
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A filename-safe timestamp for report files: `20261123T120000Z`.
pub fn file_stamp() -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}
