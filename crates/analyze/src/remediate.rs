//! The full corrected policy of a resource with findings: each flagged
//! statement corrected as its rule requires, pinned to the sources the
//! account's wiring shows ([`crate::wiring`]), unused grants removed, and the
//! result analysed again.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::eval::{
    glob_match, has_wildcard, is_account_id, principal_key_kind, resolve_vars, source_key_kind,
    statement_facts, value_pin, KeyKind, ValuePin,
};
use crate::knowledge::{knowledge, ServiceEntry};
use crate::policy::{self, BaseOperator, Effect, Operator, SetQualifier, Statement};
use crate::wiring::{same_principal, KindStatus, Usage, Wiring};
use crate::{analyze, AnalysisOptions, Arn, Finding, ResourcePolicy, ResourceType, Severity};

/// The correction of one resource's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub account_id: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource_arn: String,
    /// The sources found using the grants of the flagged statements.
    pub used_by: Vec<UsedBy>,
    /// Statements (indexes in the original policy) that nothing in the scanned
    /// accounts uses: the corrected policy leaves them out.
    pub unused_statements: Vec<usize>,
    /// What was done to each flagged statement, and why.
    pub statements: Vec<StatementFix>,
    /// The whole corrected document. `None` when nothing could be corrected
    /// automatically (every flagged statement needs a person: see `statements`).
    pub corrected_policy: Option<serde_json::Value>,
    /// Findings the corrected policy still has at `low` or above, with the
    /// reason they could not be corrected automatically.
    pub remaining: Vec<Remaining>,
}

/// A source that uses a grant of the resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UsedBy {
    /// The statement (index in the original policy) whose grant it uses.
    pub statement_index: usize,
    pub service_principal: String,
    /// `None` where AWS documents no source ARN for this use.
    pub source_arn: Option<String>,
    pub source_account: String,
    /// The source kind that found it (`s3-notifications`).
    pub kind: String,
}

/// What the correction did to one flagged statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAction {
    /// Pinned to the exact sources the wiring shows.
    PinnedToSources,
    /// Pinned to an account (or the service's documented key for it): the
    /// sources could not all be known (a source kind not read, a service no
    /// source kind reads, or an account that was not scanned).
    PinnedToAccount,
    /// Removed: no source in the scanned accounts uses it.
    Removed,
    /// A broken entry repaired (a literal wildcard under an equality operator
    /// in a Deny): nothing to pin.
    Repaired,
    /// Left as it is: it needs a person (the reason says what to decide).
    Unchanged,
}

/// One flagged statement's correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementFix {
    /// Index in the original policy.
    pub index: usize,
    pub sid: Option<String>,
    /// The rules that flagged it (`CD001`).
    pub rule_ids: Vec<String>,
    pub action: FixAction,
    /// Why, in a sentence a reviewer can check.
    pub reason: String,
    /// Accounts the statement names that were not scanned: its sources may live
    /// there, so it is pinned to them rather than called unused.
    pub unscanned_accounts: Vec<String>,
    /// The corrected statement(s) (more than one where the resource type needs
    /// one statement per source, as Lambda's AddPermission does); empty when
    /// removed or unchanged.
    pub corrected_statements: Vec<serde_json::Value>,
}

/// A finding the corrected policy still has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remaining {
    pub rule_id: String,
    pub severity: Severity,
    pub statement_index: usize,
    pub message: String,
}

/// Corrects `resource`'s policy for `findings` (its findings, unsuppressed),
/// pinning each flagged statement to the uses `wiring` shows. `None` when
/// there is nothing to correct (no findings of this resource, no policy, an
/// AWS-managed policy, a policy that does not parse).
pub fn remediate(
    resource: &ResourcePolicy,
    findings: &[Finding],
    wiring: &Wiring,
    options: &AnalysisOptions,
) -> Option<Remediation> {
    let mut flagged: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.resource_arn == resource.arn && f.account_id == resource.account_id)
    {
        flagged.entry(f.statement_index).or_default().push(f);
    }
    if flagged.is_empty() || resource.aws_managed.is_some() {
        return None;
    }
    let text = resource.policy.as_deref()?;
    let parsed = policy::parse(text).ok()?;
    let mut out = Remediation {
        account_id: resource.account_id.clone(),
        region: resource.region.clone(),
        resource_type: resource.resource_type,
        resource_arn: resource.arn.clone(),
        used_by: Vec::new(),
        unused_statements: Vec::new(),
        statements: Vec::new(),
        corrected_policy: None,
        remaining: Vec::new(),
    };
    let document = serde_json::from_str::<Value>(text).ok();
    let manual = |out: &mut Remediation, reason: &str| {
        for (index, fs) in &flagged {
            out.statements.push(StatementFix {
                index: *index,
                sid: fs.first().and_then(|f| f.statement_sid.clone()),
                rule_ids: rule_ids(fs),
                action: FixAction::Unchanged,
                reason: reason.to_string(),
                unscanned_accounts: Vec::new(),
                corrected_statements: Vec::new(),
            });
        }
    };
    if resource.resource_type == ResourceType::ResourceControlPolicy {
        manual(&mut out, "A resource control policy is corrected in AWS Organizations as CD200's fix describes; deputy-audit does not rewrite guardrails.");
        return Some(out);
    }
    if parsed.other_reading.is_some() {
        manual(&mut out, "The document has a key twice (CD008): which copy AWS keeps decides what it means, so it must be rewritten by hand before it can be corrected.");
        return Some(out);
    }
    let Some((mut document, statements_key, mut statements)) = document.and_then(split_document)
    else {
        manual(
            &mut out,
            "The document's shape could not be rewritten safely.",
        );
        return Some(out);
    };
    if statements.len() != parsed.statements.len() {
        manual(
            &mut out,
            "The document's shape could not be rewritten safely.",
        );
        return Some(out);
    }
    let cx = Cx {
        resource,
        options,
        wiring,
        parsed: &parsed,
    };
    let mut replacements: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (index, fs) in &flagged {
        let (Some(st), Some(value)) = (parsed.statements.get(*index), statements.get(*index))
        else {
            continue;
        };
        let outcome = correct_statement(&cx, st, value, fs);
        match outcome.action {
            FixAction::Unchanged => {}
            FixAction::Removed => {
                // Wholly unused, or only its service principals (the others
                // keep a copy).
                if outcome.statements.is_empty() {
                    out.unused_statements.push(*index);
                }
                replacements.insert(*index, outcome.statements.clone());
            }
            _ => {
                replacements.insert(*index, outcome.statements.clone());
            }
        }
        out.used_by
            .extend(outcome.used_by.into_iter().map(|u| UsedBy {
                statement_index: *index,
                ..u
            }));
        out.statements.push(StatementFix {
            index: *index,
            sid: st.sid.clone(),
            rule_ids: rule_ids(fs),
            action: outcome.action,
            reason: outcome.reason,
            unscanned_accounts: outcome.unscanned,
            corrected_statements: outcome.statements,
        });
    }
    out.used_by.sort();
    out.used_by.dedup();
    if replacements.is_empty() {
        return Some(out);
    }
    let mut corrected = Vec::new();
    for (index, value) in statements.drain(..).enumerate() {
        match replacements.remove(&index) {
            Some(new) => corrected.extend(new),
            None => corrected.push(value),
        }
    }
    match &mut document {
        Value::Object(map) => {
            map.insert(statements_key, Value::Array(corrected));
        }
        _ => return Some(out),
    }
    out.remaining = reanalyze(resource, options, &document);
    out.corrected_policy = Some(document);
    Some(out)
}

/// The document without its statements, the key they were under, and the
/// statements. A bare statement (no `Statement` element) becomes a document.
fn split_document(document: Value) -> Option<(Value, String, Vec<Value>)> {
    let Value::Object(mut map) = document else {
        return None;
    };
    let key = map
        .keys()
        .find(|k| k.eq_ignore_ascii_case("Statement"))
        .cloned();
    match key {
        Some(key) => {
            let statements = match map.remove(&key)? {
                Value::Array(items) => items,
                one @ Value::Object(_) => vec![one],
                _ => return None,
            };
            Some((Value::Object(map), key, statements))
        }
        None if map.keys().any(|k| k.eq_ignore_ascii_case("Effect")) => Some((
            Value::Object(Map::from_iter([(
                "Version".to_string(),
                Value::String("2012-10-17".to_string()),
            )])),
            "Statement".to_string(),
            vec![Value::Object(map)],
        )),
        None => None,
    }
}

fn only_rule(findings: &[&Finding], id: &str) -> bool {
    !findings.is_empty() && findings.iter().all(|f| f.rule.id == id)
}

fn rule_ids(findings: &[&Finding]) -> Vec<String> {
    let mut ids: Vec<String> = findings.iter().map(|f| f.rule.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The corrected document analysed again: what is left at `low` or above.
fn reanalyze(
    resource: &ResourcePolicy,
    options: &AnalysisOptions,
    document: &Value,
) -> Vec<Remaining> {
    let corrected = ResourcePolicy {
        policy: Some(document.to_string()),
        ..resource.clone()
    };
    match analyze(&corrected, options) {
        Ok(findings) => findings
            .into_iter()
            .filter(|f| f.severity >= Severity::Low)
            .map(|f| Remaining {
                rule_id: f.rule.id.to_string(),
                severity: f.severity,
                statement_index: f.statement_index,
                message: f.message,
            })
            .collect(),
        Err(err) => vec![Remaining {
            rule_id: "CD008".to_string(),
            severity: Severity::Medium,
            statement_index: 0,
            message: format!("the corrected policy does not parse: {err}"),
        }],
    }
}

struct Cx<'a> {
    resource: &'a ResourcePolicy,
    options: &'a AnalysisOptions,
    wiring: &'a Wiring,
    parsed: &'a policy::Policy,
}

struct Outcome {
    action: FixAction,
    reason: String,
    unscanned: Vec<String>,
    used_by: Vec<UsedBy>,
    statements: Vec<Value>,
}

impl Outcome {
    fn unchanged(reason: impl Into<String>) -> Outcome {
        Outcome {
            action: FixAction::Unchanged,
            reason: reason.into(),
            unscanned: Vec::new(),
            used_by: Vec::new(),
            statements: Vec::new(),
        }
    }
}

/// One condition entry as written: operator, key, values.
#[derive(Debug, Clone)]
struct Entry {
    operator: String,
    key: String,
    value: Value,
}

impl Entry {
    fn key_lower(&self) -> String {
        self.key.to_ascii_lowercase()
    }
    fn op(&self) -> Option<Operator> {
        Operator::parse(&self.operator)
    }
    fn values(&self) -> Option<Vec<String>> {
        string_values(&self.value)
    }
}

/// A string or a list of strings, as condition values and principal lists
/// are written; `None` for any other shape.
fn string_values(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// A statement's `Condition`, entry by entry, and what could not be read.
struct Conditions {
    entries: Vec<Entry>,
    malformed: bool,
}

fn get_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<(&'m String, &'m Value)> {
    map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
}

fn read_conditions(statement: &Map<String, Value>) -> Conditions {
    let mut c = Conditions {
        entries: Vec::new(),
        malformed: false,
    };
    match get_ci(statement, "Condition").map(|(_, v)| v) {
        None => {}
        Some(Value::Object(ops)) => {
            for (operator, block) in ops {
                match block {
                    Value::Object(keys) => {
                        c.entries.extend(keys.iter().map(|(key, value)| Entry {
                            operator: operator.clone(),
                            key: key.clone(),
                            value: value.clone(),
                        }))
                    }
                    _ => c.malformed = true,
                }
            }
        }
        Some(_) => c.malformed = true,
    }
    c
}

fn write_conditions(statement: &mut Map<String, Value>, entries: &[Entry]) {
    let key = get_ci(statement, "Condition")
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| "Condition".to_string());
    statement.remove(&key);
    if entries.is_empty() {
        return;
    }
    let mut ops: Map<String, Value> = Map::new();
    for e in entries {
        let block = ops
            .entry(e.operator.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = block {
            keys.insert(e.key.clone(), e.value.clone());
        }
    }
    statement.insert(key, Value::Object(ops));
}

/// One string, or a list of several.
fn values_json(mut values: Vec<String>) -> Value {
    values.sort();
    values.dedup();
    if values.len() == 1 {
        Value::String(values.remove(0))
    } else {
        Value::Array(values.into_iter().map(Value::String).collect())
    }
}

/// Adds `operator key values`; an entry with the same operator and key
/// (any case) is replaced, so no key appears twice in a block.
fn put(entries: &mut Vec<Entry>, operator: &str, key: &str, values: Vec<String>) {
    entries.retain(|e| !(e.operator == operator && e.key.eq_ignore_ascii_case(key)));
    entries.push(Entry {
        operator: operator.to_string(),
        key: key.to_string(),
        value: values_json(values),
    });
}

/// What an entry on a pin key amounts to once the statement is corrected.
enum Judgement {
    /// Pins (or restricts) as written: kept.
    Sound,
    /// A restriction that pins nothing but never widens (a negated entry, a
    /// `Null ... false`): kept.
    Restriction,
    /// Broken (weak, unpinned, malformed, not an ARN): removed and replaced.
    Broken,
}

/// Keys that pin the caller for the statement: the source keys, the caller
/// keys of public grants, and account-valued keys of the statement's services.
fn pin_key_kind(key_lower: &str, own_account_keys: &[String]) -> Option<KeyKind> {
    source_key_kind(key_lower)
        .or_else(|| {
            own_account_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key_lower))
                .then_some(KeyKind::Account)
        })
        .or_else(|| principal_key_kind(key_lower))
}

fn judge(e: &Entry, kind: KeyKind, owner: &str) -> Judgement {
    let (Some(op), Some(values)) = (e.op(), e.values()) else {
        return Judgement::Broken;
    };
    if values.is_empty() {
        return Judgement::Broken;
    }
    if op.base == BaseOperator::Null {
        return if values.iter().all(|v| v.eq_ignore_ascii_case("false")) {
            Judgement::Restriction
        } else {
            Judgement::Broken
        };
    }
    if op.base.is_negated() && op.base.is_string_or_arn() {
        return Judgement::Restriction;
    }
    if !op.base.is_string_or_arn() || op.if_exists || op.set == SetQualifier::ForAllValues {
        return Judgement::Broken;
    }
    for v in &values {
        // Whitespace or control characters (a value copied across a line
        // break) never match the value AWS sends.
        if (op.base.is_literal_string() && has_wildcard(v))
            || v.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Judgement::Broken;
        }
        match value_pin(kind, v, &e.key, owner) {
            ValuePin::Unpinned(_) | ValuePin::NotArn => return Judgement::Broken,
            ValuePin::Account(_) | ValuePin::Org(_) | ValuePin::AccountLess | ValuePin::Opaque => {}
        }
    }
    Judgement::Sound
}

/// CD007's repair: a literal operator (`StringEquals`) holding a wildcard
/// meant the pattern operator (`StringLike`); the entry moves there. Where
/// that operator already holds the key, the wildcard values are dropped
/// instead (two entries on one key are ANDed; merging them would widen).
fn repair_literal_wildcards(entries: &mut Vec<Entry>, relevant: impl Fn(&str) -> bool) -> bool {
    let mut repaired = false;
    let mut i = 0;
    while i < entries.len() {
        let e = &entries[i];
        let like = e
            .op()
            .filter(|op| op.base.is_literal_string())
            .and_then(|_| like_operator(&e.operator));
        let wild = e
            .values()
            .is_some_and(|vs| vs.iter().any(|v| has_wildcard(v)));
        if let (Some(like), true, true) = (like, wild, relevant(&e.key_lower())) {
            repaired = true;
            let taken = entries
                .iter()
                .any(|o| o.operator == like && o.key.eq_ignore_ascii_case(&entries[i].key));
            if taken {
                let keep: Vec<String> = entries[i]
                    .values()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|v| !has_wildcard(v))
                    .collect();
                if keep.is_empty() {
                    entries.remove(i);
                    continue;
                }
                entries[i].value = values_json(keep);
            } else {
                entries[i].operator = like;
            }
        }
        i += 1;
    }
    repaired
}

/// `StringEquals` → `StringLike`, keeping `ForAnyValue:` and `IfExists`.
fn like_operator(name: &str) -> Option<String> {
    let (prefix, rest) = match name.split_once(':') {
        Some((p, r)) => (format!("{p}:"), r),
        None => (String::new(), name),
    };
    let (base, suffix) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, "IfExists"),
        None => (rest, ""),
    };
    let like = match base {
        "StringEquals" | "StringEqualsIgnoreCase" => "StringLike",
        "StringNotEquals" | "StringNotEqualsIgnoreCase" => "StringNotLike",
        _ => return None,
    };
    Some(format!("{prefix}{like}{suffix}"))
}

/// Whether the sound `aws:SourceAccount` and `aws:SourceArn` entries still
/// name different accounts (a broken one may have been the culprit).
fn sound_pins_conflict(sound: &[Entry]) -> bool {
    let values = |key: &str| -> Vec<String> {
        sound
            .iter()
            .filter(|e| e.key_lower() == key)
            .flat_map(|e| e.values().unwrap_or_default())
            .collect()
    };
    let accounts = [values("aws:sourceaccount"), values("aws:sourceowner")].concat();
    let arn_accounts: Vec<String> = values("aws:sourcearn")
        .iter()
        .filter_map(|v| Arn::parse(v).map(|a| a.account.to_string()))
        .filter(|a| is_account_id(a))
        .collect();
    !accounts.is_empty()
        && !arn_accounts.is_empty()
        && !accounts.iter().any(|a| arn_accounts.contains(a))
}

/// Every account id a statement's pin entries name (sound or not): where its
/// sources may live.
fn named_accounts(entries: &[Entry], own_account_keys: &[String], owner: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for e in entries {
        let Some(kind) = pin_key_kind(&e.key_lower(), own_account_keys) else {
            continue;
        };
        for v in e.values().unwrap_or_default() {
            let v = resolve_vars(&v, owner);
            match kind {
                KeyKind::Account if is_account_id(&v) => {
                    out.insert(v.into_owned());
                }
                KeyKind::Arn => {
                    if let Some(arn) = Arn::parse(&v) {
                        if is_account_id(arn.account) {
                            out.insert(arn.account.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out.into_iter().collect()
}

/// Whether a use passes the statement's sound pins (so it really uses this
/// grant today). Organization pins cannot be checked here and pass.
fn admits(sound: &[Entry], u: &Usage, own_account_keys: &[String]) -> bool {
    sound.iter().all(|e| {
        let Some(kind) = pin_key_kind(&e.key_lower(), own_account_keys) else {
            return true;
        };
        let values = e.values().unwrap_or_default();
        let like = e.op().is_some_and(|op| {
            matches!(
                op.base,
                BaseOperator::StringLike | BaseOperator::ArnLike | BaseOperator::ArnEquals
            )
        });
        let ignore_case = e
            .op()
            .is_some_and(|op| op.base == BaseOperator::StringEqualsIgnoreCase);
        let matches = |pattern: &str, text: &str| {
            if like {
                glob_match(pattern, text, false)
                    // A use recorded as a pattern (API Gateway's `api-id/*`)
                    // overlaps a narrower pin on the same API.
                    || (has_wildcard(text)
                        && text
                            .split('*')
                            .next()
                            .is_some_and(|prefix| pattern.starts_with(prefix)))
            } else if ignore_case {
                pattern.eq_ignore_ascii_case(text)
            } else {
                pattern == text
            }
        };
        match kind {
            KeyKind::Account => values.iter().any(|v| matches(v, &u.source_account)),
            KeyKind::Arn => match &u.source_arn {
                Some(arn)
                    if e.key_lower().starts_with("aws:source")
                        || knowledge().is_protective_key(&e.key_lower()) =>
                {
                    values.iter().any(|v| matches(v, arn))
                }
                _ => true,
            },
            KeyKind::OrgId | KeyKind::OrgPaths | KeyKind::Network => true,
        }
    })
}

/// Whether the kinds read show every use of `principal` on this resource type
/// (`Ok`), or why not.
fn coverage(wiring: &Wiring, principal: &str, target: ResourceType) -> Result<Vec<String>, String> {
    let kinds: Vec<_> = wiring
        .kinds
        .iter()
        .filter(|k| {
            k.feeds
                .iter()
                .any(|f| f.target == target && same_principal(&f.principal, principal))
        })
        .collect();
    if wiring.kinds.is_empty() {
        return Err("the account's wiring was not read".to_string());
    }
    if kinds.is_empty() {
        return Err(format!(
            "no source kind deputy-audit reads shows what makes {principal} use this {target}"
        ));
    }
    let mut read = Vec::new();
    for k in kinds {
        match &k.status {
            KindStatus::Read => read.push(k.kind.clone()),
            KindStatus::Skipped => {
                return Err(format!("{} was not read (left out with --sources)", k.kind))
            }
            KindStatus::NotNeeded => return Err(format!("{} was not read", k.kind)),
            KindStatus::Failed(reasons) => {
                return Err(format!(
                    "{} could not be read completely ({})",
                    k.kind,
                    reasons.join("; ")
                ))
            }
        }
    }
    Ok(read)
}

fn correct_statement(cx: &Cx<'_>, st: &Statement, value: &Value, fs: &[&Finding]) -> Outcome {
    let Value::Object(statement) = value else {
        return Outcome::unchanged("The statement is not an object.");
    };
    if st.not_principal.is_some() && st.effect == Effect::Allow {
        return Outcome::unchanged(
            "Allow with NotPrincipal (CD010) grants everyone not listed: replace it with a Principal naming who needs access, or make it a Deny. deputy-audit cannot tell who that is.",
        );
    }
    let conditions = read_conditions(statement);
    let facts = statement_facts(cx.resource, cx.options, cx.parsed, st);
    let services: Vec<&ServiceEntry> = facts
        .exposed
        .iter()
        .chain(&facts.passed_role)
        .chain(&facts.guarded)
        .filter_map(|s| s.entry)
        .collect();
    let own_account_keys: Vec<String> = services
        .iter()
        .flat_map(|e| e.protective_account_keys.iter().cloned())
        .collect();
    let mut entries = conditions.entries;
    let relevant = |k: &str| pin_key_kind(k, &own_account_keys).is_some();
    if st.effect == Effect::Deny {
        let mut statement = statement.clone();
        if !repair_literal_wildcards(&mut entries, relevant) {
            return Outcome::unchanged("Nothing to repair automatically in this Deny statement.");
        }
        write_conditions(&mut statement, &entries);
        return Outcome {
            action: FixAction::Repaired,
            reason: "The equality operator held a wildcard, which it compares literally (CD007): the entry now uses the matching Like operator, as its pattern intends. This narrows the Deny: today it applies to every caller whose value is not the literal text; after the change, only to callers outside the pattern. Check that this is what the statement meant.".to_string(),
            unscanned: Vec::new(),
            used_by: Vec::new(),
            statements: vec![Value::Object(statement)],
        };
    }
    repair_literal_wildcards(&mut entries, relevant);
    // Broken pins go; sound pins and harmless restrictions stay.
    let owner = cx.resource.account_id.as_str();
    let mut sound = Vec::new();
    let mut kept = Vec::new();
    // Entries that restrict which sources pass today, broken or not (an
    // IfExists pin still refuses another source that sends the key): a use
    // they refuse is not a use of this grant, so the correction never lets
    // it in.
    let filters: Vec<Entry> = entries
        .iter()
        .filter(|e| pin_key_kind(&e.key_lower(), &own_account_keys).is_some())
        .filter(|e| {
            e.op().is_some_and(|op| {
                op.base.is_string_or_arn() && !op.base.is_negated() && op.base != BaseOperator::Null
            }) && e.values().is_some_and(|v| !v.is_empty())
        })
        .cloned()
        .collect();
    for e in entries {
        match pin_key_kind(&e.key_lower(), &own_account_keys) {
            None => kept.push(e),
            Some(kind) => match judge(&e, kind, owner) {
                Judgement::Sound => sound.push(e),
                Judgement::Restriction => kept.push(e),
                Judgement::Broken => {}
            },
        }
    }
    // CD006: aws:SourceAccount and aws:SourceArn disagree, so the statement
    // never matches: it grants nothing today. Removing it changes no access;
    // keeping either half would grant something it never granted.
    if facts.conflict.is_some() && sound_pins_conflict(&sound) {
        return Outcome {
            action: FixAction::Removed,
            reason: "Its aws:SourceAccount and aws:SourceArn name different accounts (CD006), so it never matches and grants nothing: removing it changes no access. If it was meant for a source, grant that source again, pinned to it.".to_string(),
            unscanned: Vec::new(),
            used_by: Vec::new(),
            statements: Vec::new(),
        };
    }
    let mut named = named_accounts(
        &read_conditions(statement).entries,
        &own_account_keys,
        owner,
    );
    // Accounts a Deny guard or a caller key (kms:CallerAccount) pins count too.
    named.extend(
        facts
            .pinned_accounts
            .iter()
            .chain(&facts.principal_accounts)
            .filter(|a| is_account_id(a))
            .cloned(),
    );
    named.sort();
    named.dedup();
    let mut unscanned: Vec<String> = named
        .iter()
        .filter(|a| !cx.wiring.accounts.contains(a) && **a != cx.resource.account_id)
        .cloned()
        .collect();
    // Organizations other than the ones given with --org-id: not ours either.
    if !cx.options.org_ids.is_empty() {
        unscanned.extend(
            facts
                .pinned_orgs
                .iter()
                .chain(&facts.principal_orgs)
                .filter(|o| !cx.options.org_ids.contains(o) && o.starts_with("o-"))
                .cloned(),
        );
    }
    if only_rule(fs, "CD004") {
        let mut outcome = Outcome::unchanged(
            "The statement pins an account or organization that is neither the owner nor trusted (CD004): that is a question of trust, not of a broken condition. If it is yours or a partner's, pass --trusted-account (or --org-id) and it is no longer reported; otherwise remove the statement.",
        );
        outcome.unscanned = unscanned;
        return outcome;
    }
    let base = Base {
        cx,
        statement,
        kept,
        sound,
        filters,
        own_account_keys,
        unscanned,
        named,
        malformed: conditions.malformed,
    };
    if facts.public && !facts.public_services_only {
        let services_named: Vec<String> = st
            .principal
            .as_ref()
            .map(|p| p.services().map(str::to_string).collect())
            .unwrap_or_default();
        return base.public_grant(&services_named, &services);
    }
    let principals: Vec<String> = if facts.public_services_only {
        vec!["*".to_string()]
    } else {
        st.principal
            .as_ref()
            .map(|p| p.services().map(str::to_string).collect())
            .unwrap_or_default()
    };
    if principals.is_empty() {
        return Outcome::unchanged("The statement names no service principal to pin.");
    }
    base.service_grant(&principals, &services)
}

/// A flagged Allow statement, its conditions sorted out.
struct Base<'a> {
    cx: &'a Cx<'a>,
    statement: &'a Map<String, Value>,
    /// Entries that are not pins, and restrictions that never widen.
    kept: Vec<Entry>,
    /// Pins that hold as written.
    sound: Vec<Entry>,
    /// Every entry that decides which sources pass today (see `correct_statement`).
    filters: Vec<Entry>,
    own_account_keys: Vec<String>,
    /// Accounts the statement names that were not scanned.
    unscanned: Vec<String>,
    /// Accounts the statement names.
    named: Vec<String>,
    /// The Condition block had a part that is not an operator block (CD008):
    /// it is dropped.
    malformed: bool,
}

/// How a group of uses is pinned.
struct Pins {
    /// (operator, key, values)
    entries: Vec<(&'static str, String, Vec<String>)>,
}

impl Base<'_> {
    fn resource(&self) -> &ResourcePolicy {
        self.cx.resource
    }

    fn scope_text(&self) -> String {
        let w = self.cx.wiring;
        let mut text = format!(
            "account{} {} and region{} {}",
            if w.accounts.len() == 1 { "" } else { "s" },
            w.accounts.join(", "),
            if w.regions.len() == 1 { "" } else { "s" },
            w.regions.join(", ")
        );
        if !w.all_regions {
            text.push_str(
                " (other regions were not read: a source there would lose access; --all-regions reads them all)",
            );
        }
        text
    }

    /// The uses of this resource by `principal` that pass the statement's pins.
    fn uses(&self, principal: &str) -> Vec<&Usage> {
        self.cx
            .wiring
            .usages_of(&self.resource().arn)
            .filter(|u| principal == "*" || same_principal(&u.service_principal, principal))
            .filter(|u| admits(&self.filters, u, &self.own_account_keys))
            .collect()
    }

    /// Keys a statement pins `services` with on this resource: the key-policy
    /// keys AWS documents for the service (CloudWatch Logs on a KMS key), or
    /// the standard source keys. `None` when the statement mixes services
    /// that need different keys.
    fn key_policy_key(&self, services: &[&ServiceEntry]) -> Result<Option<String>, String> {
        if self.resource().resource_type != ResourceType::KmsKey {
            return Ok(None);
        }
        let keys: BTreeSet<Option<&String>> =
            services.iter().map(|e| e.key_policy_keys.first()).collect();
        match keys.len() {
            0 => Ok(None),
            1 => Ok(keys.into_iter().next().flatten().cloned()),
            _ => Err("The statement mixes services that AWS pins with different keys in a key policy: split it, one service per statement.".to_string()),
        }
    }

    /// A trust policy may require the source keys only where AWS documents
    /// that every service sends them (otherwise the role stops working).
    fn keys_blocked(&self, principals: &[String], services: &[&ServiceEntry]) -> Option<String> {
        if !self.resource().resource_type.is_trust_policy() {
            return None;
        }
        let not_documented: Vec<&str> = principals
            .iter()
            .filter(|p| {
                !services.iter().any(|e| {
                    same_principal(&format!("{}.amazonaws.com", e.name), p)
                        && e.sends_source_keys_to_sts()
                })
            })
            .map(String::as_str)
            .collect();
        (!not_documented.is_empty()).then(|| {
            format!(
                "No AWS page says that {} sends aws:SourceArn/aws:SourceAccount when it assumes a role (or AWS says it does not), so requiring them could stop the role from working: restrict who may pass the role (iam:PassRole with iam:PassedToService) instead.",
                not_documented.join(", ")
            )
        })
    }

    fn service_grant(&self, principals: &[String], services: &[&ServiceEntry]) -> Outcome {
        let target = self.resource().resource_type;
        let mut used: Vec<(&String, Vec<&Usage>)> = Vec::new();
        let mut unused: Vec<&String> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut kinds_read: BTreeSet<String> = BTreeSet::new();
        for p in principals {
            let uses = self.uses(p);
            let cover = if p == "*" {
                Err("any AWS service may use this grant (Bool aws:PrincipalIsAWSService), and deputy-audit reads only some services' wiring".to_string())
            } else {
                coverage(self.cx.wiring, p, target)
            };
            match cover {
                Ok(kinds) => {
                    kinds_read.extend(kinds);
                    if uses.is_empty() {
                        unused.push(p);
                    } else {
                        used.push((p, uses));
                    }
                }
                Err(why) => {
                    unknown.push(why);
                    if !uses.is_empty() {
                        used.push((p, uses));
                    }
                }
            }
        }
        let used_by: Vec<UsedBy> = used
            .iter()
            .flat_map(|(_, uses)| uses.iter())
            .map(|u| self.used_by(u))
            .collect();
        let kinds_text = kinds_read.into_iter().collect::<Vec<_>>().join(", ");
        if used.is_empty() && unknown.is_empty() && self.unscanned.is_empty() {
            // Other principals of the statement (an `AWS` role beside the
            // service) keep their grant unchanged.
            let others = self.other_principals();
            let mut reason = format!(
                "Unused grant: no source in the scanned {} uses it ({} read). Removing it closes the exposure and breaks nothing deputy-audit can see.",
                self.scope_text(),
                kinds_text
            );
            if others.is_some() {
                reason.push_str(" Only the service principals go: the statement's other principals keep it unchanged.");
            }
            return Outcome {
                action: FixAction::Removed,
                reason,
                unscanned: Vec::new(),
                used_by,
                statements: others.map(Value::Object).into_iter().collect(),
            };
        }
        if let Some(blocked) = self.keys_blocked(principals, services) {
            let mut outcome = Outcome::unchanged(blocked);
            outcome.used_by = used_by;
            return outcome;
        }
        let key_policy_key = match self.key_policy_key(services) {
            Ok(k) => k,
            Err(why) => return Outcome::unchanged(why),
        };
        if unknown.is_empty() && self.unscanned.is_empty() {
            return self.pin_to_sources(
                &used,
                &unused,
                key_policy_key.as_deref(),
                used_by,
                &kinds_text,
            );
        }
        let mut why = unknown;
        if !self.unscanned.is_empty() {
            why.push(format!(
                "its sources may live in account {}, which was not scanned",
                self.unscanned.join(", ")
            ));
        }
        self.pin_to_account(&why, key_policy_key.as_deref(), used_by)
    }

    /// `wanted`, or `wanted-2`, `wanted-3`... : a Sid no statement of the
    /// policy has (IAM and Lambda refuse two statements with one Sid).
    fn unique_sid(&self, wanted: &str) -> String {
        let taken: BTreeSet<&str> = self
            .cx
            .parsed
            .statements
            .iter()
            .filter_map(|s| s.sid.as_deref())
            .collect();
        let mut candidate = wanted.to_string();
        let mut n = 2;
        while taken.contains(candidate.as_str()) {
            candidate = format!("{wanted}-{n}");
            n += 1;
        }
        candidate
    }

    /// Gives a statement derived from this one a Sid of its own (under the
    /// key spelling the statement uses), when this one has a Sid.
    fn derived_sid(&self, statement: &mut Map<String, Value>, suffix: &str) {
        let Some((key, Value::String(sid))) =
            get_ci(self.statement, "Sid").map(|(k, v)| (k.clone(), v.clone()))
        else {
            return;
        };
        if sid.is_empty() {
            return;
        }
        statement.insert(
            key,
            Value::String(self.unique_sid(&format!("{sid}{suffix}"))),
        );
    }

    fn used_by(&self, u: &Usage) -> UsedBy {
        UsedBy {
            statement_index: 0,
            service_principal: u.service_principal.clone(),
            source_arn: u.source_arn.clone(),
            source_account: u.source_account.clone(),
            kind: u.kind.clone(),
        }
    }

    /// The statement with `entries` as its condition and `principal_services`
    /// as its services (other principal kinds dropped: the caller splits them off).
    fn rebuild(&self, entries: &[Entry], services: Option<&[&String]>) -> Map<String, Value> {
        let mut statement = self.statement.clone();
        if let Some(services) = services {
            let key = get_ci(&statement, "Principal")
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| "Principal".to_string());
            let list: Vec<String> = services.iter().map(|s| s.to_string()).collect();
            statement.insert(
                key,
                Value::Object(Map::from_iter([("Service".to_string(), values_json(list))])),
            );
        }
        write_conditions(&mut statement, entries);
        statement
    }

    /// Principal kinds other than `Service` (an `AWS` account beside the
    /// service): pinning the source would lock them out, so they keep their
    /// own copy of the statement, unchanged.
    fn other_principals(&self) -> Option<Map<String, Value>> {
        let (key, principal) = get_ci(self.statement, "Principal")?;
        let Value::Object(kinds) = principal else {
            return None;
        };
        let others: Map<String, Value> = kinds
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("Service"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if others.is_empty() {
            return None;
        }
        let mut copy = self.statement.clone();
        copy.insert(key.clone(), Value::Object(others));
        Some(copy)
    }

    fn pins_for(&self, uses: &[&Usage], key_policy_key: Option<&str>) -> Pins {
        let arns: Vec<String> = uses.iter().filter_map(|u| u.source_arn.clone()).collect();
        let accounts: Vec<String> = uses.iter().map(|u| u.source_account.clone()).collect();
        let mut entries = Vec::new();
        match key_policy_key {
            Some(key) if arns.len() == uses.len() => {
                entries.push(("ArnLike", key.to_string(), arns));
            }
            _ => {
                if !arns.is_empty() && arns.len() == uses.len() {
                    entries.push(("ArnLike", "aws:SourceArn".to_string(), arns));
                }
                entries.push(("StringEquals", "aws:SourceAccount".to_string(), accounts));
            }
        }
        Pins { entries }
    }

    /// Adds `pins` to `entries`: a sound entry already on the same key under
    /// the same operator is narrowed to the exact values (they pass it, so
    /// nothing it allowed is lost); on another operator both stay (ANDed).
    fn apply_pins(&self, pins: &Pins) -> Vec<Entry> {
        let mut entries = self.kept.clone();
        let mut sound = self.sound.clone();
        for (operator, key, values) in &pins.entries {
            let exact = values.iter().all(|v| !has_wildcard(v));
            let same = sound
                .iter()
                .any(|e| e.operator == *operator && e.key.eq_ignore_ascii_case(key));
            if same && !exact {
                continue;
            }
            sound.retain(|e| !(e.operator == *operator && e.key.eq_ignore_ascii_case(key)));
            // aws:SourceOwner is the older spelling of aws:SourceAccount.
            if key == "aws:SourceAccount" && exact {
                sound.retain(|e| {
                    !(e.operator == *operator && e.key.eq_ignore_ascii_case("aws:SourceOwner"))
                });
            }
            put(&mut sound, operator, key, values.clone());
        }
        entries.extend(sound);
        entries
    }

    fn pin_to_sources(
        &self,
        used: &[(&String, Vec<&Usage>)],
        unused: &[&String],
        key_policy_key: Option<&str>,
        used_by: Vec<UsedBy>,
        kinds_text: &str,
    ) -> Outcome {
        let services: Vec<&String> = used.iter().map(|(p, _)| *p).collect();
        let uses: Vec<&Usage> = used.iter().flat_map(|(_, u)| u.iter().copied()).collect();
        let mut statements = Vec::new();
        if let Some(others) = self.other_principals() {
            statements.push(Value::Object(others));
        }
        let split_lambda = self.resource().resource_type == ResourceType::LambdaFunction
            && uses
                .iter()
                .filter_map(|u| u.source_arn.as_ref())
                .collect::<BTreeSet<_>>()
                .len()
                > 1;
        if split_lambda {
            // Lambda's AddPermission takes one source ARN per statement.
            let mut by_arn: BTreeMap<&str, Vec<&Usage>> = BTreeMap::new();
            for u in &uses {
                by_arn
                    .entry(u.source_arn.as_deref().unwrap_or(""))
                    .or_default()
                    .push(u);
            }
            let sid = get_ci(self.statement, "Sid")
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("deputy-audit");
            for (n, group) in by_arn.values().enumerate() {
                let group_services: Vec<&String> = services
                    .iter()
                    .copied()
                    .filter(|p| {
                        group
                            .iter()
                            .any(|u| same_principal(&u.service_principal, p))
                    })
                    .collect();
                let mut st = self.rebuild(
                    &self.apply_pins(&self.pins_for(group, key_policy_key)),
                    Some(&group_services),
                );
                if n > 0 {
                    let key = get_ci(&st, "Sid")
                        .map(|(k, _)| k.clone())
                        .unwrap_or_else(|| "Sid".to_string());
                    st.insert(
                        key,
                        Value::String(self.unique_sid(&format!("{sid}-{}", n + 1))),
                    );
                }
                statements.push(Value::Object(st));
            }
        } else {
            let entries = self.apply_pins(&self.pins_for(&uses, key_policy_key));
            let split = self.other_principals().is_some();
            let rewrite_principal = !unused.is_empty() || split;
            let mut st = self.rebuild(&entries, rewrite_principal.then_some(&services[..]));
            if split {
                self.derived_sid(&mut st, "Services");
            }
            statements.push(Value::Object(st));
        }
        let mut reason = format!(
            "Pinned to the {} source{} the account's wiring shows ({}); every other restriction kept.",
            uses.len(),
            if uses.len() == 1 { "" } else { "s" },
            kinds_text
        );
        if !self.cx.wiring.all_regions {
            reason.push_str(&format!(
                " Read in {}: a source in a region that was not scanned would lose access (--all-regions reads them all).",
                self.cx.wiring.regions.join(", ")
            ));
        }
        if !unused.is_empty() {
            reason.push_str(&format!(
                " {} is not used by any source in the scanned {}, so it is removed from the statement.",
                unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                self.scope_text()
            ));
        }
        if self.malformed {
            reason.push_str(
                " A part of the Condition block that is not an operator block was dropped (CD008).",
            );
        }
        Outcome {
            action: FixAction::PinnedToSources,
            reason,
            unscanned: Vec::new(),
            used_by,
            statements,
        }
    }

    fn pin_to_account(
        &self,
        why: &[String],
        key_policy_key: Option<&str>,
        used_by: Vec<UsedBy>,
    ) -> Outcome {
        let mut accounts: BTreeSet<String> = self.named.iter().cloned().collect();
        accounts.extend(used_by.iter().map(|u| u.source_account.clone()));
        if accounts.is_empty() {
            accounts.insert(self.resource().account_id.clone());
        }
        let accounts: Vec<String> = accounts.into_iter().filter(|a| is_account_id(a)).collect();
        if accounts.is_empty() {
            return Outcome::unchanged(
                "The owner's account is not known, so there is no account to pin.",
            );
        }
        let mut entries = self.kept.clone();
        entries.extend(self.sound.iter().cloned());
        // Already pinned once the broken entries are gone: nothing to add.
        let pinned = self.pinned_as(&entries);
        let partition = Arn::parse(&self.resource().arn)
            .map(|a| a.partition.to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "aws".to_string());
        if !pinned {
            match key_policy_key {
                Some(key) => {
                    // The service's documented source ARN pattern, any region.
                    let entry = knowledge()
                        .services()
                        .iter()
                        .find(|e| e.key_policy_keys.iter().any(|k| k == key));
                    let patterns: Vec<String> = accounts
                        .iter()
                        .filter_map(|a| entry.and_then(|e| e.source_arn_for(&partition, "*", a)))
                        .collect();
                    if patterns.is_empty() {
                        return Outcome::unchanged(format!(
                            "AWS documents {key} for this service in key policies, but no source ARN pattern to pin it with: pin it to the log groups that use the key."
                        ));
                    }
                    put(&mut entries, "ArnLike", key, patterns);
                }
                None => put(
                    &mut entries,
                    "StringEquals",
                    "aws:SourceAccount",
                    accounts.clone(),
                ),
            }
        }
        let mut statements = Vec::new();
        if let Some(others) = self.other_principals() {
            statements.push(Value::Object(others));
            let services: Vec<String> = get_ci(self.statement, "Principal")
                .and_then(|(_, p)| p.as_object())
                .and_then(|m| get_ci(m, "Service"))
                .and_then(|(_, v)| string_values(v))
                .unwrap_or_default();
            let refs: Vec<&String> = services.iter().collect();
            let mut st = self.rebuild(&entries, Some(&refs));
            self.derived_sid(&mut st, "Services");
            statements.push(Value::Object(st));
        } else {
            statements.push(Value::Object(self.rebuild(&entries, None)));
        }
        let key_text = key_policy_key.unwrap_or("aws:SourceAccount");
        let mut reason = format!(
            "Pinned to account {} with {key_text}, not to exact sources, because {}.",
            accounts.join(", "),
            why.join("; ")
        );
        if pinned {
            reason = format!(
                "The broken condition entries were removed; the remaining ones already pin the caller. Exact sources are not known because {}.",
                why.join("; ")
            );
        }
        if !self.unscanned.is_empty() {
            reason.push_str(&format!(
                " If account {} is not yours, remove the statement instead.",
                self.unscanned.join(", ")
            ));
        }
        Outcome {
            action: FixAction::PinnedToAccount,
            reason,
            unscanned: self.unscanned.clone(),
            used_by,
            statements,
        }
    }

    /// Whether a statement with `entries` is pinned (judged by the analysis
    /// itself, so the two never disagree).
    fn pinned_as(&self, entries: &[Entry]) -> bool {
        let statement = self.rebuild(entries, None);
        let document = serde_json::json!({ "Statement": [Value::Object(statement)] });
        let Ok(parsed) = policy::from_value(&document) else {
            return false;
        };
        parsed.statements.first().is_some_and(|st| {
            let f = statement_facts(self.cx.resource, self.cx.options, &parsed, st);
            f.strongly_pinned && f.accountless_arn.is_empty() && !f.dead && f.unpinned.is_empty()
        })
    }

    /// CD009: a public grant. IAM callers are pinned to the owner's account
    /// (or organization); services the wiring shows using it keep access
    /// through a statement of their own, pinned to their sources.
    fn public_grant(&self, named_services: &[String], services: &[&ServiceEntry]) -> Outcome {
        let owner = &self.resource().account_id;
        let (key, value) = match self.cx.options.org_ids.first() {
            Some(org) => ("aws:PrincipalOrgID", org.clone()),
            None => ("aws:PrincipalAccount", owner.clone()),
        };
        if !is_account_id(owner) && self.cx.options.org_ids.is_empty() {
            return Outcome::unchanged(
                "The owner's account is not known, so there is no account to pin.",
            );
        }
        let mut entries = self.kept.clone();
        entries.extend(self.sound.iter().cloned());
        put(&mut entries, "StringEquals", key, vec![value.clone()]);
        if !named_services.is_empty() {
            // `{"AWS": "*", "Service": "sns.amazonaws.com"}`: the public half is
            // pinned to the owner's callers, the service half as any service grant.
            let mut public = self
                .other_principals()
                .unwrap_or_else(|| self.statement.clone());
            write_conditions(&mut public, &entries);
            let mut outcome = self.service_grant(named_services, services);
            // The service outcome starts with an unchanged copy for the other
            // principals (the public one here): the pinned one replaces it.
            let had_copy =
                outcome.action != FixAction::Unchanged && self.other_principals().is_some();
            if had_copy && !outcome.statements.is_empty() {
                outcome.statements.remove(0);
            }
            if outcome.action == FixAction::Unchanged {
                return outcome;
            }
            outcome.statements.insert(0, Value::Object(public));
            outcome.reason = format!(
                "The public principal is pinned to {value} with {key}; the service principals of the statement: {}",
                outcome.reason
            );
            if outcome.action == FixAction::Removed {
                outcome.action = FixAction::PinnedToAccount;
            }
            return outcome;
        }
        let mut statements = vec![Value::Object(self.rebuild(&entries, None))];
        let uses = self.uses("*");
        let used_by: Vec<UsedBy> = uses.iter().map(|u| self.used_by(u)).collect();
        let mut reason = format!(
            "The public grant is pinned to {} with {key}: IAM callers of other accounts lose access.",
            value
        );
        if !uses.is_empty() {
            let mut services: Vec<String> =
                uses.iter().map(|u| u.service_principal.clone()).collect();
            services.sort();
            services.dedup();
            let refs: Vec<&String> = services.iter().collect();
            let mut st = self.rebuild(&self.apply_pins(&self.pins_for(&uses, None)), Some(&refs));
            self.derived_sid(&mut st, "Services");
            statements.push(Value::Object(st));
            reason.push_str(&format!(
                " The services the wiring shows using it ({}) keep access through a statement of their own, pinned to their sources.",
                services.join(", ")
            ));
        } else {
            reason.push_str(" No service in the scanned accounts' wiring uses it; a service no source kind reads would lose access too.");
        }
        Outcome {
            action: FixAction::PinnedToAccount,
            reason,
            unscanned: Vec::new(),
            used_by,
            statements,
        }
    }
}
