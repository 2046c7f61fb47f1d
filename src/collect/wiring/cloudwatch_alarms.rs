//! `cloudwatch-alarms`: which alarm publishes to which topic. DescribeAlarms
//! (metric and composite alarms), one paginated listing per region; an
//! alarm's actions, OK actions and insufficient-data actions that are SNS
//! topics are its uses.

use deputy_audit_analyze::ResourceType;
use futures::StreamExt;

use super::{read_error, target_type, usage, WiringRead, WiringSource};
use crate::collect::{list_items, BoxFuture, RegionContext, Scope};

pub(super) struct CloudWatchAlarms;

/// CloudWatch publishes as `cloudwatch.amazonaws.com` with `aws:SourceArn` =
/// the alarm's ARN (the topic-policy example for CloudWatch alarms,
/// https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
const PRINCIPAL: &str = "cloudwatch.amazonaws.com";

impl WiringSource for CloudWatchAlarms {
    fn kind(&self) -> &'static str {
        "cloudwatch-alarms"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[(PRINCIPAL, ResourceType::SnsTopic)]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["cloudwatch:DescribeAlarms"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            use aws_sdk_cloudwatch::types::AlarmType;
            let client = wiring_client!(aws_sdk_cloudwatch, ctx, "cloudwatch");
            // Each alarm as (ARN, every action it takes).
            let alarms = list_items(
                client
                    .describe_alarms()
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .into_paginator()
                    .send(),
                |page| {
                    let metric = page.metric_alarms.unwrap_or_default().into_iter().map(|a| {
                        let actions = [a.alarm_actions, a.ok_actions, a.insufficient_data_actions];
                        (a.alarm_arn, actions)
                    });
                    let composite = page
                        .composite_alarms
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| {
                            let actions =
                                [a.alarm_actions, a.ok_actions, a.insufficient_data_actions];
                            (a.alarm_arn, actions)
                        });
                    metric.chain(composite).collect::<Vec<_>>()
                },
            );
            let mut alarms = std::pin::pin!(alarms);
            let mut out = WiringRead::default();
            while let Some(alarm) = alarms.next().await {
                let (arn, actions) = match alarm {
                    Ok(alarm) => alarm,
                    Err(reason) => {
                        let scope = format!(
                            "arn:{}:cloudwatch:{}:{}:alarm:*",
                            ctx.partition(),
                            ctx.region,
                            ctx.account_id()
                        );
                        out.errors.push(read_error(
                            ctx,
                            self,
                            "cloudwatch",
                            scope,
                            "DescribeAlarms",
                            reason,
                        ));
                        break;
                    }
                };
                let Some(arn) = arn else { continue };
                for action in actions.into_iter().flatten().flatten() {
                    // Other actions (Auto Scaling, EC2, Systems Manager) are
                    // not grants to CloudWatch on a scanned resource.
                    if target_type(&action) == Some(ResourceType::SnsTopic) {
                        out.usages
                            .push(usage(ctx, self, PRINCIPAL, Some(arn.clone()), action));
                    }
                }
            }
            out
        })
    }
}
