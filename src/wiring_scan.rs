//! After every account is collected and analyzed: read the wiring the
//! findings need (who really uses each flagged grant), once per source kind,
//! account and region, never per finding.
//!
//! A wiring read that fails is recorded twice: in its kind's coverage
//! (`Failed`, so no grant it feeds is called unused) and in the report's
//! errors (so nothing is silent). It is not an assessment error: no resource
//! becomes "not assessed" (the entry has no resource type) and the scan is
//! not incomplete because of it (`Report::is_complete` leaves out the errors
//! a kind's `Failed` reasons name, [`ScanError::is_wiring_error`]), since every policy was still judged;
//! only the corrections that kind feeds are less exact.

use deputy_audit_analyze::wiring::{same_principal, Feed, KindCoverage, KindStatus};
use deputy_audit_analyze::{Finding, Wiring};
use futures::StreamExt;

use crate::collect::wiring::{WiringSource, SOURCES};
use crate::collect::{AwsSession, RegionContext, Scope};
use crate::scan_error::ScanError;

/// What the wiring read of a scan needs to know.
pub(crate) struct WiringRequest<'a> {
    /// One session per account scanned (not failed).
    pub sessions: &'a [AwsSession],
    pub regions: &'a [String],
    pub findings: &'a [Finding],
    /// The kinds the user allows (`--sources`).
    pub allowed: &'a [&'static dyn WiringSource],
    pub account_concurrency: usize,
    /// Why the wiring is not read at all (the scan was interrupted).
    pub interrupted: Option<String>,
}

/// The wiring, and the read errors to add to the report's errors.
pub(crate) async fn read_wiring(request: WiringRequest<'_>) -> (Wiring, Vec<ScanError>) {
    let mut wiring = Wiring {
        accounts: request
            .sessions
            .iter()
            .map(|s| s.account_id.clone())
            .collect(),
        regions: request.regions.to_vec(),
        ..Wiring::default()
    };
    let to_read: Vec<&'static dyn WiringSource> = SOURCES
        .iter()
        .copied()
        .filter(|k| is_allowed(k, request.allowed) && is_needed(*k, request.findings))
        .collect();
    let mut errors = Vec::new();
    let mut failures: Vec<(&'static str, String)> = Vec::new();
    match &request.interrupted {
        Some(why) => {
            failures.extend(
                to_read
                    .iter()
                    .map(|k| (k.kind(), format!("not read: {why}"))),
            );
        }
        None => {
            let reads = read_all(&request, &to_read).await;
            for (kind, read) in reads {
                wiring.usages.extend(read.usages);
                for mut error in read.errors {
                    failures.push((kind, error.wiring_reason()));
                    error.reason = format!("{}{}", error.reason, ScanError::wiring_suffix(kind));
                    errors.push(error);
                }
            }
        }
    }
    wiring.usages.sort();
    wiring.usages.dedup();
    wiring.accounts.sort();
    wiring.kinds = SOURCES
        .iter()
        .map(|kind| {
            let reasons: Vec<String> = failures
                .iter()
                .filter(|(k, _)| *k == kind.kind())
                .map(|(_, r)| r.clone())
                .collect();
            let status = if !is_allowed(kind, request.allowed) {
                KindStatus::Skipped
            } else if !to_read.iter().any(|k| k.kind() == kind.kind()) {
                KindStatus::NotNeeded
            } else if reasons.is_empty() {
                KindStatus::Read
            } else {
                KindStatus::Failed(reasons)
            };
            KindCoverage {
                kind: kind.kind().to_string(),
                feeds: feeds(*kind),
                status,
            }
        })
        .collect();
    (wiring, errors)
}

fn is_allowed(kind: &&'static dyn WiringSource, allowed: &[&'static dyn WiringSource]) -> bool {
    allowed.iter().any(|a| a.kind() == kind.kind())
}

fn feeds(kind: &dyn WiringSource) -> Vec<Feed> {
    kind.feeds()
        .iter()
        .map(|(principal, target)| Feed {
            principal: principal.to_string(),
            target: *target,
        })
        .collect()
}

/// A kind is needed when one of its feeds meets a finding someone can act on
/// (not AWS-managed): same resource type, and the finding's statement grants
/// the feed's principal (or everyone, `*`).
pub(crate) fn is_needed(kind: &dyn WiringSource, findings: &[Finding]) -> bool {
    findings.iter().filter(|f| !f.aws_managed).any(|f| {
        kind.feeds().iter().any(|(principal, target)| {
            f.resource_type == *target
                && f.principals
                    .iter()
                    .any(|p| p == "*" || same_principal(p, principal))
        })
    })
}

/// Every (kind, account, region) read: accounts `account_concurrency` at a
/// time, every read of one account at once (each kind bounds its own
/// per-resource calls by `--concurrency`, as collectors do).
async fn read_all(
    request: &WiringRequest<'_>,
    kinds: &[&'static dyn WiringSource],
) -> Vec<(&'static str, crate::collect::wiring::WiringRead)> {
    if kinds.is_empty() || request.regions.is_empty() {
        return Vec::new();
    }
    let per_account = futures::stream::iter(request.sessions)
        .map(|session| async move {
            let mut jobs: Vec<(&'static dyn WiringSource, RegionContext<'_>)> = Vec::new();
            for &kind in kinds {
                let regions = match kind.scope() {
                    Scope::Global => &request.regions[..1],
                    Scope::Regional => request.regions,
                };
                for region in regions {
                    jobs.push((
                        kind,
                        RegionContext {
                            session,
                            region: region.clone(),
                            scanned_regions: request.regions,
                        },
                    ));
                }
            }
            let reads = futures::future::join_all(jobs.iter().map(|(kind, ctx)| async move {
                tracing::info!(kind = kind.kind(), account = %ctx.account_id(), region = %ctx.region, "reading who uses the grants");
                let read = kind.read(ctx).await;
                tracing::debug!(kind = kind.kind(), account = %ctx.account_id(), region = %ctx.region, usages = read.usages.len(), errors = read.errors.len(), "read");
                (kind.kind(), read)
            }))
            .await;
            reads
        })
        .buffer_unordered(request.account_concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    per_account.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deputy_audit_analyze::ResourceType;

    #[test]
    fn wiring_errors_are_recognised_by_their_kind_reason() {
        let error = ScanError {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            service: "sns".into(),
            resource_type: None,
            resource_arn: "arn:aws:sns:us-east-1:111122223333:*".into(),
            operation: "ListSubscriptions".into(),
            reason: "AccessDenied: no".into(),
        };
        let reason = error.wiring_reason();
        assert_eq!(
            reason,
            "111122223333 us-east-1 ListSubscriptions: AccessDenied: no"
        );
        let wiring = Wiring {
            kinds: vec![KindCoverage {
                kind: "sns-subscriptions".into(),
                feeds: Vec::new(),
                status: KindStatus::Failed(vec![reason]),
            }],
            ..Wiring::default()
        };
        let recorded = ScanError {
            reason: "AccessDenied: no (source kind sns-subscriptions)".into(),
            ..error.clone()
        };
        assert!(recorded.is_wiring_error(&wiring));
        assert!(!error.is_wiring_error(&wiring));
        let assessment = ScanError {
            resource_type: Some(deputy_audit_analyze::ResourceType::SnsTopic),
            ..recorded
        };
        assert!(!assessment.is_wiring_error(&wiring));
    }

    fn findings_of(resource_type: ResourceType, principal: &str) -> Vec<Finding> {
        let arn = match resource_type {
            ResourceType::SqsQueue => "arn:aws:sqs:us-east-1:111122223333:q",
            _ => "arn:aws:sns:us-east-1:111122223333:t",
        };
        let action = match resource_type {
            ResourceType::SqsQueue => "sqs:SendMessage",
            _ => "sns:Publish",
        };
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": principal},
            "Action": action, "Resource": arn}]});
        let resource = deputy_audit_analyze::ResourcePolicy {
            arn: arn.into(),
            resource_type,
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            policy: Some(policy.to_string()),
            aws_managed: None,
        };
        let findings =
            deputy_audit_analyze::analyze(&resource, &Default::default()).expect("a valid policy");
        assert!(
            !findings.is_empty(),
            "an open grant to {principal} has findings"
        );
        findings
    }

    fn kind(name: &str) -> &'static dyn WiringSource {
        SOURCES
            .iter()
            .copied()
            .find(|k| k.kind() == name)
            .expect("registered")
    }

    /// A kind is needed only by a finding on a type it feeds whose statement
    /// grants its principal, and never by AWS-managed ones.
    #[test]
    fn kinds_are_needed_by_the_findings_they_feed() {
        let on_queue_from_sns = findings_of(ResourceType::SqsQueue, "sns.amazonaws.com");
        assert!(is_needed(kind("sns-subscriptions"), &on_queue_from_sns));
        assert!(!is_needed(kind("cloudwatch-alarms"), &on_queue_from_sns));
        assert!(!is_needed(kind("s3-notifications"), &on_queue_from_sns));
        let on_topic_from_cloudwatch =
            findings_of(ResourceType::SnsTopic, "cloudwatch.amazonaws.com");
        assert!(is_needed(
            kind("cloudwatch-alarms"),
            &on_topic_from_cloudwatch
        ));
        assert!(!is_needed(
            kind("sns-subscriptions"),
            &on_topic_from_cloudwatch
        ));
        let managed: Vec<Finding> = on_queue_from_sns
            .into_iter()
            .map(|f| Finding {
                aws_managed: true,
                ..f
            })
            .collect();
        assert!(!is_needed(kind("sns-subscriptions"), &managed));
    }

    /// Without reads, every registered kind has one coverage entry:
    /// skipped when not allowed, not needed when no finding asks, failed
    /// (not read) when the scan was interrupted.
    #[tokio::test]
    async fn coverage_names_every_kind() {
        let findings = findings_of(ResourceType::SqsQueue, "sns.amazonaws.com");
        let allowed: Vec<&'static dyn WiringSource> =
            vec![kind("sns-subscriptions"), kind("cloudwatch-alarms")];
        let regions = vec!["us-east-1".to_string()];
        let (wiring, errors) = read_wiring(WiringRequest {
            sessions: &[],
            regions: &regions,
            findings: &findings,
            allowed: &allowed,
            account_concurrency: 1,
            interrupted: Some("the scan was interrupted".into()),
        })
        .await;
        assert!(errors.is_empty());
        assert_eq!(wiring.kinds.len(), SOURCES.len());
        for coverage in &wiring.kinds {
            let expected = match coverage.kind.as_str() {
                "sns-subscriptions" => {
                    KindStatus::Failed(vec!["not read: the scan was interrupted".into()])
                }
                "cloudwatch-alarms" => KindStatus::NotNeeded,
                _ => KindStatus::Skipped,
            };
            assert_eq!(coverage.status, expected, "{}", coverage.kind);
            assert!(!coverage.feeds.is_empty());
        }
    }

    /// A wiring read error is listed in the report's errors but leaves the
    /// scan complete (exit code 1 or 0, not 3).
    #[test]
    fn a_wiring_error_does_not_make_the_report_incomplete() {
        let mut report = crate::report::Report::new(
            String::new(),
            "111122223333".into(),
            vec!["us-east-1".into()],
            Default::default(),
        );
        let error = ScanError {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            service: "sns".into(),
            resource_type: None,
            resource_arn: "arn:aws:sns:us-east-1:111122223333:*".into(),
            operation: "ListSubscriptions".into(),
            reason: "AccessDenied: no".into(),
        };
        report.wiring.kinds.push(KindCoverage {
            kind: "sns-subscriptions".into(),
            feeds: Vec::new(),
            status: KindStatus::Failed(vec![error.wiring_reason()]),
        });
        report.errors.push(ScanError {
            reason: format!(
                "{}{}",
                error.reason,
                ScanError::wiring_suffix("sns-subscriptions")
            ),
            ..error.clone()
        });
        assert!(report.is_complete());
        assert!(report.resource_records().is_empty());
        report.errors.push(ScanError {
            resource_type: Some(deputy_audit_analyze::ResourceType::SqsQueue),
            ..error
        });
        assert!(!report.is_complete());
    }
}
