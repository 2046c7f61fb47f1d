//! Every answer is an answer: an HTTP 2xx with an empty body is an error, not
//! an empty result.
//!
//! The JSON protocols (SQS, KMS, Secrets Manager, EventBridge, CloudWatch Logs)
//! and Lambda's REST-JSON deserialize an empty body as an output with every
//! field absent, so a truncated answer would read as "this queue has no policy"
//! or "this region has no keys". Every operation deputy-audit calls answers with
//! a body when it succeeds, so an empty one is a fault somewhere between AWS and
//! us, and the resource (or listing) is reported as not assessed.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EmptyAnswerGuard;

/// Whether a successful answer carries nothing to read. 204 No Content is
/// empty by definition and never the answer to a read deputy-audit makes, but
/// it is not a truncation either.
pub(super) fn is_empty_success(status: u16, body: Option<&[u8]>) -> bool {
    (200..300).contains(&status)
        && status != 204
        && body.is_some_and(|bytes| bytes.iter().all(u8::is_ascii_whitespace))
}

impl Intercept for EmptyAnswerGuard {
    fn name(&self) -> &'static str {
        "deputy-audit empty-answer guard"
    }

    // After deserialization the body has been read into memory, so its length is
    // known without consuming it; a streaming body (`bytes()` is `None`) is left alone.
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if !is_empty_success(response.status().as_u16(), response.body().bytes()) {
            return Ok(());
        }
        let operation = cfg.load::<Metadata>().map_or("the call", |m| m.name());
        Err(format!(
            "{operation} answered HTTP {} with an empty body: nothing was read, so nothing was assessed",
            response.status().as_u16()
        )
        .into())
    }
}

/// The reason for a successful answer that lacks a member AWS always returns
/// (KMS GetKeyPolicy, Lambda GetPolicy, SQS GetQueueAttributes' QueueArn,
/// Secrets Manager GetResourcePolicy's ARN and Name, ListEventBuses' list).
/// ListQueues, ListKeys, ListSecrets and DescribeResourcePolicies are not
/// checked: their API references do not say the list is always present (SQS
/// omits QueueUrls when there is no queue), so `{}` there still reads as empty.
///
/// (`{}` for GetKeyPolicy): read as "no policy", it would hide the resource.
pub(super) fn missing_member(operation: &str, member: &str, why: &str) -> String {
    format!(
        "{operation} answered without {member} ({why}): the answer is incomplete, so nothing was assessed"
    )
}

#[cfg(test)]
mod tests {
    use super::is_empty_success;

    #[test]
    fn only_an_empty_success_is_refused() {
        assert!(is_empty_success(200, Some(b"")));
        assert!(is_empty_success(200, Some(b" \n")));
        assert!(!is_empty_success(200, Some(b"{}")));
        assert!(!is_empty_success(204, Some(b"")));
        assert!(!is_empty_success(400, Some(b"")));
        assert!(!is_empty_success(200, None));
    }
}
