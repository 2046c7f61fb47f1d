//! Logging on stderr.

use std::io::IsTerminal;

/// Logs on stderr. `DEPUTY_AUDIT_LOG` takes a full filter; otherwise `-v`/`-vv`
/// raise deputy-audit's own level (and show the SDK's warnings); `-q` keeps
/// only deputy-audit's own errors.
pub(crate) fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::field::MakeExt;
    use tracing_subscriber::filter::FilterExt;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;

    // The SDK's own log lines (its errors included) repeat, as Debug dumps,
    // what the one error message or the report's reason already says: -v
    // shows them, nothing below it does.
    let default = match (quiet, verbose) {
        (true, _) => "off,deputy_audit=error,deputy_audit_analyze=error",
        (false, 0) => "off,deputy_audit=warn,deputy_audit_analyze=warn",
        (false, 1) => "warn,deputy_audit=info",
        (false, _) => "warn,deputy_audit=debug,deputy_audit_analyze=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEPUTY_AUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // --help promises that policies are never logged. At TRACE the SDK's
    // orchestrator logs every request and response body and the deserialized
    // output (policy documents included), so other crates stop at DEBUG,
    // whatever the filter asks for.
    let cap = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("deputy_audit") || *meta.level() <= tracing::Level::DEBUG
    });
    // Field values can hold ARNs and messages from AWS: control characters are
    // shown as escapes, never sent to the terminal.
    let fields = tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        let text = crate::escape::visible(&text);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ");
    // Colour only for a person at a terminal; logs captured by a job stay plain.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(false)
        .fmt_fields(fields)
        .with_filter(filter.and(cap));
    tracing_subscriber::registry().with(layer).init();
}
