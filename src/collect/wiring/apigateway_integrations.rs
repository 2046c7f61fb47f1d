//! API Gateway (REST, v1) integrations: GetRestApis (paginated), then per API
//! GetResources with `embed=methods` (paginated), whose embedded methods carry
//! their `methodIntegration`; a method embedded without one is asked for it with
//! GetIntegration. Two uses come out of an integration:
//!
//! - A Lambda integration invokes its function as `apigateway.amazonaws.com`, so
//!   the function's policy lets that principal in. Its URI is
//!   `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`,
//!   where the function may be qualified or name a stage variable
//!   (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables-reference.html>:
//!   "You can use a stage variable in place of a Lambda function integration name
//!   or alias"). A stage variable's value lives in each stage; which function it
//!   names is not read here, so such an integration records nothing.
//!   The pin is the API's execute-api ARN: `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>`
//!   ("arn:aws:execute-api:us-east-1:*:a123456789/test/POST/mydemoresource/*",
//!   <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-iam-policy-examples-for-api-execution.html>),
//!   recorded as the `ArnLike` pattern `.../<api-id>/*` that covers every stage,
//!   method and path of the API. That API Gateway sends exactly this ARN as
//!   `aws:SourceArn` when invoking Lambda rests on Lambda's AddPermission
//!   ("For AWS services, the ARN of the AWS resource that invokes the function",
//!   <https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html>) and the
//!   execute-api format above; no page returned spells out the `/*` pattern for it.
//! - An integration's `credentials`: "To specify an IAM Role for API Gateway to
//!   assume, use the role's Amazon Resource Name (ARN). To require that the
//!   caller's identity be passed through from the request, specify the string
//!   arn:aws:iam::*:user/*" (Integration, API reference). The role's trust policy
//!   lets `apigateway.amazonaws.com` in; what `aws:SourceArn` carries when API
//!   Gateway assumes it is unverified (no AWS page found), so `source_arn: None`.

use std::collections::BTreeSet;

use aws_sdk_apigateway::types::{Integration, Resource};
use deputy_audit_analyze::wiring::Usage;
use deputy_audit_analyze::ResourceType;

use super::{read_error, WiringRead, WiringSource};
use crate::collect::{
    describe_sdk_error, fetch_all, list_items, paginate, BoxFuture, RegionContext, Scope,
};

const PRINCIPAL: &str = "apigateway.amazonaws.com";
const KIND: &str = "apigateway-integrations";

pub(super) struct ApiGatewayIntegrations;

impl WiringSource for ApiGatewayIntegrations {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn feeds(&self) -> &'static [(&'static str, ResourceType)] {
        &[
            (PRINCIPAL, ResourceType::LambdaFunction),
            (PRINCIPAL, ResourceType::IamRole),
        ]
    }
    fn scope(&self) -> Scope {
        Scope::Regional
    }
    fn permissions(&self) -> &'static [&'static str] {
        // API Gateway's management API authorizes reads as `apigateway:GET` on the
        // resource path (GetRestApis, GetResources and GetIntegration alike).
        &["apigateway:GET"]
    }

    fn read<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, WiringRead> {
        Box::pin(async move {
            let client = wiring_client!(aws_sdk_apigateway, ctx, "apigateway");
            let apis = list_items(
                client.get_rest_apis().limit(500).into_paginator().send(),
                |page| page.items.unwrap_or_default().into_iter().filter_map(|a| a.id),
            );
            let (reads, listing_error) = fetch_all(apis, ctx.concurrency(), |api_id| {
                let client = client.clone();
                async move { read_api(ctx, &client, api_id).await }
            })
            .await;
            let mut out = WiringRead::default();
            for read in reads {
                out.usages.extend(read.usages);
                out.errors.extend(read.errors);
            }
            if let Some(reason) = listing_error {
                out.errors.push(read_error(
                    ctx,
                    self,
                    "apigateway",
                    format!("arn:{}:apigateway:{}::/restapis", ctx.partition(), ctx.region),
                    "GetRestApis",
                    reason,
                ));
            }
            out
        })
    }
}

/// One API's integrations, page by page of its resources.
async fn read_api(
    ctx: &RegionContext<'_>,
    client: &aws_sdk_apigateway::Client,
    api_id: String,
) -> WiringRead {
    use futures::StreamExt;
    let api_path = |suffix: &str| {
        format!(
            "arn:{}:apigateway:{}::/restapis/{api_id}{suffix}",
            ctx.partition(),
            ctx.region
        )
    };
    let api = ApiContext {
        partition: ctx.partition(),
        account: ctx.account_id(),
        region: &ctx.region,
        api_id: &api_id,
    };
    let mut read = WiringRead::default();
    let mut pages = paginate(
        client
            .get_resources()
            .rest_api_id(&api_id)
            .embed("methods")
            .limit(500)
            .into_paginator()
            .send(),
    );
    while let Some(page) = pages.next().await {
        let resources = match page {
            Ok(page) => page.items.unwrap_or_default(),
            Err(err) => {
                read.errors.push(read_error(
                    ctx,
                    &ApiGatewayIntegrations,
                    "apigateway",
                    api_path("/resources"),
                    "GetResources",
                    describe_sdk_error(&err),
                ));
                break;
            }
        };
        for resource in &resources {
            let (integrations, missing) = embedded_integrations(resource);
            for integration in integrations {
                read.usages.extend(integration_usages(&api, integration));
            }
            let Some(resource_id) = resource.id.as_deref() else {
                continue;
            };
            for http_method in missing {
                let asked = client
                    .get_integration()
                    .rest_api_id(&api_id)
                    .resource_id(resource_id)
                    .http_method(&http_method)
                    .send()
                    .await;
                match asked {
                    Ok(out) => {
                        let integration = Integration::builder()
                            .set_uri(out.uri)
                            .set_credentials(out.credentials)
                            .build();
                        read.usages.extend(integration_usages(&api, &integration));
                    }
                    // A method nobody has given an integration yet has none.
                    Err(err)
                        if err
                            .as_service_error()
                            .is_some_and(|e| e.is_not_found_exception()) => {}
                    Err(err) => read.errors.push(read_error(
                        ctx,
                        &ApiGatewayIntegrations,
                        "apigateway",
                        api_path(&format!(
                            "/resources/{resource_id}/methods/{http_method}/integration"
                        )),
                        "GetIntegration",
                        describe_sdk_error(&err),
                    )),
                }
            }
        }
    }
    read
}

/// Where an integration lives: what its uses are pinned to.
struct ApiContext<'a> {
    partition: &'a str,
    account: &'a str,
    region: &'a str,
    api_id: &'a str,
}

/// A resource's embedded integrations, and the methods embedded without one.
fn embedded_integrations(resource: &Resource) -> (Vec<&Integration>, BTreeSet<String>) {
    let mut found = Vec::new();
    let mut missing = BTreeSet::new();
    for (http_method, method) in resource.resource_methods.iter().flatten() {
        match &method.method_integration {
            Some(integration) => found.push(integration),
            None => {
                missing.insert(http_method.clone());
            }
        }
    }
    (found, missing)
}

/// The function a Lambda integration invokes and the role it runs as, if any.
fn integration_usages(api: &ApiContext<'_>, integration: &Integration) -> Vec<Usage> {
    let usage = |target_arn: String, source_arn: Option<String>| Usage {
        kind: KIND.to_string(),
        service_principal: PRINCIPAL.to_string(),
        source_arn,
        source_account: api.account.to_string(),
        source_region: api.region.to_string(),
        target_arn,
    };
    let mut usages = Vec::new();
    if let Some(function) = integration.uri.as_deref().and_then(lambda_function_of_uri) {
        let execute_api = format!(
            "arn:{}:execute-api:{}:{}:{}/*",
            api.partition, api.region, api.account, api.api_id
        );
        usages.push(usage(function, Some(execute_api)));
    }
    if let Some(role) = integration.credentials.as_deref().filter(|c| is_role_arn(c)) {
        usages.push(usage(role.to_string(), None));
    }
    usages
}

/// The function ARN inside a Lambda integration URI
/// (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations`),
/// as the Lambda collector names it: unqualified, or `FUNCTION:QUALIFIER` for a
/// version or alias. `None` for other integrations and for a function or
/// qualifier given by a stage variable (`${stageVariables.x}`), whose value is
/// per stage and not read here.
fn lambda_function_of_uri(uri: &str) -> Option<String> {
    let (head, path) = uri.split_once(":lambda:path/")?;
    if !head.starts_with("arn:") || !head.contains(":apigateway:") {
        return None;
    }
    let function = path
        .trim_start_matches('/')
        .strip_prefix("2015-03-31/functions/")?
        .strip_suffix("/invocations")?;
    if function.contains("${") {
        return None;
    }
    let parts: Vec<&str> = function.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] if !name.is_empty() => {
            Some(function.to_string())
        }
        // `$LATEST` is the unqualified function: its policy is the function's own.
        ["arn", _, "lambda", _, _, "function", name, qualifier] if !name.is_empty() => {
            if *qualifier == "$LATEST" {
                Some(parts[..7].join(":"))
            } else {
                Some(function.to_string())
            }
        }
        _ => None,
    }
}

/// A concrete role ARN (not the pass-through `arn:aws:iam::*:user/*`, not a stage variable).
fn is_role_arn(credentials: &str) -> bool {
    let parts: Vec<&str> = credentials.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", account, resource]
        if !account.contains('*') && resource.starts_with("role/") && !credentials.contains("${"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::types::Method;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:orders";

    fn api() -> ApiContext<'static> {
        ApiContext {
            partition: "aws",
            account: "111122223333",
            region: "us-east-1",
            api_id: "a1b2c3d4e5",
        }
    }

    fn uri(function: &str) -> String {
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations")
    }

    #[test]
    fn lambda_uris_give_the_function_as_the_lambda_collector_names_it() {
        assert_eq!(lambda_function_of_uri(&uri(FUNCTION)).as_deref(), Some(FUNCTION));
        assert_eq!(
            lambda_function_of_uri(&uri(&format!("{FUNCTION}:live"))),
            Some(format!("{FUNCTION}:live"))
        );
        assert_eq!(
            lambda_function_of_uri(&uri(&format!("{FUNCTION}:$LATEST"))).as_deref(),
            Some(FUNCTION)
        );
        // A doubled slash after `path/` has been seen in AWS examples.
        assert_eq!(
            lambda_function_of_uri(&format!(
                "arn:aws:apigateway:us-east-1:lambda:path//2015-03-31/functions/{FUNCTION}/invocations"
            ))
            .as_deref(),
            Some(FUNCTION)
        );
    }

    #[test]
    fn stage_variables_and_other_integrations_give_nothing() {
        assert_eq!(
            lambda_function_of_uri(&uri(
                "arn:aws:lambda:us-east-1:111122223333:function:${stageVariables.fn}"
            )),
            None
        );
        assert_eq!(
            lambda_function_of_uri(&uri(&format!("{FUNCTION}:${{stageVariables.alias}}"))),
            None
        );
        assert_eq!(lambda_function_of_uri("https://example.com/orders"), None);
        assert_eq!(
            lambda_function_of_uri("arn:aws:apigateway:us-east-1:sqs:path/111122223333/q"),
            None
        );
        assert_eq!(lambda_function_of_uri(&uri("not-a-function")), None);
    }

    #[test]
    fn a_lambda_integration_with_a_role_gives_two_uses() {
        let integration = Integration::builder()
            .uri(uri(FUNCTION))
            .credentials("arn:aws:iam::111122223333:role/apigw-invoke")
            .build();
        let usages = integration_usages(&api(), &integration);
        assert_eq!(usages.len(), 2);
        assert_eq!(usages[0].target_arn, FUNCTION);
        assert_eq!(
            usages[0].source_arn.as_deref(),
            Some("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*")
        );
        assert_eq!(usages[1].target_arn, "arn:aws:iam::111122223333:role/apigw-invoke");
        assert_eq!(usages[1].source_arn, None);
        for u in &usages {
            assert_eq!(u.kind, "apigateway-integrations");
            assert_eq!(u.service_principal, "apigateway.amazonaws.com");
            assert_eq!(u.source_account, "111122223333");
            assert_eq!(u.source_region, "us-east-1");
        }
    }

    #[test]
    fn pass_through_and_variable_credentials_are_no_role() {
        assert!(!is_role_arn("arn:aws:iam::*:user/*"));
        assert!(!is_role_arn("arn:aws:iam::111122223333:${stageVariables.role}"));
        assert!(is_role_arn("arn:aws:iam::111122223333:role/path/r"));
        assert!(is_role_arn("arn:aws-cn:iam::111122223333:role/r"));
    }

    #[test]
    fn methods_embedded_without_an_integration_are_asked_for() {
        let with = Method::builder()
            .http_method("GET")
            .method_integration(Integration::builder().uri(uri(FUNCTION)).build())
            .build();
        let without = Method::builder().http_method("POST").build();
        let resource = Resource::builder()
            .id("r1")
            .resource_methods("GET", with)
            .resource_methods("POST", without)
            .build();
        let (found, missing) = embedded_integrations(&resource);
        assert_eq!(found.len(), 1);
        assert_eq!(missing.into_iter().collect::<Vec<_>>(), ["POST"]);
    }
}
