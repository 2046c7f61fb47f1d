//! What a collector reports when a resource or a listing cannot be assessed:
//! the [`ScanError`] entries (built here for a region's context) and a
//! one-line reason for any SDK error.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use deputy_audit_analyze::ResourceType;

use super::collector::{Collector, RegionContext, Scope};
use crate::scan_error::ScanError;
use crate::sentinel::GLOBAL_REGION;

/// A resource of `ctx`'s account and region that could not be assessed.
pub(crate) fn resource_error(
    ctx: &RegionContext<'_>,
    resource_type: ResourceType,
    resource_arn: impl Into<String>,
    operation: &str,
    reason: impl Into<String>,
) -> ScanError {
    ScanError {
        account_id: ctx.account_id().to_string(),
        region: ctx.region.clone(),
        service: resource_type.service().to_string(),
        resource_type: Some(resource_type),
        resource_arn: resource_arn.into(),
        operation: operation.to_string(),
        reason: reason.into(),
    }
}

/// A listing that failed: resources beyond it are unknown. Global services
/// report the region as `global`.
pub(crate) fn listing_error(
    ctx: &RegionContext<'_>,
    collector: &dyn Collector,
    operation: &str,
    reason: impl Into<String>,
) -> ScanError {
    let mut error = resource_error(
        ctx,
        collector.resource_type(),
        collector.listing_scope(ctx),
        operation,
        reason,
    );
    if collector.scope() == Scope::Global {
        error.region = GLOBAL_REGION.to_string();
    }
    error
}

/// A one-line reason for an SDK error: the service's error code and message
/// when it sent one (`AccessDenied: User ... is not authorized`), otherwise
/// the chain of causes (timeouts, connection failures). Never a Debug dump:
/// those carry raw XML and connector internals nobody can act on.
pub(crate) fn describe_sdk_error<E, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => describe_error(err),
    }
}

/// A one-line reason for any error: the first AWS error code and message in
/// its chain of causes (an AssumeRole AccessDenied behind a credentials
/// failure), otherwise every cause's message, each once.
pub(super) fn describe_error(err: &(dyn std::error::Error + 'static)) -> String {
    let chain = || std::iter::successors(Some(err), |e| e.source());
    let aws = chain().find_map(|e| {
        let meta = e.downcast_ref::<aws_smithy_types::error::ErrorMetadata>()?;
        let code = meta.code()?;
        Some(match meta.message() {
            Some(message) => format!("{code}: {message}"),
            None => code.to_string(),
        })
    });
    if let Some(aws) = aws {
        return crate::escape::one_line(&aws);
    }
    // The SDK's wrappers name only their own kind ("dispatch failure: other"),
    // which tells a person nothing; their causes do.
    const WRAPPERS: [&str; 6] = [
        "dispatch failure",
        "other",
        "response error",
        "service error",
        "construction failure",
        "unhandled error",
    ];
    let mut parts: Vec<String> = Vec::new();
    for cause in chain() {
        // Some causes are several lines (the credential chain's "Attempted:" list).
        let text = cause
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        // An interceptor's wrapper names the hook, not what happened.
        if text.ends_with("interceptor encountered an error") {
            continue;
        }
        // The XML parser's message quotes its tokens as Debug text.
        let text = if text.starts_with("error parsing XML") || text.contains("XmlDecodeError") {
            "the answer was not valid XML (an HTML page?)".to_string()
        } else {
            without_debug_dump(&text)
        };
        // Wrappers often repeat their source's message; say each thing once.
        if !text.is_empty()
            && !WRAPPERS.contains(&text.as_str())
            && !parts.iter().any(|p| p.contains(&text))
        {
            parts.push(text);
        }
    }
    crate::escape::one_line(&parts.join(": "))
}

/// `text` up to the first Rust Debug dump in it (`StartEl { name: ...`), which
/// nobody can act on.
fn without_debug_dump(text: &str) -> String {
    let dump = text.match_indices(" { ").find_map(|(at, _)| {
        let word_start = text[..at]
            .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .map_or(0, |i| i + 1);
        let word = &text[word_start..at];
        word.starts_with(|c: char| c.is_ascii_uppercase())
            .then_some(word_start)
    });
    match dump {
        Some(at) => format!(
            "{} (details at -v)",
            text[..at].trim_end_matches([' ', ':', ','])
        ),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_debug_dump;

    #[test]
    fn debug_dumps_are_cut_from_reasons() {
        assert_eq!(
            without_debug_dump("invalid root, got StartEl { name: Name { prefix: \"\" } }"),
            "invalid root, got (details at -v)"
        );
        assert_eq!(without_debug_dump("plain { braces }"), "plain { braces }");
        assert_eq!(without_debug_dump("no dump here"), "no dump here");
    }
}
