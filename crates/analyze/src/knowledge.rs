//! What deputy-audit knows about AWS service principals and actions.
//!
//! The facts live in `data/service-principals.json` (one entry per service
//! principal) and `data/action-classes.json`, compiled into the binary and parsed
//! once. Every fact carries the AWS page it rests on; a fact no page confirms is
//! [`Fact::Unverified`], and the findings that rest on it say so. Lookups accept
//! the regional (`logs.us-east-1.amazonaws.com`) and China (`.amazonaws.com.cn`)
//! forms of a principal. A principal the file does not list is *unknown*: it is
//! still reported (medium), and the finding says it is unknown.

use std::sync::LazyLock;

use serde::Deserialize;

/// How roles that trust a service principal get used by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleUse {
    /// An AWS page for the service names the cross-service confused-deputy risk
    /// for the roles it assumes: an unpinned trust policy is an exposure (high).
    DeputyDocumented,
    /// The service assumes a role that a principal of the role's own account
    /// configures for it (passed with `iam:PassRole`): pinning is defence in
    /// depth (low).
    PassedRole,
    /// The principal is used in resource policies or service-linked roles only.
    None,
    /// No AWS page found says how the service uses roles.
    Unverified,
}

/// Whether the service sends `aws:SourceArn`/`aws:SourceAccount` to STS when it
/// assumes a role, so that a trust policy may require them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySupport {
    Sent,
    NotSent,
    Unverified,
}

/// Whether the principal is granted in other services' resource policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourcePolicyUse {
    /// A page shows such a grant with source keys, or names the risk.
    DeputyDocumented,
    Used,
    None,
    Unverified,
}

/// One service principal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    /// The principal without region and suffix: `sns`, `credentials.iot`.
    pub name: String,
    pub display: String,
    /// The page most of the entry rests on; `None` when no page about the
    /// principal was found (every fact of the entry is then unverified).
    pub doc: Option<String>,
    pub role_use: RoleUse,
    pub role_use_doc: Option<String>,
    pub sts_source_keys: KeySupport,
    pub sts_source_keys_doc: Option<String>,
    pub resource_policy_use: ResourcePolicyUse,
    pub resource_policy_doc: Option<String>,
    /// `aws:SourceArn` pattern with `{partition}`, `{region}`, `{account}` placeholders.
    pub source_arn_pattern: Option<String>,
    pub source_arn_doc: Option<String>,
    /// Service-specific keys AWS documents to pin the calling resource (values
    /// are ARNs), such as `kms:EncryptionContext:aws:logs:arn`.
    pub protective_keys: Vec<String>,
    /// Service-specific keys whose value is the caller's *account id*, not an
    /// ARN (`kms:EncryptionContext:aws:ses:source-account`, Firehose's
    /// `sts:ExternalId`). Cited by `protective_keys_doc` too. They pin only in
    /// statements that name this service: other callers can set them.
    #[serde(default)]
    pub protective_account_keys: Vec<String>,
    pub protective_keys_doc: Option<String>,
    /// Why an entry says what it says, where the documentation is indirect.
    #[serde(default)]
    pub note: Option<String>,
    /// The keys AWS's page on this service's KMS key policy pins it with,
    /// *instead of* `aws:SourceArn`/`aws:SourceAccount` (CloudWatch Logs:
    /// `kms:EncryptionContext:aws:logs:arn`, whose value is the log group ARN).
    /// A correction of a key policy uses these; empty for services whose KMS
    /// page documents the standard keys. Cited by `key_policy_keys_doc`.
    #[serde(default)]
    pub key_policy_keys: Vec<String>,
    #[serde(default)]
    pub key_policy_keys_doc: Option<String>,
    /// A caveat from the service's own documentation that a recommendation for
    /// a trust policy repeats (IoT: some STS integrations send no source keys).
    #[serde(default)]
    pub sts_caution: Option<String>,
}

impl ServiceEntry {
    /// The source ARN pattern for a resource, placeholders filled in.
    pub fn source_arn_for(&self, partition: &str, region: &str, account: &str) -> Option<String> {
        self.source_arn_pattern.as_ref().map(|p| {
            p.replace("{partition}", partition)
                .replace("{region}", region)
                .replace("{account}", account)
        })
    }

    /// True when the service is documented to send the source keys to STS, so
    /// a trust policy may require them without breaking it.
    pub fn sends_source_keys_to_sts(&self) -> bool {
        self.sts_source_keys == KeySupport::Sent
    }

    /// Every fact of the entry with the page it rests on (`None`: unverified),
    /// for the test that keeps the data honest and for `explain`.
    pub fn facts(&self) -> Vec<(&'static str, bool, Option<&str>)> {
        vec![
            (
                "role_use",
                self.role_use != RoleUse::Unverified,
                self.role_use_doc.as_deref(),
            ),
            (
                "sts_source_keys",
                self.sts_source_keys != KeySupport::Unverified,
                self.sts_source_keys_doc.as_deref(),
            ),
            (
                "resource_policy_use",
                self.resource_policy_use != ResourcePolicyUse::Unverified,
                self.resource_policy_doc.as_deref(),
            ),
            (
                "source_arn_pattern",
                self.source_arn_pattern.is_some(),
                self.source_arn_doc.as_deref(),
            ),
            (
                "protective_keys",
                !self.protective_keys.is_empty() || !self.protective_account_keys.is_empty(),
                self.protective_keys_doc.as_deref(),
            ),
            (
                "key_policy_keys",
                !self.key_policy_keys.is_empty(),
                self.key_policy_keys_doc.as_deref(),
            ),
        ]
    }
}

/// A documented fact about one condition key or action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedName {
    /// `kms:CallerAccount`, `kms:DescribeKey`.
    #[serde(alias = "action")]
    pub key: String,
    pub doc: String,
    pub why: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    #[serde(rename = "_comment")]
    _comment: String,
    default_doc: String,
    caller_account_keys: Vec<CitedName>,
    services: Vec<ServiceEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionFile {
    #[serde(rename = "_comment")]
    _comment: String,
    metadata_only: Vec<CitedName>,
    /// Actions that look like metadata but are not (documentation, and a test
    /// keeps the two lists apart).
    not_metadata_only: Vec<CitedName>,
}

/// The parsed knowledge base.
#[derive(Debug)]
pub struct KnowledgeBase {
    pub default_doc: String,
    services: Vec<ServiceEntry>,
    /// Lower-cased service-specific protective keys of all services (ARN values).
    protective_keys: Vec<String>,
    caller_account_keys: Vec<CitedName>,
    metadata_only: Vec<CitedName>,
    not_metadata_only: Vec<CitedName>,
}

const DATA: &str = include_str!("../data/service-principals.json");
const ACTIONS: &str = include_str!("../data/action-classes.json");

#[allow(
    clippy::expect_used,
    reason = "the files are compiled in and parsed by unit tests: a broken one is a build defect"
)]
static KB: LazyLock<KnowledgeBase> = LazyLock::new(|| {
    // The files are part of the crate and checked by unit tests; a broken file
    // is a build defect, not an input error.
    let file: KnowledgeFile =
        serde_json::from_str(DATA).expect("data/service-principals.json is valid");
    let actions: ActionFile =
        serde_json::from_str(ACTIONS).expect("data/action-classes.json is valid");
    let lowered = |keys: fn(&ServiceEntry) -> &Vec<String>| {
        let mut all: Vec<String> = file
            .services
            .iter()
            .flat_map(|s| keys(s).iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        all.sort();
        all.dedup();
        all
    };
    let protective_keys = lowered(|s| &s.protective_keys);
    KnowledgeBase {
        default_doc: file.default_doc,
        services: file.services,
        protective_keys,
        caller_account_keys: file.caller_account_keys,
        metadata_only: actions.metadata_only,
        not_metadata_only: actions.not_metadata_only,
    }
});

/// The knowledge base, parsed on first use.
pub fn knowledge() -> &'static KnowledgeBase {
    &KB
}

impl KnowledgeBase {
    /// All entries, in file order.
    pub fn services(&self) -> &[ServiceEntry] {
        &self.services
    }

    /// Looks a service principal up in any of its written forms.
    pub fn lookup(&self, principal: &str) -> Option<&ServiceEntry> {
        let base = base_name(principal)?;
        self.services
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(base))
    }

    /// True for a service-specific key whose value is the calling resource's
    /// ARN (lower-case input).
    pub fn is_protective_key(&self, key_lower: &str) -> bool {
        self.protective_keys.iter().any(|k| k == key_lower)
    }

    /// True for a key AWS documents as the caller's account in a grant to a
    /// public principal (`kms:CallerAccount`; lower-case input).
    pub fn is_caller_account_key(&self, key_lower: &str) -> bool {
        self.caller_account_keys
            .iter()
            .any(|k| k.key.eq_ignore_ascii_case(key_lower))
    }

    /// The documented caller-account keys.
    pub fn caller_account_keys(&self) -> &[CitedName] {
        &self.caller_account_keys
    }

    /// True for an action that reveals only metadata (exact, case-insensitive:
    /// a wildcard is never metadata-only, whatever it happens to match today).
    pub fn is_metadata_only(&self, action: &str) -> bool {
        self.metadata_only
            .iter()
            .any(|a| a.key.eq_ignore_ascii_case(action))
    }

    /// The metadata-only actions with their sources.
    pub fn metadata_only_actions(&self) -> &[CitedName] {
        &self.metadata_only
    }

    /// Actions documented as *not* metadata-only although they look it.
    pub fn not_metadata_only_actions(&self) -> &[CitedName] {
        &self.not_metadata_only
    }

    /// The documentation URL for a principal (the general IAM page when unknown).
    pub fn doc_for(&self, principal: &str) -> &str {
        self.lookup(principal)
            .and_then(|s| s.doc.as_deref())
            .unwrap_or(self.default_doc.as_str())
    }
}

/// `logs.us-east-1.amazonaws.com` → `logs`; `sns.amazonaws.com.cn` → `sns`;
/// `credentials.iot.amazonaws.com` → `credentials.iot`. `None` when the string
/// is not an `amazonaws.com` principal.
pub fn base_name(principal: &str) -> Option<&str> {
    let lower_ends = |suffix: &str| {
        principal.len() > suffix.len()
            && principal
                .get(principal.len() - suffix.len()..)
                .is_some_and(|s| s.eq_ignore_ascii_case(suffix))
    };
    let stem = if lower_ends(".amazonaws.com.cn") {
        principal.get(..principal.len() - ".amazonaws.com.cn".len())?
    } else if lower_ends(".amazonaws.com") {
        principal.get(..principal.len() - ".amazonaws.com".len())?
    } else {
        return None;
    };
    match stem.rsplit_once('.') {
        Some((rest, last)) if is_region(last) && !rest.is_empty() => Some(rest),
        _ => Some(stem),
    }
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-2`...: two-letter
/// area, one or more words, a number.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.get(1..parts.len() - 1).is_some_and(|mid| {
            mid.iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documentation: global, China (some pages were only found there),
    /// and the AWS SDK reference.
    fn is_aws_doc(url: &str) -> bool {
        [
            "https://docs.aws.amazon.com/",
            "https://docs.amazonaws.cn/",
            "https://sdk.amazonaws.com/",
        ]
        .iter()
        .any(|home| url.starts_with(home))
    }

    /// Every fact cites an AWS page or is marked unverified (and then cites
    /// none, so "unverified" cannot hide behind a page that does not say it).
    #[test]
    fn every_fact_cites_its_page_or_is_unverified() {
        for s in knowledge().services() {
            match &s.doc {
                Some(url) => assert!(is_aws_doc(url), "{}: doc {url}", s.name),
                None => {
                    let verified: Vec<_> = s.facts().into_iter().filter(|f| f.1).collect();
                    assert!(
                        verified.is_empty(),
                        "{}: facts {verified:?} but no page",
                        s.name
                    );
                }
            }
            for (fact, verified, doc) in s.facts() {
                match (verified, doc) {
                    (true, Some(url)) => assert!(is_aws_doc(url), "{}.{fact}: {url}", s.name),
                    (true, None) => panic!("{}.{fact} states a fact without a page", s.name),
                    (false, Some(url)) => {
                        panic!("{}.{fact} is unverified but cites {url}", s.name)
                    }
                    (false, None) => {}
                }
            }
            if s.role_use == RoleUse::DeputyDocumented {
                assert!(s.role_use_doc.is_some(), "{}", s.name);
            }
        }
        let kb = knowledge();
        for a in kb.not_metadata_only_actions() {
            assert!(!kb.is_metadata_only(&a.key), "{} is in both lists", a.key);
        }
        for k in kb
            .caller_account_keys()
            .iter()
            .chain(kb.metadata_only_actions())
            .chain(kb.not_metadata_only_actions())
        {
            assert!(is_aws_doc(&k.doc), "{}: {}", k.key, k.doc);
            assert!(!k.why.is_empty(), "{}", k.key);
            assert!(!k.key.contains('*'), "{}: no wildcards", k.key);
        }
    }

    #[test]
    fn data_file_parses_and_names_are_unique_and_documented() {
        let kb = knowledge();
        assert!(kb.services().len() >= 20);
        let mut names: Vec<&str> = kb.services().iter().map(|s| s.name.as_str()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate service names");
        for s in kb.services() {
            if let Some(p) = &s.source_arn_pattern {
                assert!(p.starts_with("arn:{partition}:"), "{}: {p}", s.name);
            }
        }
    }

    #[test]
    fn seed_services_are_known() {
        for p in [
            "profile.amazonaws.com",
            "voiceid.amazonaws.com",
            "connect.amazonaws.com",
            "rekognition.amazonaws.com",
            "iot.amazonaws.com",
            "credentials.iot.amazonaws.com",
            "qldb.amazonaws.com",
        ] {
            assert!(knowledge().lookup(p).is_some(), "{p}");
        }
    }

    #[test]
    fn regional_and_china_forms_resolve() {
        assert_eq!(base_name("logs.us-east-1.amazonaws.com"), Some("logs"));
        assert_eq!(base_name("logs.cn-north-1.amazonaws.com.cn"), Some("logs"));
        assert_eq!(base_name("sns.amazonaws.com.cn"), Some("sns"));
        assert_eq!(
            base_name("credentials.iot.amazonaws.com"),
            Some("credentials.iot")
        );
        assert_eq!(
            base_name("delivery.logs.amazonaws.com"),
            Some("delivery.logs")
        );
        assert_eq!(
            base_name("states.us-gov-west-1.amazonaws.com"),
            Some("states")
        );
        assert_eq!(base_name("SNS.AMAZONAWS.COM"), Some("SNS"));
        assert_eq!(base_name("example.com"), None);
        assert_eq!(base_name(".amazonaws.com"), None);
        let kb = knowledge();
        assert_eq!(
            kb.lookup("logs.eu-west-1.amazonaws.com")
                .map(|s| s.name.as_str()),
            Some("logs")
        );
        assert_eq!(
            kb.lookup("EC2.amazonaws.com").map(|s| s.role_use),
            Some(RoleUse::PassedRole)
        );
        assert!(kb.lookup("unknown-service.amazonaws.com").is_none());
        assert!(kb.is_protective_key("kms:encryptioncontext:aws:logs:arn"));
        assert!(kb.is_caller_account_key("kms:calleraccount"));
        assert!(kb.is_metadata_only("KMS:describekey"));
        assert!(!kb.is_metadata_only("kms:Describe*"));
    }
}
