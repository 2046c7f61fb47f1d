//! Read-only by construction: every AWS client deputy-audit builds carries this
//! interceptor, which refuses to send any operation that is not a `List*`,
//! `Get*` or `Describe*` call or `sts:GetCallerIdentity`. A bug that tried to
//! write would fail loudly before a request left the machine.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadOnlyGuard;

/// Whether an operation name is one a read-only auditor may call.
pub(super) fn is_read_only_operation(operation: &str) -> bool {
    ["List", "Get", "Describe"]
        .iter()
        .any(|prefix| operation.starts_with(prefix))
}

/// Whether an IAM action (`sqs:GetQueueAttributes`) only reads. API Gateway's
/// management API is the exception to the verb prefixes: its reads are all
/// authorized as `apigateway:GET` (GetRestApis, GetResources, GetIntegration),
/// access level Read, "Grants permission to read a particular resource"
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html>).
#[cfg(test)]
pub(crate) fn is_read_only_action(action: &str) -> bool {
    action == "apigateway:GET"
        || action
            .split_once(':')
            .is_some_and(|(_, verb)| is_read_only_operation(verb))
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "deputy-audit read-only guard"
    }

    // Client-level interceptors see `read_before_execution` before the operation's
    // metadata is in the bag; by serialization it is, and nothing has been sent yet.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(metadata) if is_read_only_operation(metadata.name()) => Ok(()),
            Some(metadata) => Err(format!(
                "refusing to call {}:{}: deputy-audit only makes List, Get and Describe calls",
                metadata.service(),
                metadata.name()
            )
            .into()),
            // Every generated SDK operation stores its metadata; if one does not,
            // fail closed rather than send an unknown request.
            None => Err("refusing to send a request whose operation is unknown".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_only_read_operations() {
        for op in [
            "ListRoles",
            "GetQueueAttributes",
            "DescribeKey",
            "GetCallerIdentity",
        ] {
            assert!(is_read_only_operation(op), "{op}");
        }
        for op in [
            "PutBucketPolicy",
            "SetQueueAttributes",
            "CreateRole",
            "DeleteQueue",
            "AssumeRole",
        ] {
            assert!(!is_read_only_operation(op), "{op}");
        }
    }
}

#[cfg(test)]
mod guard_tests {
    use super::ReadOnlyGuard;

    /// A write through a guarded client fails before it is sent: the endpoint is
    /// a closed port, so reaching the network would give a different error.
    #[tokio::test]
    async fn guarded_client_refuses_writes_before_sending() {
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "AKID", "secret", None, None, "test",
            ))
            .interceptor(ReadOnlyGuard)
            .build();
        let client = aws_sdk_sqs::Client::from_conf(config);
        let err = client
            .create_queue()
            .queue_name("q")
            .send()
            .await
            .unwrap_err();
        let text = format!("{:?}", err);
        assert!(
            text.contains("refusing to call") && text.contains("CreateQueue"),
            "{text}"
        );

        // A read through the same client passes the guard and fails only at the network.
        let err = client.list_queues().send().await.unwrap_err();
        let text = format!("{:?}", err);
        assert!(!text.contains("refusing to call"), "{text}");
    }
}
