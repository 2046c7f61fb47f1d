//! The rule catalogue. One module per rule, each holding its [`RuleInfo`] and
//! its check; `ALL` is the one registry (read it through [`rules()`] and
//! [`rule`]). Adding a rule is one new file and one line in `registry!`; a new
//! rule starts as [`RuleStatus::Preview`], so it runs only with `--preview`
//! until a release makes it stable. Its texts are rendered only by
//! [`RuleInfo`]'s methods (`meta.rs`).

use serde_json::{json, Map, Value};

use crate::eval::{Facts, ServiceRef};
use crate::knowledge::{knowledge, KeySupport, RoleUse};
use crate::policy::Statement;
use crate::{AnalysisOptions, ResourcePolicy, Severity};

mod meta;
pub use meta::{RuleInfo, RuleStatus};

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
    /// `None`: the rule's own severity.
    pub severity: Option<Severity>,
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
    cd100_passed_role_service,
    cd200_broken_rcp_guardrail,
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
    pub partition: String,
}

impl FixContext {
    pub(crate) fn new(resource: &ResourcePolicy) -> FixContext {
        let owner = if crate::arn::is_account_id(&resource.account_id) {
            resource.account_id.clone()
        } else {
            "<account-id>".to_string()
        };
        // The region only tells the partition where the ARN does not: a
        // suggested source ARN names any region (the source may live elsewhere).
        let region = resource.region.as_str();
        let partition = crate::arn::Arn::parse(&resource.arn)
            .map(|arn| arn.partition.to_string())
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
        FixContext { owner, partition }
    }
}

/// How serious an unpinned grant is, and the unverified facts that judgement
/// rests on (each finding repeats them, so it never claims more than is known).
pub(crate) struct Exposure {
    pub severity: Severity,
    /// "may act on this sqs-queue for any account that points it here".
    pub reach: String,
    pub caveats: Vec<String>,
}

impl Ctx<'_> {
    /// The service principals a source-condition fix is for: the exposed ones,
    /// else the passed-role ones, else the guarded ones.
    fn fix_services(&self) -> &[ServiceRef<'_>] {
        let f = self.facts;
        if !f.exposed.is_empty() {
            &f.exposed
        } else if !f.passed_role.is_empty() {
            &f.passed_role
        } else {
            &f.guarded
        }
    }

    /// True when every action the statement grants reveals only metadata
    /// (`kms:DescribeKey`, `s3:GetBucketAcl`...; `data/action-classes.json`).
    pub(crate) fn metadata_only(&self) -> bool {
        let st = self.statement;
        st.not_action.is_none()
            && st.action.as_ref().is_some_and(|actions| {
                !actions.is_empty() && actions.iter().all(|a| knowledge().is_metadata_only(a))
            })
    }

    /// What a foreign caller could do through an unpinned grant to `services`:
    /// - a resource policy: anyone can point a known service at the resource
    ///   (high);
    /// - a trust policy: high where AWS documents the confused-deputy risk for
    ///   the roles the service assumes, low where a principal of the owner's
    ///   account must pass the role (and `--strict` is not set: then high);
    /// - an unknown principal, or a role use no AWS page confirms: medium;
    /// - a grant of metadata-only actions: at most low.
    pub(crate) fn exposure(&self, services: &[ServiceRef<'_>]) -> Exposure {
        let trust = self.resource.resource_type.is_trust_policy();
        let mut severity = Severity::Info;
        let mut caveats = Vec::new();
        for s in services {
            let (rank, caveat) = match s.entry {
                None => (
                    Severity::Medium,
                    Some(format!(
                        "{} is not in deputy-audit's knowledge base (unknown service principal): whether it acts for other AWS accounts is not known",
                        s.name
                    )),
                ),
                Some(e) if trust => match e.role_use {
                    RoleUse::DeputyDocumented => (Severity::High, None),
                    RoleUse::PassedRole if self.options.strict => (
                        Severity::High,
                        Some(format!(
                            "--strict: reported as an exposure although {} uses the role only when a principal of the owner's account passes it",
                            s.name
                        )),
                    ),
                    RoleUse::PassedRole => (Severity::Low, None),
                    RoleUse::None => (
                        Severity::Medium,
                        Some(format!(
                            "AWS documents no use of {} in customer-made role trust policies",
                            s.name
                        )),
                    ),
                    RoleUse::Unverified => (
                        Severity::Medium,
                        Some(format!(
                            "unverified: no AWS page found says how {} uses roles that trust it",
                            s.name
                        )),
                    ),
                },
                Some(_) => (Severity::High, None),
            };
            severity = severity.max(rank);
            caveats.extend(caveat);
        }
        // Unknown principals, unverified role use and --strict: say "may be
        // able to", not "may be made to".
        let unsure = !caveats.is_empty();
        if self.metadata_only() && severity > Severity::Low {
            severity = Severity::Low;
            caveats.push(format!(
                "it grants only metadata ({}), no data, writes, decryption or invocation",
                self.statement.display_actions().join(", ")
            ));
        }
        let names = services
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ");
        // Claim reach only as far as the knowledge base knows it.
        let reach = match (trust, unsure) {
            (true, false) => {
                format!("{names} may be made to assume this role on behalf of another AWS account")
            }
            (true, true) => {
                format!("{names} may be able to assume this role on behalf of another AWS account")
            }
            (false, false) => format!(
                "{names} can be pointed at this {} from any AWS account",
                self.resource.resource_type
            ),
            (false, true) => format!(
                "{names} may be able to act on this {} for other AWS accounts",
                self.resource.resource_type
            ),
        };
        Exposure {
            severity,
            reach,
            caveats,
        }
    }

    /// Services whose support for the source keys in a trust policy is not
    /// documented either way (unknown principals included), and those AWS
    /// documents not to send them. Empty outside trust policies (there the keys
    /// are not about STS).
    fn sts_key_gaps<'s>(&self, services: &'s [ServiceRef<'_>]) -> (Vec<&'s str>, Vec<&'s str>) {
        if !self.resource.resource_type.is_trust_policy() {
            return (Vec::new(), Vec::new());
        }
        let support = |s: &ServiceRef<'_>| {
            s.entry
                .map_or(KeySupport::Unverified, |e| e.sts_source_keys)
        };
        let with = |wanted: KeySupport| -> Vec<&'s str> {
            services
                .iter()
                .filter(|s| support(s) == wanted)
                .map(|s| s.name)
                .collect()
        };
        (with(KeySupport::Unverified), with(KeySupport::NotSent))
    }

    /// `{"StringEquals":{"aws:SourceAccount":owner},"ArnLike":{"aws:SourceArn":...}}`
    /// for this resource, or `None` where the condition would break the service.
    pub(crate) fn source_condition(&self) -> Option<Value> {
        self.source_condition_for(self.fix_services())
    }

    /// [`Self::source_condition`] for the given services.
    pub(crate) fn source_condition_for(&self, services: &[ServiceRef<'_>]) -> Option<Value> {
        // A condition pasted into a trust policy stops the service from
        // assuming the role if it does not send the keys: suggest one only
        // where AWS documents that every service sends them.
        if self.resource.resource_type.is_trust_policy()
            && !services
                .iter()
                .all(|s| s.entry.is_some_and(|e| e.sends_source_keys_to_sts()))
        {
            return None;
        }
        let fx = self.fix;
        // A KMS key used by a service whose KMS page pins it with its own key
        // (CloudWatch Logs: kms:EncryptionContext:aws:logs:arn, whose value is
        // the log group ARN): suggest that key, as the page the finding cites does.
        if self.resource.resource_type == crate::ResourceType::KmsKey {
            let keys: Vec<(&str, Option<String>)> = services
                .iter()
                .filter_map(|s| s.entry)
                .filter_map(|e| {
                    e.key_policy_keys
                        .first()
                        .map(|k| (k.as_str(), e.source_arn_for(&fx.partition, "*", &fx.owner)))
                })
                .collect();
            if let [(key, Some(pattern)), rest @ ..] = keys.as_slice() {
                if keys.len() == services.len() && rest.iter().all(|(k, _)| k == key) {
                    return Some(json!({ "ArnLike": { *key: pattern } }));
                }
            }
        }
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
                    // Any region: the source may live in another region than
                    // the resource (a trail writes to a bucket anywhere, and its
                    // ARN names the trail's home region); the account pins.
                    .and_then(|e| e.source_arn_for(&fx.partition, "*", &fx.owner))
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
    pub(crate) fn source_recommendation(&self) -> String {
        self.source_recommendation_for(self.fix_services())
    }

    /// The pages a recommendation cites: for a trust policy the page on how
    /// the service uses roles, for a resource policy the page on its resource
    /// policy grants, else the entry's main page (the general IAM page for an
    /// unknown principal).
    fn docs_for(&self, services: &[ServiceRef<'_>]) -> String {
        let kb = knowledge();
        let trust = self.resource.resource_type.is_trust_policy();
        let mut d: Vec<&str> = services
            .iter()
            .map(|s| {
                s.entry
                    .and_then(|e| {
                        let specific = if trust {
                            e.role_use_doc
                                .as_deref()
                                .or(e.sts_source_keys_doc.as_deref())
                        } else {
                            e.resource_policy_doc.as_deref()
                        };
                        specific.or(e.doc.as_deref())
                    })
                    .unwrap_or(kb.default_doc.as_str())
            })
            .collect();
        d.sort();
        d.dedup();
        d.join(" and ")
    }

    /// [`Self::source_recommendation`] for the given services.
    pub(crate) fn source_recommendation_for(&self, services: &[ServiceRef<'_>]) -> String {
        let (unverified, not_sent) = self.sts_key_gaps(services);
        let docs = self.docs_for(services);
        if !not_sent.is_empty() {
            return format!(
                "AWS documents that {} does not send aws:SourceArn/aws:SourceAccount when it assumes a role, so requiring them would break it; keep the role's permissions minimal and restrict who may pass it (iam:PassRole with iam:PassedToService). See {docs}.",
                not_sent.join(", "),
            );
        }
        let names = services
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = if unverified.is_empty() {
            format!(
                "Pin the calling resource: add aws:SourceAccount = {} (and aws:SourceArn for the exact {names} resource where known) under StringEquals/ArnLike, or aws:SourceOrgID for your organization. See {docs}.",
                self.fix.owner,
            )
        } else {
            // A trust policy whose service may not send the keys: the advice is
            // conditional, and no condition block is offered to paste.
            format!(
                "Unverified: no AWS page found says whether {} sends aws:SourceArn/aws:SourceAccount when it assumes a role, so no condition is suggested. If it does, pin the calling resource with aws:SourceAccount = {} (and aws:SourceArn where known), then test the role: it stops working if the keys are absent. See {docs}.",
                unverified.join(", "),
                self.fix.owner,
            )
        };
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
}

/// How the rules read a policy; rendered into `docs/rules.md`.
const SEMANTICS: &str = r#"
## Rule status

A rule is **stable** or **preview**, and says since which version. Stable rules run in
every analysis. A new rule arrives as preview and runs only with `--preview` (or
`preview = true` in the config file), so upgrading deputy-audit never adds findings to a
gate that passed before; a later release makes it stable. `deputy-audit explain` marks
preview rules, and SARIF carries each rule's status in its properties.

## Severity: what a foreign caller could do

A finding's severity says what another AWS account could do through the grant, not how
the policy is written. Each rule's severity below is the highest it reports; CD001, CD002,
CD003 and CD009 rank each finding by these classes (tested in `tests/corpus/severity/`):

| class | severity | why |
|---|---|---|
| a resource policy (queue, topic, bucket, key, function, secret, bus, log policy) lets a known service principal in without a pin | **high** | anyone can point the service at the resource from their own account |
| a role trust policy lets in a service whose AWS page names the confused-deputy risk for the roles it assumes (`role_use: deputy-documented`: Voice ID, Rekognition, IoT, QLDB, SageMaker, ECS tasks, Step Functions, Batch, CodeDeploy... about 40 services) | **high** | AWS itself says to pin these trust policies to prevent the confused deputy, and documents the keys the service sends, so the suggested condition is safe to paste |
| a role trust policy lets in a service that assumes the role only when a principal of the owner's account passes it and whose pages name no such risk (`role_use: passed-role`: EC2, Lambda, Glue, CodeBuild, CloudFormation stack roles, CloudTrail's log-delivery role...) | **low** (CD100) | no other account has a documented way in; pinning is defence in depth, suggested only where AWS documents that the service sends the keys (`--strict`: high) |
| the principal is not in the knowledge base, or how the service uses roles is unverified | **medium** | the finding says what is unknown; it is neither dismissed nor overstated |
| every action granted reveals only metadata (`kms:DescribeKey`, `s3:GetBucketAcl`, `s3:GetBucketLocation`: `data/action-classes.json`, each with its page) | **low** at most | no data read or written, nothing decrypted or invoked; a wildcard action never counts as metadata-only |
| an AWS-managed resource (a service-linked role, an AWS-managed KMS key, an IAM Identity Center role) | **no finding**; `info` with `--show-aws-managed` | the account cannot change the policy; the report lists it as AWS-managed with the reason, and it never gates |

Two judgements in the data are worth knowing. CloudFormation is classed passed-role although
its StackSets page names the risk: that page covers the StackSets administration role, while a
stack's service role (every CDK bootstrap's `cfn-exec-role`) is passed with `iam:PassRole`, and
both trust the same principal, so they cannot be told apart; the finding repeats the StackSets
caveat. CloudTrail's CloudWatch Logs delivery role is passed-role with the source keys
*not sent*: AWS says confused-deputy prevention "is not applicable" to it (pinning it is
reported to break delivery), so no condition is suggested.

The knowledge base (`crates/analyze/data/service-principals.json`) holds, for each service
principal, how the service uses roles and resource policies, whether it sends
`aws:SourceArn`/`aws:SourceAccount` to STS, its source ARN pattern and its own protective
keys, each with the AWS page it rests on. A fact no page confirms is `unverified`, and
the findings that rest on it say so ("unverified: ...").

## How policies are read

- **Protective keys** (pin the source of a service request): `aws:SourceAccount`,
  `aws:SourceOwner` (legacy SNS/S3 form), `aws:SourceArn`, `aws:SourceOrgID`,
  `aws:SourceOrgPaths`, and the service keys the knowledge base documents
  (`kms:EncryptionContext:aws:logs:arn` for CloudWatch Logs,
  `kms:EncryptionContext:aws:cloudtrail:arn` for CloudTrail). `aws:ResourceAccount`,
  `aws:SecureTransport`, `aws:PrincipalAccount`, `kms:ViaService` and the like do not pin a
  service request (`kms:ViaService` names a service, not an account).
- **Public grants** (CD009) are pinned by the caller-account keys AWS documents:
  `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
  `aws:PrincipalArn`, `aws:SourceVpc`, `aws:SourceVpce`, and `kms:CallerAccount` (the shape
  of every AWS-managed key policy: `"AWS": "*"` with `kms:CallerAccount` and
  `kms:ViaService`), besides the source keys. `Bool aws:PrincipalIsAWSService true` keeps
  IAM callers out but still lets any AWS service in on behalf of any account.
- **Protective operators**: `StringEquals`, `StringEqualsIgnoreCase`, `StringLike`,
  `ArnEquals`, `ArnLike` (with `ForAnyValue:`). `...IfExists` and `ForAllValues:`
  still pin when the key is present, and negated operators in an Allow do not pin; both
  are reported (CD005) only when no other entry of the statement pins with a plain
  operator: an extra restriction whose absence changes nothing is never a finding.
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
- **Suggested conditions** on trust policies are given only where AWS documents that
  every service of the statement sends the keys: a condition the service does not
  satisfy stops it from assuming the role. A suggested `aws:SourceArn` pattern names
  any region (`arn:aws:cloudtrail:*:ACCOUNT:trail/*`): the source may live in another
  region than the resource (a trail's ARN names its home region, not the bucket's), and
  the account field pins. On a KMS key, a service whose KMS page pins it with its own key
  is suggested that key (CloudWatch Logs: `kms:EncryptionContext:aws:logs:arn`).
- **Corrected policies** (`remediations` in the JSON report, `deputy-audit fix`) go
  further than a suggestion: each flagged statement is rewritten as its rule requires
  and pinned to the exact sources the account's wiring shows (see the README's fix
  workflow).
- **CD004** judges accounts only when the owner's account is known, and
  organizations only when `--org-id` is given.
"#;

/// Renders `docs/rules.md` from the registry.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# deputy-audit rules\n\n<!-- Generated from crates/analyze/src/rules/ by `UPDATE_RULES_DOC=1 cargo test -p deputy-audit-analyze --test rules_doc`. Do not edit by hand. -->\n\n| id | name | severity | status | when |\n|---|---|---|---|---|\n",
    );
    for r in rules() {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            r.id,
            r.anchor(),
            r.name,
            r.severity,
            r.status,
            r.summary
        ));
    }
    out.push_str(SEMANTICS);
    for r in rules() {
        out.push_str(&r.render_doc_section());
    }
    out
}
