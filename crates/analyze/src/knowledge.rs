//! What deputy-audit knows about AWS service principals.
//!
//! The facts live in `data/service-principals.json` (one entry per service
//! principal, each with the documentation page it rests on), compiled into the
//! binary and parsed once. Lookups accept the regional (`logs.us-east-1.amazonaws.com`)
//! and China (`.amazonaws.com.cn`) forms of a principal. A principal the file
//! does not list is treated as cross-account-capable: flagging an unknown
//! service is the safe default.

use std::sync::LazyLock;

use serde::Deserialize;

/// How far a service principal can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceClass {
    /// The service acts on behalf of any customer; a grant to it must pin the
    /// calling resource to the owner's account or organization.
    CrossAccountCapable,
    /// Roles the service uses only when passed with `iam:PassRole` inside the
    /// owner's account (EC2 instance roles, Lambda execution roles, ...).
    SameAccount,
}

/// One service principal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceEntry {
    /// The principal without region and suffix: `sns`, `credentials.iot`.
    pub name: String,
    pub display: String,
    pub class: ServiceClass,
    /// `aws:SourceArn` pattern with `{partition}`, `{region}`, `{account}` placeholders.
    pub source_arn_pattern: Option<String>,
    /// False where the service does not send `aws:SourceArn`/`aws:SourceAccount`
    /// to STS when it assumes a role.
    pub sends_source_keys_to_sts: bool,
    /// Service-specific keys that pin the calling resource (values are ARNs).
    pub extra_protective_keys: Vec<String>,
    pub doc: String,
    /// Why an entry says what it says, where the documentation is indirect.
    #[serde(default)]
    pub note: Option<String>,
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
}

#[derive(Debug, Deserialize)]
struct KnowledgeFile {
    default_doc: String,
    services: Vec<ServiceEntry>,
}

/// The parsed knowledge base.
#[derive(Debug)]
pub struct KnowledgeBase {
    pub default_doc: String,
    services: Vec<ServiceEntry>,
    /// Lower-cased extra protective keys of all services.
    extra_keys: Vec<String>,
}

const DATA: &str = include_str!("../data/service-principals.json");

static KB: LazyLock<KnowledgeBase> = LazyLock::new(|| {
    // The file is part of the crate and checked by a unit test; a broken file
    // is a build defect, not an input error.
    let file: KnowledgeFile =
        serde_json::from_str(DATA).expect("data/service-principals.json is valid");
    let mut extra_keys: Vec<String> = file
        .services
        .iter()
        .flat_map(|s| {
            s.extra_protective_keys
                .iter()
                .map(|k| k.to_ascii_lowercase())
        })
        .collect();
    extra_keys.sort();
    extra_keys.dedup();
    KnowledgeBase {
        default_doc: file.default_doc,
        services: file.services,
        extra_keys,
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

    /// True for a service-specific key that pins the calling resource (lower-case input).
    pub fn is_extra_protective_key(&self, key_lower: &str) -> bool {
        self.extra_keys.iter().any(|k| k == key_lower)
    }

    /// The documentation URL for a principal (the general IAM page when unknown).
    pub fn doc_for(&self, principal: &str) -> &str {
        self.lookup(principal)
            .map(|s| s.doc.as_str())
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
            assert!(
                s.doc.starts_with("https://docs.aws.amazon.com/"),
                "{}",
                s.name
            );
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
            kb.lookup("EC2.amazonaws.com").map(|s| s.class),
            Some(ServiceClass::SameAccount)
        );
        assert!(kb.lookup("unknown-service.amazonaws.com").is_none());
        assert!(kb.is_extra_protective_key("kms:encryptioncontext:aws:logs:arn"));
    }
}
