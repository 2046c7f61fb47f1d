//! Retry partitions: one per client, with an unlimited retry quota.

// The same aws-smithy-runtime types as every other SDK crate's `config::retry`.
use aws_sdk_sts::config::retry::{RetryPartition, TokenBucket};

/// A retry partition with an unlimited retry quota, one per client (service and
/// region, which is also how AWS throttles).
///
/// The SDK's default partition holds a retry quota of 500 tokens per service, and
/// each retry of a 500 or a dropped connection costs 14 of them: once spent, every
/// failing request fails at once with its last error, however many attempts are
/// left. Measured at 3,700 resources through the fault proxy (10% 500s, 5% dropped
/// connections, 30% throttling), 90+ resources ended in `errors` that way. A
/// scanner must rather be slow than incomplete: retries are bounded by
/// `--max-attempts` and `--timeout` alone, and adaptive mode's client-side rate
/// limiter (owned by the partition) still slows a throttled service down.
pub(super) fn retry_partition(service: &str, region: &str) -> RetryPartition {
    RetryPartition::custom(format!("deputy-audit-{service}-{region}"))
        .token_bucket(TokenBucket::unlimited())
        .build()
}
