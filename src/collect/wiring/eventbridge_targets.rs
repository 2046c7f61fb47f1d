//! `eventbridge-targets`: which rule sends to which topic, queue or function,
//! and which role it passes. ListEventBuses, then ListRules per bus, then
//! ListTargetsByRule per rule (the rules of one bus at most `concurrency` at once).
//!
//! Other event buses as targets are left out: a bus in another account is
//! reached through the rule's role or the receiving bus's policy naming the
//! sending account, not through a grant to `events.amazonaws.com`
//! (unverified: no AWS page found that documents `events.amazonaws.com` in a
//! bus policy for bus-to-bus delivery).

use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;
use futures::StreamExt;

use super::{read_error, target_type, usage, WiringRead, WiringSource};
use crate::collect::{fetch_all, token_pages, BoxFuture, RegionContext, ScanError, Scope};

pub(super) struct EventBridgeTargets;

/// EventBridge invokes targets as `events.amazonaws.com` with `aws:SourceArn`
/// = the rule's ARN ("Principal": {"Service": "events.amazonaws.com"} ...
/// "ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/rule-name"},
/// https://docs.aws.amazon.com/eventbridge/latest/userguide/resource-based-policies-eventbridge.html),
/// and assumes a target's role as the same principal
/// (https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
const PRINCIPAL: &str = "events.amazonaws.com";

type Client = aws_sdk_eventbridge::Client;

impl WiringSource for EventBridgeTargets {
    fn kind(&self) -> &'static str {
        "eventbridge-targets"
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::SnsTopic),
            (PRINCIPAL, ResourceType::SqsQueue),
            (PRINCIPAL, ResourceType::LambdaFunction),
            (PRINCIPAL, ResourceType::IamRole),
        ]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        &[
            "events:ListEventBuses",
            "events:ListRules",
            "events:ListTargetsByRule",
        ]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_eventbridge, ctx, "events");
            let mut out = WiringRead::default();
            let scope = |resource: &str| {
                format!(
                    "arn:{}:events:{}:{}:{resource}",
                    ctx.partition(),
                    ctx.region,
                    ctx.account_id()
                )
            };
            let buses = token_pages(|token| {
                let client = client.clone();
                async move {
                    let page = client
                        .list_event_buses()
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(|e| crate::collect::describe_sdk_error(&e))?;
                    let names = page
                        .event_buses
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|b| b.name)
                        .collect();
                    Ok((names, page.next_token))
                }
            });
            let buses: Vec<Result<String, String>> = buses.collect().await;
            for bus in buses {
                let bus = match bus {
                    Ok(bus) => bus,
                    Err(reason) => {
                        out.errors.push(read_error(
                            ctx,
                            self,
                            "events",
                            scope("event-bus/*"),
                            "ListEventBuses",
                            reason,
                        ));
                        break;
                    }
                };
                let rules = token_pages(|token| {
                    let (client, bus) = (client.clone(), bus.clone());
                    async move {
                        let page = client
                            .list_rules()
                            .event_bus_name(bus)
                            .set_next_token(token)
                            .send()
                            .await
                            .map_err(|e| crate::collect::describe_sdk_error(&e))?;
                        let rules = page
                            .rules
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|r| Some((r.name?, r.arn?)))
                            .collect();
                        Ok((rules, page.next_token))
                    }
                });
                let (reads, listing_error) =
                    fetch_all(rules, ctx.concurrency(), |(name, arn)| {
                        read_rule(self, ctx, &client, &bus, name, arn)
                    })
                    .await;
                for read in reads {
                    match read {
                        Ok(usages) => out.usages.extend(usages),
                        Err(error) => out.errors.push(error),
                    }
                }
                if let Some(reason) = listing_error {
                    out.errors.push(read_error(
                        ctx,
                        self,
                        "events",
                        scope(&format!("rule/{bus}/*")),
                        "ListRules",
                        reason,
                    ));
                }
            }
            out
        })
    }
}

/// The uses of one rule's targets.
async fn read_rule(
    kind: &EventBridgeTargets,
    ctx: &RegionContext<'_>,
    client: &Client,
    bus: &str,
    rule: String,
    rule_arn: String,
) -> Result<Vec<Usage>, ScanError> {
    let targets = token_pages(|token| {
        let (client, rule, bus) = (client.clone(), rule.clone(), bus.to_string());
        async move {
            let page = client
                .list_targets_by_rule()
                .rule(rule)
                .event_bus_name(bus)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| crate::collect::describe_sdk_error(&e))?;
            Ok((page.targets.unwrap_or_default(), page.next_token))
        }
    });
    let targets: Vec<Result<aws_sdk_eventbridge::types::Target, String>> =
        targets.collect().await;
    let mut usages = Vec::new();
    for target in targets {
        let target = target.map_err(|reason| {
            read_error(ctx, kind, "events", &rule_arn, "ListTargetsByRule", reason)
        })?;
        let source = Some(rule_arn.clone());
        // With a RoleArn, EventBridge may reach a Lambda, SNS or SQS target
        // through the role instead of the target's policy ("If no execution
        // role is configured, EventBridge uses resource-based policies on the
        // target resource", resource-based-policies-eventbridge.html above):
        // both are recorded, so that no grant a rule may rely on is called unused.
        if matches!(
            target_type(&target.arn),
            Some(ResourceType::SnsTopic | ResourceType::SqsQueue | ResourceType::LambdaFunction)
        ) {
            usages.push(usage(ctx, kind, PRINCIPAL, source.clone(), target.arn));
        }
        if let Some(role) = target.role_arn {
            if target_type(&role) == Some(ResourceType::IamRole) {
                usages.push(usage(ctx, kind, PRINCIPAL, source, role));
            }
        }
    }
    Ok(usages)
}
