//! Who really uses each grant: the account's own configuration (a bucket that
//! notifies a topic, a rule that targets a queue, a trail that writes to a
//! bucket) read by the binary's source kinds (`src/collect/wiring/`), as plain
//! values. [`crate::remediate`] pins each grant to the sources found here.

use serde::{Deserialize, Serialize};

use crate::ResourceType;

/// One resource of a scanned account that a service acts for when it reaches
/// another resource: "when bucket B's notification fires, `s3.amazonaws.com`
/// publishes to topic T, with `aws:SourceArn` = B's ARN".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// The source kind that found it (`s3-notifications`).
    pub kind: String,
    /// The service principal that acts (`s3.amazonaws.com`), as AWS names it
    /// in the target's policy.
    pub service_principal: String,
    /// The value `aws:SourceArn` carries when the service acts: the source
    /// resource's ARN, or the `ArnLike` pattern AWS documents for it (API
    /// Gateway: `arn:aws:execute-api:REGION:ACCOUNT:API_ID/*`). `None` where
    /// AWS documents no source ARN for this use (then only the account pins).
    pub source_arn: Option<String>,
    /// The account the source lives in (the value of `aws:SourceAccount`).
    pub source_account: String,
    /// The region the source lives in (`global` for none).
    pub source_region: String,
    /// The resource whose policy must let the service in (a queue, topic,
    /// bucket, key, function or role), as its collector names it.
    pub target_arn: String,
}

/// What a source kind can reveal: uses of `principal` on resources of type `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feed {
    pub principal: String,
    pub target: ResourceType,
}

/// How far one source kind was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "reasons")]
pub enum KindStatus {
    /// Read in every scanned account and region it applies to.
    Read,
    /// No finding needed it, so it was not read (its uses are unknown, and no
    /// correction depends on them).
    NotNeeded,
    /// Left out by the user (`--sources`).
    Skipped,
    /// Some reads failed ("111122223333 us-east-1 ListSubscriptions: AccessDenied ..."):
    /// uses may be missing, so no grant it feeds is called unused.
    Failed(Vec<String>),
}

/// One source kind's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCoverage {
    pub kind: String,
    pub feeds: Vec<Feed>,
    pub status: KindStatus,
}

/// Everything read of the wiring in one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wiring {
    pub usages: Vec<Usage>,
    /// The accounts whose wiring was read (scanned, not failed).
    pub accounts: Vec<String>,
    /// The regions scanned.
    pub regions: Vec<String>,
    /// Every region enabled for the accounts was scanned (`--all-regions`):
    /// a grant no source uses is unused everywhere, not only in `regions`.
    #[serde(default)]
    pub all_regions: bool,
    pub kinds: Vec<KindCoverage>,
}

impl Wiring {
    /// The uses of `target_arn` (case-sensitive, as ARNs are).
    pub fn usages_of<'a>(&'a self, target_arn: &'a str) -> impl Iterator<Item = &'a Usage> + 'a {
        self.usages
            .iter()
            .filter(move |u| u.target_arn == target_arn)
    }
}

/// `logs.us-east-1.amazonaws.com` and `logs.amazonaws.com` are one service;
/// compares principal names the way the knowledge base looks them up
/// ([`crate::knowledge::base_name`]).
pub fn same_principal(a: &str, b: &str) -> bool {
    match (
        crate::knowledge::base_name(a),
        crate::knowledge::base_name(b),
    ) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_principals_are_the_service() {
        assert!(same_principal(
            "logs.us-east-1.amazonaws.com",
            "logs.amazonaws.com"
        ));
        assert!(same_principal("SNS.amazonaws.com", "sns.amazonaws.com"));
        assert!(!same_principal("sns.amazonaws.com", "sqs.amazonaws.com"));
        assert!(same_principal(
            "delivery.logs.amazonaws.com",
            "delivery.logs.amazonaws.com"
        ));
        assert!(!same_principal(
            "delivery.logs.amazonaws.com",
            "logs.amazonaws.com"
        ));
    }
}
