//! The rule catalogue. One module per rule, each holding its [`RuleInfo`] and
//! its check; `ALL` is the one registry (read it through [`rules()`] and
//! [`rule`]). Adding a rule is one new file and one line in `registry!`.

use serde_json::{json, Map, Value};

use crate::eval::{Facts, ServiceRef};
use crate::knowledge::knowledge;
use crate::policy::Statement;
use crate::{AnalysisOptions, ResourcePolicy, Severity};

/// What a rule is, for `explain`, SARIF and `docs/rules.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// `CD001`.
    pub id: &'static str,
    /// `missing-source-condition`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// A policy the rule reports.
    pub vulnerable_example: &'static str,
    /// The same policy, fixed.
    pub fixed_example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// A rule: its description and its check.
pub(crate) struct Rule {
    pub info: RuleInfo,
    pub check: fn(&Ctx<'_>) -> Option<Emit>,
}

/// Everything a check can look at for one statement.
pub(crate) struct Ctx<'a> {
    pub resource: &'a ResourcePolicy,
    pub options: &'a AnalysisOptions,
    pub statement: &'a Statement,
    pub facts: &'a Facts<'a>,
    pub fix: &'a FixContext,
}

/// What a check reports; the engine turns it into a [`crate::Finding`].
pub(crate) struct Emit {
    pub message: String,
    pub recommendation: String,
    pub suggested_condition: Option<Value>,
}

/// Declares each rule module and lists it in `ALL`, in id order: adding a
/// rule is one new file and one line here.
macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// The registry, in id order.
        pub(crate) static ALL: &[&Rule] = &[$(&$module::RULE),*];
    };
}

registry! {
    cd001_missing_source_condition,
    cd002_unpinned_source_condition,
    cd003_source_arn_without_account,
    cd004_foreign_source_account,
    cd005_weak_condition_operator,
    cd006_conflicting_source_conditions,
    cd007_literal_wildcard,
    cd008_invalid_condition,
    cd009_public_principal,
    cd010_allow_not_principal,
    cd100_same_account_service,
}

static INFOS: std::sync::LazyLock<Vec<&'static RuleInfo>> =
    std::sync::LazyLock::new(|| ALL.iter().map(|r| &r.info).collect());

/// Every rule, in id order.
pub fn rules() -> &'static [&'static RuleInfo] {
    &INFOS
}

/// A rule by id (`CD001`; case-insensitive).
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    ALL.iter()
        .map(|r| &r.info)
        .find(|i| i.id.eq_ignore_ascii_case(id))
}

/// The resource facts a suggested fix is written with.
#[derive(Debug, Clone)]
pub(crate) struct FixContext {
    pub owner: String,
    pub region: String,
    pub partition: String,
}

impl FixContext {
    pub fn new(resource: &ResourcePolicy) -> FixContext {
        let owner = if crate::eval::is_account_id(&resource.account_id) {
            resource.account_id.clone()
        } else {
            "<account-id>".to_string()
        };
        let region = if resource.region.is_empty() {
            "*".to_string()
        } else {
            resource.region.clone()
        };
        let partition = crate::eval::arn_fields(&resource.arn)
            .map(|f| f[1].to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| {
                if region.starts_with("cn-") {
                    "aws-cn".to_string()
                } else if region.starts_with("us-gov-") {
                    "aws-us-gov".to_string()
                } else {
                    "aws".to_string()
                }
            });
        FixContext {
            owner,
            region,
            partition,
        }
    }
}

impl Ctx<'_> {
    /// The service principals a source-condition fix is for: the exposed ones,
    /// else the same-account ones, else the guarded ones.
    fn fix_services(&self) -> &[ServiceRef<'_>] {
        let f = self.facts;
        if !f.exposed.is_empty() {
            &f.exposed
        } else if !f.same_account.is_empty() {
            &f.same_account
        } else {
            &f.guarded
        }
    }

    /// Those of `services` that do not send the source keys to STS, when this
    /// is a trust policy (elsewhere the keys are not about STS).
    fn without_sts_keys<'s>(&self, services: &'s [ServiceRef<'_>]) -> Vec<&'s str> {
        if !self.resource.resource_type.is_trust_policy() {
            return Vec::new();
        }
        services
            .iter()
            .filter(|s| s.entry.is_some_and(|e| !e.sends_source_keys_to_sts))
            .map(|s| s.name)
            .collect()
    }

    /// `{"StringEquals":{"aws:SourceAccount":owner},"ArnLike":{"aws:SourceArn":...}}`
    /// for this resource, or `None` where the condition would break the service.
    pub fn source_condition(&self) -> Option<Value> {
        self.source_condition_for(self.fix_services())
    }

    /// [`Self::source_condition`] for the given services.
    pub fn source_condition_for(&self, services: &[ServiceRef<'_>]) -> Option<Value> {
        if !self.without_sts_keys(services).is_empty() {
            return None;
        }
        let fx = self.fix;
        // A SourceArn pattern is suggested only when every service has one that
        // names the account: a pattern for one service would lock the others
        // out, and an account-less pattern (S3's) pins nothing.
        let patterns: Option<Vec<String>> = services
            .iter()
            .map(|s| {
                s.entry
                    .filter(|e| {
                        e.source_arn_pattern
                            .as_deref()
                            .is_some_and(|p| p.contains("{account}"))
                    })
                    .and_then(|e| e.source_arn_for(&fx.partition, &fx.region, &fx.owner))
            })
            .collect();
        let mut patterns = patterns.unwrap_or_default();
        patterns.sort();
        patterns.dedup();
        let mut cond = Map::new();
        cond.insert(
            "StringEquals".into(),
            json!({ "aws:SourceAccount": fx.owner }),
        );
        match patterns.len() {
            0 => {}
            1 => {
                cond.insert("ArnLike".into(), json!({ "aws:SourceArn": patterns[0] }));
            }
            _ => {
                cond.insert("ArnLike".into(), json!({ "aws:SourceArn": patterns }));
            }
        }
        Some(Value::Object(cond))
    }

    /// The standard recommendation for pinning the source of a service request.
    pub fn source_recommendation(&self) -> String {
        self.source_recommendation_for(self.fix_services())
    }

    /// [`Self::source_recommendation`] for the given services.
    pub fn source_recommendation_for(&self, services: &[ServiceRef<'_>]) -> String {
        let no_sts = self.without_sts_keys(services);
        let kb = knowledge();
        let docs: Vec<&str> = {
            let mut d: Vec<&str> = services.iter().map(|s| kb.doc_for(s.name)).collect();
            d.sort();
            d.dedup();
            d
        };
        if !no_sts.is_empty() {
            return format!(
                "{} does not send aws:SourceArn/aws:SourceAccount to STS when it assumes a role, so adding them would break it; keep the role's permissions minimal and restrict who may pass it (iam:PassRole with iam:PassedToService). See {}.",
                no_sts.join(", "),
                docs.join(" and ")
            );
        }
        let mut text = format!(
            "Pin the calling resource: add aws:SourceAccount = {} (and aws:SourceArn for the exact {} resource where known) under StringEquals/ArnLike, or aws:SourceOrgID for your organization. See {}.",
            self.fix.owner,
            services.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
            docs.join(" and ")
        );
        // Documented caveats travel with the advice they qualify.
        if self.resource.resource_type.is_trust_policy() {
            let mut cautions: Vec<&str> = services
                .iter()
                .filter_map(|s| s.entry.and_then(|e| e.sts_caution.as_deref()))
                .collect();
            cautions.sort();
            cautions.dedup();
            for caution in cautions {
                text.push(' ');
                text.push_str(caution);
            }
        }
        text
    }

    pub fn exposed_names(&self) -> String {
        self.facts
            .exposed
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How the rules read a policy; rendered into `docs/rules.md`.
const SEMANTICS: &str = r#"
## How policies are read

- **Protective keys** (pin the source of a service request): `aws:SourceAccount`,
  `aws:SourceOwner` (legacy SNS/S3 form), `aws:SourceArn`, `aws:SourceOrgID`,
  `aws:SourceOrgPaths`, and service keys listed in the knowledge base
  (`kms:EncryptionContext:aws:logs:arn`). `aws:ResourceAccount`,
  `aws:SecureTransport`, `aws:PrincipalAccount` and the like do not pin a service
  request. For public grants (CD009) `aws:PrincipalAccount`, `aws:PrincipalOrgID`,
  `aws:PrincipalOrgPaths`, `aws:PrincipalArn`, `aws:SourceVpc` and `aws:SourceVpce`
  pin as well.
- **Protective operators**: `StringEquals`, `StringEqualsIgnoreCase`, `StringLike`,
  `ArnEquals`, `ArnLike` (with `ForAnyValue:`). `...IfExists` and `ForAllValues:`
  still pin when the key is present but are reported (CD005); negated operators in
  an Allow do not pin (CD005, and CD001 when nothing else pins).
- **A pin**: an account value that is a 12-digit id without wildcards; a SourceArn
  whose account field is such an id (other fields may be wildcards); an
  organization id without wildcards. `${aws:ResourceAccount}` is the owner's
  account and `${aws:ResourceOrgID}` the owner's organization. An S3 bucket ARN
  (no account field) pins a name only (CD003 unless paired).
- **Conditions are ANDed**: one pinning entry protects the statement, whatever
  the other entries say. Values in a list are ORed: one wildcard value unpins the
  entry (CD002).
- **Broken is not exposed**: a statement whose conditions can never hold
  (SourceAccount and SourceArn disagree, CD006; only literal wildcards under a
  `StringEquals`, CD007; a SourceArn value that is not an ARN, CD008) is reported
  as broken, not as CD001.
- **Not in effect**: an unknown operator (`" ArnEquals"`), a malformed block, or
  a source key under a non-string operator (CD008) protects nothing, so CD001 is
  reported too when nothing else pins.
- **Deny guards**: a Deny whose principal covers the service (`"*"`, `{"AWS":"*"}`
  or the service itself), whose actions and resources cover the Allow's, and whose
  every condition entry is a negated pin (`StringNotEquals aws:SourceAccount`,
  `ArnNotLike aws:SourceArn`, `StringNotEquals aws:SourceOrgID`...), a `Null`
  "key exists" check or `Bool aws:PrincipalIsAWSService true`, guards that
  service: no CD001, CD002, CD003 or CD005, and other findings on the statement
  name the Deny by index and Sid. Each service of a statement is guarded on its own.
- **Same-account services** (`ec2`, `lambda`, `ecs-tasks`): exempt on IAM role
  trust policies only (CD100, info); elsewhere, and with `--strict`, they are
  ordinary service principals. Unknown service principals are cross-account-capable.
- **CD004** judges accounts only when the owner's account is known, and
  organizations only when `--org-id` is given.
"#;

/// Renders `docs/rules.md` from the registry.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# deputy-audit rules\n\n<!-- Generated from crates/analyze/src/rules/ by `UPDATE_RULES_DOC=1 cargo test -p deputy-audit-analyze --test rules_doc`. Do not edit by hand. -->\n\n| id | name | severity | when |\n|---|---|---|---|\n",
    );
    for r in rules() {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} |\n",
            r.id,
            r.id.to_ascii_lowercase(),
            r.name,
            r.severity,
            r.summary
        ));
    }
    out.push_str(SEMANTICS);
    for r in rules() {
        out.push_str(&format!(
            "\n## {}\n\n**{}** · severity **{}**\n\n{}\n\n### Why it matters\n\n{}\n\n### Vulnerable\n\n```json\n{}\n```\n\n### Fixed\n\n```json\n{}\n```\n\n### Fix\n\n{}\n",
            r.id,
            r.name,
            r.severity,
            r.summary,
            r.rationale,
            r.vulnerable_example.trim(),
            r.fixed_example.trim(),
            r.fix
        ));
    }
    out
}
