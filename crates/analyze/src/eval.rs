//! What a statement's conditions actually do, computed once per statement and
//! read by every rule. Rules decide what to report; this module decides what is
//! true (which entries pin the caller, which are weak, broken or dead, which Deny
//! statements guard an Allow).

use crate::knowledge::{knowledge, RoleUse, ServiceEntry};
use crate::policy::{
    BaseOperator, ConditionEntry, Effect, Policy, Principals, SetQualifier, Statement,
};
use crate::{AnalysisOptions, ResourcePolicy};

/// What a condition key says about the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A 12-digit account (`aws:SourceAccount`, `aws:SourceOwner`, `aws:PrincipalAccount`).
    Account,
    /// An ARN whose account field pins (`aws:SourceArn`, service ARN keys, `aws:PrincipalArn`).
    Arn,
    /// An organization id (`aws:SourceOrgID`, `aws:PrincipalOrgID`).
    OrgId,
    /// Organization paths (`aws:SourceOrgPaths`, `aws:PrincipalOrgPaths`).
    OrgPaths,
    /// A VPC or VPC endpoint id: owned by one account.
    Network,
}

/// Keys that pin the *source* of a service request.
pub(crate) fn source_key_kind(key: &str) -> Option<KeyKind> {
    match key {
        "aws:sourceaccount" | "aws:sourceowner" => Some(KeyKind::Account),
        "aws:sourcearn" => Some(KeyKind::Arn),
        "aws:sourceorgid" => Some(KeyKind::OrgId),
        "aws:sourceorgpaths" => Some(KeyKind::OrgPaths),
        k if knowledge().is_protective_key(k) => Some(KeyKind::Arn),
        _ => None,
    }
}

/// Keys that pin the *caller* of a public grant (in addition to the source keys).
pub(crate) fn principal_key_kind(key: &str) -> Option<KeyKind> {
    match key {
        "aws:principalaccount" => Some(KeyKind::Account),
        "aws:principalarn" => Some(KeyKind::Arn),
        "aws:principalorgid" => Some(KeyKind::OrgId),
        "aws:principalorgpaths" => Some(KeyKind::OrgPaths),
        "aws:sourcevpc" | "aws:sourcevpce" => Some(KeyKind::Network),
        // kms:CallerAccount and the like: the caller's account, documented in
        // the knowledge base with their pages.
        k if knowledge().is_caller_account_key(k) => Some(KeyKind::Account),
        _ => None,
    }
}

fn any_key_kind(key: &str) -> Option<KeyKind> {
    source_key_kind(key).or_else(|| principal_key_kind(key))
}

pub(crate) fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

pub(crate) use crate::arn::is_account_id;
use crate::arn::Arn;

/// What one condition value pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValuePin {
    Account(String),
    Org(String),
    /// An ARN with no account field (an S3 bucket): pins a name, not an owner.
    AccountLess,
    /// Pins something specific that carries no account (a VPC id).
    Opaque,
    /// The value of an ARN key is not an ARN (an unsubstituted placeholder such
    /// as "your Amazon Connect instance ARN"): it never matches.
    NotArn,
    Unpinned(String),
}

/// The policy variable that stands for the owner's organization; a pin to it
/// is a pin to the owner's organization, whatever its id.
pub(crate) const RESOURCE_ORG_VAR: &str = "${aws:ResourceOrgID}";

/// Resolves `${aws:ResourceAccount}` (the data-perimeter way of writing "the
/// owner's account") to the owner's account id.
pub(crate) fn resolve_vars<'v>(v: &'v str, owner: &str) -> std::borrow::Cow<'v, str> {
    const VAR: &str = "${aws:resourceaccount}";
    if !v.contains("${") || !is_account_id(owner) {
        return std::borrow::Cow::Borrowed(v);
    }
    let lower = v.to_ascii_lowercase();
    let mut out = String::with_capacity(v.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(at) = lower
        .get(from..)
        .and_then(|l| l.find(VAR))
        .map(|i| i + from)
    {
        out.push_str(v.get(rest..at).unwrap_or_default());
        out.push_str(owner);
        rest = at + VAR.len();
        from = rest;
    }
    out.push_str(v.get(rest..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

pub(crate) fn value_pin(kind: KeyKind, v: &str, key: &str, owner: &str) -> ValuePin {
    let resolved = resolve_vars(v, owner);
    let v: &str = &resolved;
    match kind {
        KeyKind::Account => {
            if has_wildcard(v) {
                ValuePin::Unpinned(format!("{key} {v:?} holds a wildcard"))
            } else {
                ValuePin::Account(v.to_string())
            }
        }
        KeyKind::Arn => match Arn::parse(v) {
            Some(arn) => {
                // S3 bucket ARNs never carry an account or region, so a
                // wildcard there (the older `arn:aws:s3:*:*:bucket` form) only
                // matches the empty field: the ARN is account-less, not open.
                let account = if arn.service == "s3" { "" } else { arn.account };
                if has_wildcard(account) {
                    ValuePin::Unpinned(format!("{key} {v:?} has a wildcard in its account field"))
                } else if account.is_empty() {
                    if has_wildcard(arn.resource) {
                        ValuePin::Unpinned(format!(
                            "{key} {v:?} has no account field and a wildcard resource, so it matches resources anyone can create"
                        ))
                    } else {
                        ValuePin::AccountLess
                    }
                } else {
                    ValuePin::Account(account.to_string())
                }
            }
            None if has_wildcard(v) => {
                ValuePin::Unpinned(format!("{key} {v:?} matches any account"))
            }
            None => ValuePin::NotArn,
        },
        KeyKind::OrgId => {
            if has_wildcard(v) || v.is_empty() {
                ValuePin::Unpinned(format!("{key} {v:?} matches any organization"))
            } else {
                ValuePin::Org(v.to_string())
            }
        }
        KeyKind::OrgPaths => {
            let org = v.split('/').next().unwrap_or_default();
            if org.is_empty() || has_wildcard(org) {
                ValuePin::Unpinned(format!("{key} {v:?} does not name an organization"))
            } else {
                ValuePin::Org(org.to_string())
            }
        }
        KeyKind::Network => {
            if has_wildcard(v) {
                ValuePin::Unpinned(format!("{key} {v:?} holds a wildcard"))
            } else {
                ValuePin::Opaque
            }
        }
    }
}

/// What one condition entry on a relevant key amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Pin {
        accounts: Vec<String>,
        orgs: Vec<String>,
        accountless: bool,
        weak: Option<&'static str>,
    },
    Unpinned(String),
    NullCheck,
    Negated,
    /// Malformed or wrong-typed: not enforced as intended.
    Invalid(Option<String>),
    /// Every value is a literal wildcard under an equality operator: never matches.
    Dead,
}

struct Classified {
    outcome: Outcome,
    /// Values a literal operator compares with `*` or `?` in them (CD007).
    literal_values: Vec<String>,
    /// Values of an ARN key that are not ARNs: they never match (CD008).
    not_arn_values: Vec<String>,
}

impl Classified {
    fn just(outcome: Outcome) -> Classified {
        Classified {
            outcome,
            literal_values: Vec::new(),
            not_arn_values: Vec::new(),
        }
    }
}

fn describe(e: &ConditionEntry) -> String {
    format!("{} → {}", e.operator_name, e.key_as_written)
}

/// Classifies an entry in an Allow statement.
fn classify(e: &ConditionEntry, kind: KeyKind, owner: &str) -> Classified {
    let Some(op) = e.operator else {
        return Classified::just(Outcome::Invalid(None));
    };
    if !e.values_valid {
        return Classified::just(Outcome::Invalid(None));
    }
    if op.base == BaseOperator::Null {
        return Classified::just(Outcome::NullCheck);
    }
    if !op.base.is_string_or_arn() {
        return Classified::just(Outcome::Invalid(Some(format!(
            "{} compares {} with a non-string operator, which cannot pin it",
            describe(e),
            e.key_as_written
        ))));
    }
    let mut c = Classified::just(Outcome::Dead);
    let mut pins = Vec::new();
    for v in &e.values {
        if op.base.is_literal_string() && has_wildcard(v) {
            c.literal_values.push(v.clone());
        } else {
            match value_pin(kind, v, &e.key_as_written, owner) {
                ValuePin::NotArn => c.not_arn_values.push(v.clone()),
                pin => pins.push(pin),
            }
        }
    }
    if op.base.is_negated() {
        c.outcome = Outcome::Negated;
        return c;
    }
    // Only values that never match (literal wildcards, non-ARNs): the entry,
    // and so the statement, never matches.
    if pins.is_empty() {
        return c;
    }
    if let Some(reason) = pins.iter().find_map(|p| match p {
        ValuePin::Unpinned(r) => Some(r.clone()),
        _ => None,
    }) {
        c.outcome = Outcome::Unpinned(reason);
        return c;
    }
    let mut accounts = Vec::new();
    let mut orgs = Vec::new();
    let mut accountless = false;
    for p in pins {
        match p {
            ValuePin::Account(a) => accounts.push(a),
            ValuePin::Org(o) => orgs.push(o),
            ValuePin::AccountLess => accountless = true,
            ValuePin::Opaque | ValuePin::NotArn | ValuePin::Unpinned(_) => {}
        }
    }
    let weak = if op.if_exists {
        Some("IfExists")
    } else if op.set == SetQualifier::ForAllValues {
        Some("ForAllValues:")
    } else {
        None
    };
    c.outcome = Outcome::Pin {
        accounts,
        orgs,
        accountless,
        weak,
    };
    c
}

/// A Deny statement that guards an Allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Guard {
    pub index: usize,
    pub sid: Option<String>,
    pub accounts: Vec<String>,
    pub orgs: Vec<String>,
}

impl Guard {
    pub(crate) fn describe(&self) -> String {
        match &self.sid {
            Some(sid) => format!("Deny statement {} (Sid \"{sid}\")", self.index),
            None => format!("Deny statement {} (no Sid)", self.index),
        }
    }
}

/// A service principal of a statement with what the knowledge base says of it.
#[derive(Debug, Clone)]
pub(crate) struct ServiceRef<'a> {
    pub name: &'a str,
    pub entry: Option<&'static ServiceEntry>,
}

/// Everything the rules need to know about one statement.
#[derive(Debug, Default)]
pub(crate) struct Facts<'a> {
    pub allow: bool,
    /// Service principals that may act for any customer here.
    pub exposed: Vec<ServiceRef<'a>>,
    /// Services that use this role only when it is passed inside the owner's
    /// account (trust policies, not `--strict`): defence in depth, CD100.
    pub passed_role: Vec<ServiceRef<'a>>,
    /// Service principals a Deny statement guards (removed from the two lists above).
    pub guarded: Vec<ServiceRef<'a>>,
    /// `"*"` or `{"AWS": "*"}`.
    pub public: bool,
    /// A public grant confined to AWS services (`Bool aws:PrincipalIsAWSService
    /// true`): any service, acting for any account.
    pub public_services_only: bool,

    /// A source key pins an account or organization (possibly weakly).
    pub source_pinned: bool,
    /// An entry pins without a weakening qualifier (no `IfExists`,
    /// `ForAllValues:`): other, weaker entries on the statement only restrict
    /// further, so they are not a finding.
    pub strongly_pinned: bool,
    /// The entries that pin (`StringEquals → aws:SourceAccount`), for explanations.
    pub pins: Vec<String>,
    /// A SourceArn naming a resource without an account field (and nothing else).
    pub accountless_arn: Vec<String>,
    /// A source-account/org pin that pairs an account-less SourceArn.
    pub account_companion: bool,
    /// Something among all pin keys pins the caller of a public grant.
    pub public_pinned: bool,

    /// A source key sits under an operator that is unknown, malformed or negated.
    pub ineffective_source: bool,
    pub unpinned: Vec<String>,
    pub null_checks: Vec<String>,
    pub weak: Vec<String>,
    pub negated: Vec<String>,
    pub literal: Vec<String>,
    pub invalid: Vec<String>,
    pub conflict: Option<String>,
    /// The statement can never match (conflicting or literal-only pins).
    pub dead: bool,

    /// Accounts and organizations the source keys pin (and the guards').
    pub pinned_accounts: Vec<String>,
    pub pinned_orgs: Vec<String>,
    /// Accounts and organizations the caller keys of a public grant pin
    /// (`kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`...):
    /// a public grant pinned to another account is a grant to that account.
    pub principal_accounts: Vec<String>,
    pub principal_orgs: Vec<String>,

    /// Set when every service principal of the statement is guarded (the first guard).
    pub guard: Option<Guard>,
    pub public_guard: Option<Guard>,
}

impl Facts<'_> {
    /// No source pin (or account-less SourceArn), not dead, not guarded.
    pub(crate) fn source_unprotected(&self) -> bool {
        !self.source_pinned && self.accountless_arn.is_empty() && !self.dead && self.guard.is_none()
    }

    /// CD002's condition: a source key is present but nothing pins.
    pub(crate) fn unpinned_reported(&self) -> bool {
        self.source_unprotected() && (!self.unpinned.is_empty() || !self.null_checks.is_empty())
    }
}

pub(crate) fn statement_facts<'a>(
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    policy: &'a Policy,
    st: &'a Statement,
) -> Facts<'a> {
    let mut f = Facts {
        allow: st.effect == Effect::Allow,
        ..Facts::default()
    };
    sort_principals(&mut f, resource, options, st);
    // Literal wildcards are worth reporting wherever a service or public
    // principal's condition is evaluated, Deny statements included.
    let relevant = st
        .principal
        .as_ref()
        .is_some_and(|p| p.is_public() || p.services().next().is_some());
    if !f.allow {
        if relevant {
            deny_literal_wildcards(&mut f, st);
        }
        return f;
    }
    if !relevant {
        return f;
    }
    f.public_services_only = f.public && limits_to_aws_services(st);
    let own_account_keys = own_account_keys(&f);
    let required_keys = required_keys(st);
    let mut sources = SourceValues::default();
    for e in &st.conditions {
        apply_condition(
            &mut f,
            &mut sources,
            &own_account_keys,
            &required_keys,
            e,
            resource,
        );
    }
    settle_source_pins(&mut f, sources);
    apply_guards(&mut f, policy, st, resource.account_id.as_str());
    f.pinned_accounts.sort();
    f.pinned_accounts.dedup();
    f.pinned_orgs.sort();
    f.pinned_orgs.dedup();
    f
}

/// Step 1: the statement's principals: public or not, and each service
/// principal exposed, or passed-role (a role only handed to the service).
fn sort_principals<'a>(
    f: &mut Facts<'a>,
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    st: &'a Statement,
) {
    let kb = knowledge();
    if let Some(p) = &st.principal {
        f.public = p.is_public();
        for name in p.services() {
            let entry = kb.lookup(name);
            let passed_role = entry.is_some_and(|e| e.role_use == RoleUse::PassedRole)
                && resource.resource_type.is_trust_policy()
                && !options.strict;
            let r = ServiceRef { name, entry };
            if passed_role {
                f.passed_role.push(r);
            } else {
                f.exposed.push(r);
            }
        }
    }
}

/// A Deny statement: only its literal wildcards are of interest.
fn deny_literal_wildcards(f: &mut Facts<'_>, st: &Statement) {
    for e in &st.conditions {
        if any_key_kind(&e.key).is_some() && e.values_valid {
            if let Some(op) = e.operator {
                if op.base.is_literal_string() {
                    for v in e.values.iter().filter(|v| has_wildcard(v)) {
                        f.literal.push(format!("{} {v:?}", describe(e)));
                    }
                }
            }
        }
    }
}

/// `"Bool": {"aws:PrincipalIsAWSService": "true"}`: a public grant limited to
/// AWS services.
fn limits_to_aws_services(st: &Statement) -> bool {
    st.conditions.iter().any(|e| {
        e.key == "aws:principalisawsservice"
            && e.values_valid
            && e.operator
                .is_some_and(|op| op.base == BaseOperator::Bool && !op.if_exists)
            && !e.values.is_empty()
            && e.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
    })
}

/// Account-valued service keys (sts:ExternalId for Firehose) pin only for
/// the service that documents them: any caller can set sts:ExternalId.
fn own_account_keys<'k>(f: &Facts<'k>) -> Vec<&'k str> {
    f.exposed
        .iter()
        .chain(&f.passed_role)
        .filter_map(|s| s.entry)
        .flat_map(|e| e.protective_account_keys.iter().map(String::as_str))
        .collect()
}

/// Keys a `Null ... false` entry requires to be present: an `IfExists` or
/// `ForAllValues:` entry on such a key cannot pass on an absent key, so it
/// pins as firmly as the plain operator.
fn required_keys(st: &Statement) -> Vec<&str> {
    st.conditions
        .iter()
        .filter(|e| {
            e.values_valid
                && e.operator.is_some_and(|op| op.base == BaseOperator::Null)
                && !e.values.is_empty()
                && e.values.iter().all(|v| v.eq_ignore_ascii_case("false"))
        })
        .map(|e| e.key.as_str())
        .collect()
}

/// The accounts named by aws:SourceAccount and by aws:SourceArn, compared
/// once every condition is read ([`settle_source_pins`]).
#[derive(Default)]
struct SourceValues {
    account_values: Vec<String>,
    arn_accounts: Vec<String>,
}

/// Step 2: one condition entry: what it pins, and what is wrong with it.
fn apply_condition(
    f: &mut Facts<'_>,
    sources: &mut SourceValues,
    own_account_keys: &[&str],
    required_keys: &[&str],
    e: &ConditionEntry,
    resource: &ResourcePolicy,
) {
    let source_kind = source_key_kind(&e.key).or_else(|| {
        own_account_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&e.key))
            .then_some(KeyKind::Account)
    });
    let Some(kind) = source_kind.or_else(|| principal_key_kind(&e.key)) else {
        return;
    };
    let is_source = source_kind.is_some();
    let c = classify(e, kind, &resource.account_id);
    for v in &c.literal_values {
        f.literal.push(format!("{} {v:?}", describe(e)));
    }
    for v in &c.not_arn_values {
        f.invalid.push(format!(
            "{} value {v:?} is not an ARN, so it never matches",
            describe(e)
        ));
    }
    match c.outcome {
        Outcome::Pin {
            accounts,
            orgs,
            accountless,
            weak,
        } => {
            let weak = weak.filter(|_| !required_keys.contains(&e.key.as_str()));
            let real = !accountless;
            f.public_pinned = true;
            // An account-less ARN (a bucket) pins a name, not an owner.
            if weak.is_none() && real && is_source {
                f.strongly_pinned = true;
            }
            f.pins.push(describe(e));
            if is_source {
                if real {
                    f.source_pinned = true;
                    if matches!(kind, KeyKind::Account | KeyKind::OrgId | KeyKind::OrgPaths) {
                        f.account_companion = true;
                    }
                } else {
                    f.accountless_arn.push(describe(e));
                }
                if let Some(w) = weak {
                    f.weak.push(format!(
                        "{} uses {w}, which is true when the key is absent",
                        describe(e)
                    ));
                }
                if kind == KeyKind::Account {
                    sources.account_values.extend(accounts.iter().cloned());
                } else if kind == KeyKind::Arn && e.key == "aws:sourcearn" {
                    sources.arn_accounts.extend(accounts.iter().cloned());
                }
                f.pinned_accounts.extend(accounts);
                f.pinned_orgs.extend(orgs);
            } else {
                f.principal_accounts.extend(accounts);
                f.principal_orgs.extend(orgs);
            }
        }
        Outcome::Unpinned(reason) => {
            if is_source {
                f.unpinned.push(reason);
            }
        }
        Outcome::NullCheck => {
            if is_source {
                f.null_checks.push(describe(e));
            }
        }
        Outcome::Negated => {
            if is_source {
                f.ineffective_source = true;
                f.negated
                    .push(format!("{} is negated inside an Allow", describe(e)));
            }
        }
        Outcome::Invalid(reason) => {
            f.ineffective_source |= is_source;
            if let Some(r) = reason {
                f.invalid.push(r);
            }
        }
        Outcome::Dead => f.dead = true,
    }
}

/// Step 3: the source pins taken together.
fn settle_source_pins(f: &mut Facts<'_>, sources: SourceValues) {
    let SourceValues {
        account_values,
        arn_accounts,
    } = sources;
    // An account-less SourceArn paired with an account or org pin is a full pin.
    if f.account_companion && !f.accountless_arn.is_empty() {
        f.accountless_arn.clear();
    }
    if !account_values.is_empty()
        && !arn_accounts.is_empty()
        && !account_values.iter().any(|a| arn_accounts.contains(a))
    {
        f.conflict = Some(format!(
            "aws:SourceAccount {account_values:?} but aws:SourceArn names account {arn_accounts:?}"
        ));
        f.dead = true;
        // A condition that can never match pins nothing worth checking further.
        f.pinned_accounts.clear();
    }
}

/// Step 4: Deny statements that guard what this Allow grants.
fn apply_guards<'a>(f: &mut Facts<'a>, policy: &'a Policy, st: &'a Statement, owner: &str) {
    if !f.exposed.is_empty() || !f.passed_role.is_empty() {
        // Each service principal is guarded on its own: a Deny for SNS does not
        // protect the S3 half of an Allow naming both.
        let mut guards: Vec<Guard> = Vec::new();
        let mut guarded = Vec::new();
        for list in [&mut f.exposed, &mut f.passed_role] {
            list.retain(|s| {
                match find_guard(
                    policy,
                    st,
                    owner,
                    |p| covers_service(p, s.name),
                    source_key_kind,
                ) {
                    Some(g) => {
                        if !guards.contains(&g) {
                            guards.push(g);
                        }
                        guarded.push(s.clone());
                        false
                    }
                    None => true,
                }
            });
        }
        f.guarded = guarded;
        for g in &guards {
            f.pinned_accounts.extend(g.accounts.iter().cloned());
            f.pinned_orgs.extend(g.orgs.iter().cloned());
        }
        if f.exposed.is_empty() && f.passed_role.is_empty() {
            f.guard = guards.into_iter().next();
        }
    }
    // A public grant's guard may pin IAM callers (aws:PrincipalAccount); its
    // accounts are not source accounts, so CD004 does not judge them.
    if f.public {
        f.public_guard = find_guard(policy, st, owner, Principals::is_public, any_key_kind);
    }
}

pub(crate) fn covers_service(p: &Principals, service: &str) -> bool {
    p.is_public() || p.services().any(|s| s.eq_ignore_ascii_case(service))
}

/// Finds a Deny statement that takes away what `allow` grants from callers not
/// pinned by a negated condition on `kind_of` keys.
fn find_guard(
    policy: &Policy,
    allow: &Statement,
    owner: &str,
    covers: impl Fn(&Principals) -> bool,
    kind_of: fn(&str) -> Option<KeyKind>,
) -> Option<Guard> {
    policy
        .statements
        .iter()
        .find_map(|d| deny_guard(d, allow, owner, &covers, kind_of))
}

/// Whether one Deny statement `d` takes away what `allow` grants from callers not
/// pinned by a negated condition on `kind_of` keys (also used for organization
/// guardrails: `crate::guardrails` judges each RCP statement with it).
pub(crate) fn deny_guard(
    d: &Statement,
    allow: &Statement,
    owner: &str,
    covers: impl Fn(&Principals) -> bool,
    kind_of: fn(&str) -> Option<KeyKind>,
) -> Option<Guard> {
    if d.effect != Effect::Deny
        || d.not_principal.is_some()
        || !d.principal.as_ref().is_some_and(covers)
    {
        return None;
    }
    if !actions_cover(d, allow) || !resources_cover(d, allow) {
        return None;
    }
    guard_condition(d, owner, kind_of)
}

fn actions_cover(deny: &Statement, allow: &Statement) -> bool {
    if deny.not_action.is_some() {
        return false;
    }
    let Some(deny_actions) = &deny.action else {
        return false;
    };
    match &allow.action {
        Some(actions) if allow.not_action.is_none() => actions
            .iter()
            .all(|a| deny_actions.iter().any(|p| glob_match(p, a, true))),
        _ => deny_actions.iter().any(|p| p == "*"),
    }
}

fn resources_cover(deny: &Statement, allow: &Statement) -> bool {
    if deny.not_resource.is_some() {
        return false;
    }
    let Some(deny_res) = &deny.resource else {
        return true;
    };
    match &allow.resource {
        Some(res) if allow.not_resource.is_none() => res
            .iter()
            .all(|r| deny_res.iter().any(|p| glob_match(p, r, false))),
        _ => deny_res.iter().any(|p| p == "*"),
    }
}

/// A Deny condition is a guard when every entry is a negated pin on a
/// protective key (at least one), a `Null` "key exists" check on one, or
/// `Bool aws:PrincipalIsAWSService true`: extra conditions would only make the
/// Deny apply less often.
fn guard_condition(
    d: &Statement,
    owner: &str,
    kind_of: fn(&str) -> Option<KeyKind>,
) -> Option<Guard> {
    if !d.condition_problems.is_empty() || d.conditions.is_empty() {
        return None;
    }
    let mut accounts = Vec::new();
    let mut orgs = Vec::new();
    let mut negated_pins = 0;
    for e in &d.conditions {
        let op = e.operator?;
        if !e.values_valid {
            return None;
        }
        if op.base == BaseOperator::Bool && e.key == "aws:principalisawsservice" {
            if e.values.iter().all(|v| v.eq_ignore_ascii_case("true")) {
                continue;
            }
            return None;
        }
        let kind = kind_of(&e.key)?;
        if op.base == BaseOperator::Null {
            if e.values.iter().all(|v| v.eq_ignore_ascii_case("false")) {
                continue;
            }
            return None;
        }
        if !op.base.is_negated()
            || !op.base.is_string_or_arn()
            || op.set == SetQualifier::ForAnyValue
        {
            return None;
        }
        for v in &e.values {
            if op.base.is_literal_string() && has_wildcard(v) {
                return None;
            }
            match value_pin(kind, v, &e.key_as_written, owner) {
                ValuePin::Account(a) => accounts.push(a),
                ValuePin::Org(o) => orgs.push(o),
                ValuePin::Opaque => {}
                ValuePin::AccountLess | ValuePin::NotArn | ValuePin::Unpinned(_) => return None,
            }
        }
        negated_pins += 1;
    }
    (negated_pins > 0).then(|| Guard {
        index: d.index,
        sid: d.sid.clone(),
        accounts,
        orgs,
    })
}

/// Wildcard match of `text` against `pattern` (`*` any run, `?` one character).
/// Iterative, linear in practice, no recursion on input.
pub(crate) fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || t.get(ti).is_some_and(|&x| eq(c, x)) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("sqs:*", "sqs:SendMessage", true));
        assert!(glob_match("SQS:send*", "sqs:SendMessage", true));
        assert!(glob_match("*", "anything", false));
        assert!(glob_match("sqs:*", "sqs:*", true));
        assert!(!glob_match("sqs:S*", "sqs:*", true));
        assert!(glob_match("a?c", "abc", false));
        assert!(!glob_match("a?c", "ac", false));
        assert!(glob_match(
            "arn:aws:sqs:*:111122223333:q",
            "arn:aws:sqs:us-east-1:111122223333:q",
            false
        ));
        assert!(!glob_match(
            "arn:aws:sqs:*:111122223333:q",
            "arn:aws:sqs:us-east-1:111122223333:other",
            false
        ));
    }

    const O: &str = "111122223333";

    #[test]
    fn resource_account_variable_is_the_owner() {
        assert_eq!(resolve_vars("${aws:ResourceAccount}", O), "111122223333");
        assert_eq!(
            resolve_vars("arn:aws:sns:*:${AWS:RESOURCEACCOUNT}:*", O),
            "arn:aws:sns:*:111122223333:*"
        );
        assert_eq!(
            resolve_vars("${aws:ResourceAccount}", ""),
            "${aws:ResourceAccount}"
        );
        assert_eq!(
            resolve_vars("${aws:PrincipalAccount}", O),
            "${aws:PrincipalAccount}"
        );
        assert_eq!(
            resolve_vars("é${aws:ResourceAccount}é", O),
            "é111122223333é"
        );
        assert_eq!(
            value_pin(
                KeyKind::Account,
                "${aws:ResourceAccount}",
                "aws:SourceAccount",
                O
            ),
            ValuePin::Account(O.into())
        );
    }

    #[test]
    fn value_pins() {
        let k = "aws:SourceArn";
        assert_eq!(
            value_pin(KeyKind::Arn, "arn:aws:rekognition:*:111122223333:*", k, O),
            ValuePin::Account("111122223333".into())
        );
        assert!(matches!(
            value_pin(KeyKind::Arn, "arn:aws:rekognition:*:*:*", k, O),
            ValuePin::Unpinned(_)
        ));
        assert!(matches!(
            value_pin(KeyKind::Arn, "arn:aws:sns:us-east-1:1111222233?3:t", k, O),
            ValuePin::Unpinned(_)
        ));
        assert_eq!(
            value_pin(KeyKind::Arn, "arn:aws:s3:::my-bucket", k, O),
            ValuePin::AccountLess
        );
        assert!(matches!(
            value_pin(KeyKind::Arn, "arn:aws:s3:::*", k, O),
            ValuePin::Unpinned(_)
        ));
        assert_eq!(
            value_pin(KeyKind::Arn, "arn:aws:s3:*:*:my-bucket", k, O),
            ValuePin::AccountLess
        );
        assert!(matches!(
            value_pin(KeyKind::Arn, "arn:aws:s3:*:*:my-*", k, O),
            ValuePin::Unpinned(_)
        ));
        assert!(matches!(
            value_pin(KeyKind::Arn, "*", k, O),
            ValuePin::Unpinned(_)
        ));
        assert!(matches!(
            value_pin(KeyKind::Account, "1111*", k, O),
            ValuePin::Unpinned(_)
        ));
        assert_eq!(
            value_pin(
                KeyKind::OrgPaths,
                "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*",
                k,
                O
            ),
            ValuePin::Org("o-a1b2c3d4e5".into())
        );
        assert!(matches!(
            value_pin(KeyKind::OrgPaths, "o-*/*", k, O),
            ValuePin::Unpinned(_)
        ));
    }
}
