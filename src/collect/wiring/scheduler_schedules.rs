//! EventBridge Scheduler schedules: ListSchedules (every group, paginated), then
//! GetSchedule per schedule, since only the full schedule carries its target's
//! `RoleArn`. Scheduler assumes that execution role to reach the target, so the
//! role's trust policy is what lets `scheduler.amazonaws.com` in; the target's
//! own policy sees the role, not the service, and is not a use of a service grant.
//!
//! The pin: "We recommend using the aws:SourceArn and aws:SourceAccount global
//! condition context keys in your schedule execution role ... The value of
//! aws:SourceArn must be your EventBridge Scheduler schedule group ARN ... Do not
//! scope the aws:SourceArn statement to a specific schedule or a schedule name
//! prefix" (example `arn:aws:scheduler:*:123456789012:schedule-group/your-schedule-group`),
//! <https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html>.
//! The group ARN is `arn:${Partition}:scheduler:${Region}:${Account}:schedule-group/${GroupName}`
//! (resource type schedule-group in
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html>).

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{read_error, WiringRead, WiringSource};
use crate::collect::{describe_sdk_error, fetch_all, list_items, BoxFuture, RegionContext, Scope};

const PRINCIPAL: &str = "scheduler.amazonaws.com";
const KIND: &str = "scheduler-schedules";

pub(super) struct SchedulerSchedules;

impl WiringSource for SchedulerSchedules {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[(PRINCIPAL, ResourceType::IamRole)]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["scheduler:ListSchedules", "scheduler:GetSchedule"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_scheduler, ctx, "scheduler");
            // No GroupName filter: every group's schedules.
            let schedules = list_items(
                client
                    .list_schedules()
                    .max_results(100)
                    .into_paginator()
                    .send(),
                |page| {
                    page.schedules
                        .into_iter()
                        .filter_map(|s| Some((s.name?, s.group_name)))
                },
            );
            let scope = |suffix: &str| {
                format!(
                    "arn:{}:scheduler:{}:{}:{suffix}",
                    ctx.partition(),
                    ctx.region,
                    ctx.account_id()
                )
            };
            let (reads, listing_error) =
                fetch_all(schedules, ctx.concurrency(), |(name, group)| {
                    let client = client.clone();
                    async move {
                        let mut call = client.get_schedule().name(&name);
                        if let Some(group) = &group {
                            call = call.group_name(group);
                        }
                        call.send()
                            .await
                            .map(|schedule| {
                                schedule_usages(
                                    &schedule,
                                    ctx.partition(),
                                    ctx.account_id(),
                                    &ctx.region,
                                )
                            })
                            .map_err(|err| {
                                let group = group.as_deref().unwrap_or("default");
                                read_error(
                                    ctx,
                                    self,
                                    "scheduler",
                                    scope(&format!("schedule/{group}/{name}")),
                                    "GetSchedule",
                                    describe_sdk_error(&err),
                                )
                            })
                    }
                })
                .await;
            let mut out = WiringRead::default();
            for read in reads {
                match read {
                    Ok(usage) => out.usages.extend(usage),
                    Err(error) => out.errors.push(error),
                }
            }
            if let Some(reason) = listing_error {
                out.errors.push(read_error(
                    ctx,
                    self,
                    "scheduler",
                    scope("schedule/*"),
                    "ListSchedules",
                    reason,
                ));
            }
            out
        })
    }
}

/// The execution role a schedule's target runs as, pinned to the schedule's group.
fn schedule_usages(
    schedule: &GetScheduleOutput,
    partition: &str,
    account: &str,
    region: &str,
) -> Option<Usage> {
    let role = schedule
        .target
        .as_ref()
        .map(|t| t.role_arn.as_str())
        .filter(|r| !r.is_empty())?;
    // A schedule created without a group is in the group named "default"
    // (CreateSchedule's GroupName: "If you omit this, the default group is used").
    let group = schedule
        .group_name
        .as_deref()
        .filter(|g| !g.is_empty())
        .unwrap_or("default");
    Some(Usage {
        kind: KIND.to_string(),
        service_principal: PRINCIPAL.to_string(),
        source_arn: Some(format!(
            "arn:{partition}:scheduler:{region}:{account}:schedule-group/{group}"
        )),
        source_account: account.to_string(),
        source_region: region.to_string(),
        // Target.RoleArn is the role's ARN, as the IAM collector names the role
        // (ListRoles' Arn, path included).
        target_arn: role.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_scheduler::types::Target;

    fn schedule(group: Option<&str>, role: &str) -> GetScheduleOutput {
        GetScheduleOutput::builder()
            .name("nightly")
            .set_group_name(group.map(str::to_string))
            .target(
                Target::builder()
                    .arn("arn:aws:sqs:us-east-1:111122223333:jobs")
                    .role_arn(role)
                    .build()
                    .expect("target with arn and role"),
            )
            .build()
    }

    #[test]
    fn the_role_is_pinned_to_the_schedule_group() {
        let u = schedule_usages(
            &schedule(Some("batch"), "arn:aws:iam::111122223333:role/service/sched"),
            "aws",
            "111122223333",
            "us-east-1",
        )
        .expect("a use");
        assert_eq!(u.kind, "scheduler-schedules");
        assert_eq!(u.service_principal, "scheduler.amazonaws.com");
        assert_eq!(
            u.source_arn.as_deref(),
            Some("arn:aws:scheduler:us-east-1:111122223333:schedule-group/batch")
        );
        assert_eq!(u.target_arn, "arn:aws:iam::111122223333:role/service/sched");
        assert_eq!(u.source_account, "111122223333");
        assert_eq!(u.source_region, "us-east-1");
    }

    #[test]
    fn no_group_is_the_default_group_and_no_role_is_no_use() {
        let u = schedule_usages(
            &schedule(None, "arn:aws:iam::111122223333:role/r"),
            "aws",
            "111122223333",
            "eu-west-1",
        )
        .expect("a use");
        assert_eq!(
            u.source_arn.as_deref(),
            Some("arn:aws:scheduler:eu-west-1:111122223333:schedule-group/default")
        );
        assert!(
            schedule_usages(&schedule(None, ""), "aws", "111122223333", "eu-west-1").is_none()
        );
        assert!(schedule_usages(
            &GetScheduleOutput::builder().build(),
            "aws",
            "111122223333",
            "eu-west-1"
        )
        .is_none());
    }
}
