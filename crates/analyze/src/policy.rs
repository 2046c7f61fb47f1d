//! The policy grammar: the one place where JSON text becomes typed statements.
//!
//! The parser is tolerant where AWS is tolerant and strict where it must be:
//!
//! * element names (`Statement`, `Effect`, `Principal`, `Condition`, ...) and
//!   principal kinds (`AWS`, `Service`, ...) are matched case-insensitively;
//! * `Statement` may be one object or a list of objects; a document with no
//!   `Statement` but an `Effect` is read as a bare statement (documentation
//!   snippets are often written that way);
//! * condition *key* names are case-insensitive (stored lower-cased), condition
//!   *operator* names are matched exactly, so `" ArnEquals"` is an unknown
//!   operator, kept as such so the rules can report it;
//! * a malformed `Condition` block does not fail the document: it is recorded in
//!   [`Statement::condition_problems`] because AWS would not enforce it, which is
//!   exactly what a rule must report;
//! * a key that occurs twice in one object (`"Effect"` twice, `Statement` and
//!   `statement`, a condition key twice) makes the document ambiguous: which
//!   copy AWS keeps is not something a verdict may depend on. Both readings are
//!   built (every first copy, every last copy): [`Policy::other_reading`] holds
//!   the second, and each statement names the duplicates in
//!   [`Statement::ambiguities`], so the analysis judges both and CD008 reports
//!   the ambiguity;
//! * nothing here indexes or unwraps input-derived data: any input yields a value
//!   or a [`PolicyError`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::PolicyError;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub statements: Vec<Statement>,
    /// When the text has duplicate keys: the document as read keeping the
    /// first copy of each (`statements` keeps the last, as JSON parsers
    /// usually do). `None` when the two readings are the same.
    pub other_reading: Option<Box<Policy>>,
}

/// `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The kinds of principal in a `Principal` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    fn from_name(name: &str) -> Option<Self> {
        let kinds = [
            ("aws", PrincipalKind::Aws),
            ("service", PrincipalKind::Service),
            ("federated", PrincipalKind::Federated),
            ("canonicaluser", PrincipalKind::CanonicalUser),
        ];
        kinds
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| k)
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// A map of kind to values, in document order.
    Map(Vec<(PrincipalKind, String)>),
}

impl Principals {
    /// True for `"*"` and for `{"AWS": "*"}` (in any list position).
    pub fn is_public(&self) -> bool {
        match self {
            Principals::Any => true,
            Principals::Map(entries) => entries
                .iter()
                .any(|(k, v)| *k == PrincipalKind::Aws && v == "*"),
        }
    }

    /// The service principals, as written.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        let entries: &[(PrincipalKind, String)] = match self {
            Principals::Any => &[],
            Principals::Map(entries) => entries,
        };
        entries
            .iter()
            .filter(|(k, _)| *k == PrincipalKind::Service)
            .map(|(_, v)| v.as_str())
    }

    /// Every principal as a report lists it: `*` for public, values as written.
    pub fn display_list(&self) -> Vec<String> {
        match self {
            Principals::Any => vec!["*".to_string()],
            Principals::Map(entries) => entries.iter().map(|(_, v)| v.clone()).collect(),
        }
    }
}

/// A condition operator, decomposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub base: BaseOperator,
    /// The `...IfExists` suffix.
    pub if_exists: bool,
    pub set: SetQualifier,
}

/// `ForAllValues:` / `ForAnyValue:` prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    None,
    ForAllValues,
    ForAnyValue,
}

/// The condition operators of the IAM policy grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASE_OPERATORS: [(&str, BaseOperator); 27] = [
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        BaseOperator::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        BaseOperator::NumericGreaterThanEquals,
    ),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

impl BaseOperator {
    /// Negated operators (`StringNotEquals`, `ArnNotLike`, ...): true when the
    /// value differs, and also when the key is absent.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOperator::StringNotEquals
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringNotLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
                | BaseOperator::NumericNotEquals
                | BaseOperator::DateNotEquals
                | BaseOperator::NotIpAddress
        )
    }

    /// String and ARN operators: the ones that can compare a source key at all.
    pub fn is_string_or_arn(self) -> bool {
        matches!(
            self,
            BaseOperator::StringEquals
                | BaseOperator::StringNotEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }

    /// Operators for which `*` and `?` are wildcards. `ArnEquals` behaves like
    /// `ArnLike` here (AWS documents both as accepting wildcards).
    pub fn has_wildcards(self) -> bool {
        matches!(
            self,
            BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }

    /// String operators that compare literally (`*` is just a character).
    pub fn is_literal_string(self) -> bool {
        matches!(
            self,
            BaseOperator::StringEquals
                | BaseOperator::StringNotEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringNotEqualsIgnoreCase
        )
    }
}

impl Operator {
    /// Parses an operator name exactly as AWS spells it: no trimming, no case folding.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, r)
        } else {
            (SetQualifier::None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let base = BASE_OPERATORS
            .iter()
            .find(|(n, _)| *n == base_name)
            .map(|(_, b)| *b)?;
        // AWS: "You can add IfExists to the end of any condition operator name
        // except the Null condition."
        if if_exists && base == BaseOperator::Null {
            return None;
        }
        Some(Operator {
            base,
            if_exists,
            set,
        })
    }
}

/// One `operator → key → values` entry of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionEntry {
    /// The operator exactly as written.
    pub operator_name: String,
    /// `None` when the operator is not one AWS knows.
    pub operator: Option<Operator>,
    /// The key, lower-cased (condition keys are case-insensitive).
    pub key: String,
    /// The key as written, for messages.
    pub key_as_written: String,
    /// Values as strings (numbers and booleans in their JSON text form).
    /// Empty when the value was not a string, number, bool or a list of those;
    /// then `values_valid` is false.
    pub values: Vec<String>,
    pub values_valid: bool,
}

/// A `Condition` problem that makes part of the block ineffective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProblem {
    pub detail: String,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Zero-based position in `Statement` (0 for a single object).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub not_principal: Option<Principals>,
    pub action: Option<Vec<String>>,
    pub not_action: Option<Vec<String>>,
    pub resource: Option<Vec<String>>,
    pub not_resource: Option<Vec<String>>,
    pub conditions: Vec<ConditionEntry>,
    /// Malformed parts of `Condition` (not an object, an operator whose value is
    /// not an object, a value of the wrong type). AWS does not enforce them.
    pub condition_problems: Vec<ConditionProblem>,
    /// Duplicate keys that make this statement ambiguous (in it, or in the
    /// document around it), one description each: `"Effect" appears twice in
    /// Statement[0]`.
    pub ambiguities: Vec<String>,
}

impl Statement {
    /// Condition entries whose key equals `key` (lower-case).
    pub fn entries_for<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a ConditionEntry> {
        self.conditions.iter().filter(move |c| c.key == key)
    }

    /// The actions as a report lists them (`NotAction` entries prefixed `NotAction:`).
    pub fn display_actions(&self) -> Vec<String> {
        if let Some(a) = &self.action {
            a.clone()
        } else if let Some(na) = &self.not_action {
            na.iter().map(|a| format!("NotAction:{a}")).collect()
        } else {
            Vec::new()
        }
    }

    /// `Resource` as written, or `NotResource:` entries; empty when neither
    /// (trust policies).
    pub fn display_resources(&self) -> Vec<String> {
        if let Some(r) = &self.resource {
            r.clone()
        } else if let Some(nr) = &self.not_resource {
            nr.iter().map(|r| format!("NotResource:{r}")).collect()
        } else {
            Vec::new()
        }
    }
}

/// Parses policy text.
/// The largest document [`parse`] accepts. AWS's own limits are far lower (the
/// largest resource policies, KMS key policies, stop at 32 KB; bucket, queue and
/// function policies at 20 KB), so anything over this is not a real policy.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

pub fn parse(text: &str) -> Result<Policy, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge {
            bytes: text.len(),
            limit: MAX_POLICY_BYTES,
        });
    }
    let duplicates = RefCell::new(Vec::new());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let readings = ReadingsSeed {
        duplicates: &duplicates,
        place: Place::Root,
        case_sensitive_keys: false,
    }
    .deserialize(&mut deserializer)
    .and_then(|readings| deserializer.end().map(|()| readings))
    .map_err(|e| {
        // serde_json's text ends with " at line L column C"; the position has
        // its own fields, so keep only the description.
        let full = e.to_string();
        let message = match full.rsplit_once(" at line ") {
            Some((m, _)) if e.line() > 0 => m.to_string(),
            _ => full,
        };
        PolicyError::InvalidJson {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let duplicates = duplicates.into_inner();
    let mut last = from_value(&readings.last)?;
    if duplicates.is_empty() {
        return Ok(last);
    }
    // Either reading failing fails the document, whichever order the keys
    // came in: a verdict must not depend on it.
    let mut first = match &readings.first {
        Some(value) => Some(from_value(value)?),
        None => None,
    };
    if first.as_ref() == Some(&last) {
        first = None;
    }
    for reading in std::iter::once(&mut last).chain(first.as_mut()) {
        for st in &mut reading.statements {
            st.ambiguities = duplicates
                .iter()
                .filter(|d| d.statement.is_none_or(|i| i == st.index))
                .map(|d| d.description.clone())
                .collect();
        }
    }
    last.other_reading = first.map(Box::new);
    Ok(last)
}

/// A key found twice in one JSON object.
struct Duplicate {
    /// The statement it makes ambiguous; `None` for the document itself
    /// (`Statement` twice), which makes every statement ambiguous.
    statement: Option<usize>,
    description: String,
}

/// A JSON value read twice at once: keeping the last copy of every
/// duplicated key, and (only where that differs) keeping the first.
struct Readings {
    last: Value,
    /// `None` when the same as `last` (no duplicate at or below this value).
    first: Option<Value>,
}

impl Readings {
    fn same(value: Value) -> Self {
        Readings {
            last: value,
            first: None,
        }
    }

    fn first(&self) -> Value {
        self.first.clone().unwrap_or_else(|| self.last.clone())
    }
}

/// Where a value sits in the document, as a chain of borrowed parents: it
/// costs nothing to build and is rendered (`Statement[0].Condition`) only
/// when a duplicate is found, which keeps parsing as fast as it was.
#[derive(Clone, Copy)]
enum Place<'p> {
    Root,
    Key(&'p Place<'p>, &'p str),
    Index(&'p Place<'p>, usize),
}

impl Place<'_> {
    fn render(&self) -> String {
        match self {
            Place::Root => String::new(),
            Place::Key(parent, key) => match parent.render() {
                p if p.is_empty() => (*key).to_string(),
                p => format!("{p}.{key}"),
            },
            Place::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Deserializes one value, recording every duplicate key. serde_json's own
/// `Value` keeps the last copy silently; this sees them all.
struct ReadingsSeed<'a, 'p> {
    duplicates: &'a RefCell<Vec<Duplicate>>,
    /// Where the value is, for messages.
    place: Place<'p>,
    /// Condition operator names are case-sensitive (`StringEquals` and
    /// `stringequals` are two operators, the second unknown); every other
    /// name in a policy (elements, principal kinds, condition keys) is not,
    /// so `Effect` and `effect` are the same key twice.
    case_sensitive_keys: bool,
}

impl<'a> ReadingsSeed<'a, '_> {
    fn child<'q>(&self, place: Place<'q>, case_sensitive_keys: bool) -> ReadingsSeed<'a, 'q> {
        ReadingsSeed {
            duplicates: self.duplicates,
            place,
            case_sensitive_keys,
        }
    }

    fn record(&self, earlier: &str, key: &str) {
        let location = self.place.render();
        let place = if location.is_empty() {
            "the document".to_string()
        } else {
            location.clone()
        };
        let description = if earlier == key {
            format!("\"{key}\" appears twice in {place}")
        } else {
            format!("\"{earlier}\" and \"{key}\" (the same key) both appear in {place}")
        };
        let statement = statement_of(&location);
        self.duplicates.borrow_mut().push(Duplicate {
            statement,
            description,
        });
    }
}

/// The statement index a location lies in: `Statement[3]...` is 3, a single
/// `Statement` object is 0, the document itself is none in particular.
fn statement_of(location: &str) -> Option<usize> {
    let head = location.get(..9)?;
    if !head.eq_ignore_ascii_case("Statement") {
        return None;
    }
    let rest = location.get(9..)?;
    match rest.strip_prefix('[') {
        Some(index) => index.split(']').next()?.parse().ok(),
        None => Some(0),
    }
}

impl<'de> DeserializeSeed<'de> for ReadingsSeed<'_, '_> {
    type Value = Readings;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Readings, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReadingsSeed<'_, '_> {
    type Value = Readings;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Readings, E> {
        Ok(Readings::same(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Readings, E> {
        Ok(Readings::same(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Readings, E> {
        Ok(Readings::same(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Readings, E> {
        Ok(Readings::same(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E>(self, v: &str) -> Result<Readings, E> {
        Ok(Readings::same(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Readings, E> {
        Ok(Readings::same(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Readings, E> {
        Ok(Readings::same(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Readings, E> {
        Ok(Readings::same(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Readings, A::Error> {
        let mut items = Vec::new();
        while let Some(item) =
            seq.next_element_seed(self.child(Place::Index(&self.place, items.len()), false))?
        {
            items.push(item);
        }
        let first = items
            .iter()
            .any(|i| i.first.is_some())
            .then(|| Value::Array(items.iter().map(Readings::first).collect()));
        let last = Value::Array(items.into_iter().map(|i| i.last).collect());
        Ok(Readings { last, first })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Readings, A::Error> {
        let mut entries: Vec<(String, Readings)> = Vec::new();
        // Folded key (lower-cased unless case-sensitive) -> the key as first
        // written. Policy objects hold a handful of keys, so they are compared
        // in place; only a large object gets a hash map, so a hostile one with
        // thousands of keys stays linear.
        let same = |a: &str, b: &str| {
            if self.case_sensitive_keys {
                a == b
            } else {
                a.eq_ignore_ascii_case(b)
            }
        };
        const SMALL: usize = 32;
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut duplicated = false;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.child(
                Place::Key(&self.place, &key),
                key.eq_ignore_ascii_case("Condition"),
            ))?;
            let earlier = if entries.len() < SMALL {
                entries
                    .iter()
                    .find(|(k, _)| same(k, &key))
                    .map(|(k, _)| k.clone())
            } else {
                if seen.is_empty() {
                    for (k, _) in &entries {
                        seen.entry(fold_key(k, self.case_sensitive_keys))
                            .or_insert_with(|| k.clone());
                    }
                }
                let folded = fold_key(&key, self.case_sensitive_keys);
                let earlier = seen.get(&folded).cloned();
                seen.entry(folded).or_insert_with(|| key.clone());
                earlier
            };
            if let Some(earlier) = earlier {
                self.record(&earlier, &key);
                duplicated = true;
            }
            entries.push((key, value));
        }
        let fold = |key: &str| {
            if self.case_sensitive_keys {
                key.to_string()
            } else {
                key.to_ascii_lowercase()
            }
        };
        let first = (duplicated || entries.iter().any(|(_, v)| v.first.is_some())).then(|| {
            let mut kept = HashSet::new();
            let mut object = Map::new();
            for (key, value) in &entries {
                if kept.insert(fold(key)) {
                    object.insert(key.clone(), value.first());
                }
            }
            Value::Object(object)
        });
        let mut object = Map::new();
        if duplicated {
            let mut written: HashMap<String, String> = HashMap::new();
            for (key, value) in entries {
                if let Some(earlier) = written.insert(fold(&key), key.clone()) {
                    object.remove(&earlier);
                }
                object.insert(key, value.last);
            }
        } else {
            // No key repeats: the common case needs no bookkeeping.
            for (key, value) in entries {
                object.insert(key, value.last);
            }
        }
        Ok(Readings {
            last: Value::Object(object),
            first,
        })
    }
}

/// A key as duplicate detection compares it.
fn fold_key(key: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        key.to_string()
    } else {
        key.to_ascii_lowercase()
    }
}

/// Builds a policy from an already parsed JSON value.
pub fn from_value(value: &Value) -> Result<Policy, PolicyError> {
    let doc = value.as_object().ok_or_else(|| {
        PolicyError::Malformed(format!("the document is {}, not an object", kind(value)))
    })?;
    let statements = match get_ci(doc, "Statement") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| statement(i, item))
            .collect::<Result<Vec<_>, _>>()?,
        Some(obj @ Value::Object(_)) => vec![statement(0, obj)?],
        Some(other) => {
            return Err(PolicyError::Malformed(format!(
                "Statement is {}, not an object or a list",
                kind(other)
            )))
        }
        // A bare statement, as some documentation snippets are written.
        None if get_ci(doc, "Effect").is_some() => vec![statement(0, value)?],
        None => {
            return Err(PolicyError::Malformed(
                "the document has no Statement".to_string(),
            ))
        }
    };
    Ok(Policy {
        statements,
        other_reading: None,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Element lookup: exact name first, then case-insensitive.
fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn statement(index: usize, value: &Value) -> Result<Statement, PolicyError> {
    let obj = value.as_object().ok_or_else(|| {
        PolicyError::Malformed(format!(
            "Statement[{index}] is {}, not an object",
            kind(value)
        ))
    })?;
    let at = |what: &str| format!("Statement[{index}].{what}");
    let sid = statement_sid(obj, &at("Sid"))?;
    let effect = statement_effect(obj, &at("Effect"))?;
    let principal = get_ci(obj, "Principal")
        .map(|v| principals(v, &at("Principal")))
        .transpose()?;
    let not_principal = get_ci(obj, "NotPrincipal")
        .map(|v| principals(v, &at("NotPrincipal")))
        .transpose()?;
    let list = |name: &str| {
        get_ci(obj, name)
            .map(|v| string_list(v, &at(name)))
            .transpose()
    };
    let action = list("Action")?;
    let not_action = list("NotAction")?;
    let resource = list("Resource")?;
    let not_resource = list("NotResource")?;
    let (conditions, condition_problems) = statement_conditions(get_ci(obj, "Condition"));
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        not_principal,
        action,
        not_action,
        resource,
        not_resource,
        conditions,
        condition_problems,
        ambiguities: Vec::new(),
    })
}

/// `Sid`: absent, null or a string. `at` names it (`Statement[0].Sid`).
fn statement_sid(obj: &Map<String, Value>, at: &str) -> Result<Option<String>, PolicyError> {
    match get_ci(obj, "Sid") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PolicyError::Malformed(format!(
            "{at} is {}, not a string",
            kind(other)
        ))),
    }
}

/// `Effect`: `Allow` or `Deny`, in any case; required.
fn statement_effect(obj: &Map<String, Value>, at: &str) -> Result<Effect, PolicyError> {
    match get_ci(obj, "Effect") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("Allow") => Ok(Effect::Allow),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("Deny") => Ok(Effect::Deny),
        Some(other) => Err(PolicyError::Malformed(format!(
            "{at} must be \"Allow\" or \"Deny\", found {other}"
        ))),
        None => Err(PolicyError::Malformed(format!("{at} is missing"))),
    }
}

/// `Condition`: its entries, and what is wrong with it. A malformed condition
/// does not fail the statement: it is reported (CD008) and matches nothing.
fn statement_conditions(condition: Option<&Value>) -> (Vec<ConditionEntry>, Vec<ConditionProblem>) {
    let mut conditions = Vec::new();
    let mut problems = Vec::new();
    match condition {
        None | Some(Value::Null) => {}
        Some(Value::Object(ops)) => {
            for (op_name, block) in ops {
                operator_block(op_name, block, &mut conditions, &mut problems);
            }
        }
        Some(other) => problems.push(ConditionProblem {
            detail: format!("Condition is {}, not an object", kind(other)),
        }),
    }
    (conditions, problems)
}

/// One operator's block of a `Condition` (`"StringEquals": {key: values}`).
fn operator_block(
    op_name: &str,
    block: &Value,
    conditions: &mut Vec<ConditionEntry>,
    problems: &mut Vec<ConditionProblem>,
) {
    let operator = Operator::parse(op_name);
    let Some(keys) = block.as_object() else {
        problems.push(ConditionProblem {
            detail: format!(
                "the value of operator \"{op_name}\" is {}, not an object of keys",
                kind(block)
            ),
        });
        return;
    };
    if keys.is_empty() {
        problems.push(ConditionProblem {
            detail: format!("operator \"{op_name}\" names no condition key"),
        });
    }
    for (key, raw) in keys {
        let values = condition_values(raw);
        if values.is_none() {
            problems.push(ConditionProblem {
                detail: format!(
                    "\"{op_name}\" → \"{key}\" has {}; values must be strings, numbers, booleans or a non-empty list of those",
                    if raw.as_array().is_some_and(|a| a.is_empty()) { "an empty list" } else { kind(raw) }
                ),
            });
        }
        conditions.push(ConditionEntry {
            operator_name: op_name.to_string(),
            operator,
            key: key.to_ascii_lowercase(),
            key_as_written: key.clone(),
            values_valid: values.is_some(),
            values: values.unwrap_or_default(),
        });
    }
}

fn principals(value: &Value, at: &str) -> Result<Principals, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Any),
        Value::Object(map) => {
            let mut entries = Vec::new();
            for (name, v) in map {
                let kind_ = PrincipalKind::from_name(name).ok_or_else(|| {
                    PolicyError::Malformed(format!("{at} has an unknown principal type \"{name}\""))
                })?;
                for s in string_list(v, &format!("{at}.{name}"))? {
                    entries.push((kind_, s));
                }
            }
            Ok(Principals::Map(entries))
        }
        other => Err(PolicyError::Malformed(format!(
            "{at} must be \"*\" or an object, found {}",
            kind(other)
        ))),
    }
}

fn string_list(value: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(PolicyError::Malformed(format!(
                    "{at} lists {}, not a string",
                    kind(other)
                ))),
            })
            .collect(),
        other => Err(PolicyError::Malformed(format!(
            "{at} is {}, not a string or a list of strings",
            kind(other)
        ))),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn condition_values(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(scalar).collect(),
        Value::Array(_) => None,
        other => scalar(other).map(|s| vec![s]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Policy {
        parse(text).expect("parses")
    }

    #[test]
    fn statement_as_single_object_is_index_zero() {
        let pol = p(
            r#"{"Statement":{"Sid":"A","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"}}"#,
        );
        assert_eq!(pol.statements.len(), 1);
        assert_eq!(pol.statements[0].index, 0);
        assert_eq!(pol.statements[0].sid.as_deref(), Some("A"));
        assert_eq!(
            pol.statements[0].action,
            Some(vec!["sqs:SendMessage".to_string()])
        );
    }

    #[test]
    fn statement_list_keeps_order_and_indexes() {
        let pol = p(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*"},{"Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::111122223333:root"]},"Action":["s3:GetObject"]}]}"#,
        );
        assert_eq!(pol.statements.len(), 2);
        assert_eq!(pol.statements[0].effect, Effect::Deny);
        assert_eq!(pol.statements[0].principal, Some(Principals::Any));
        assert_eq!(pol.statements[1].index, 1);
        assert!(pol.statements[1]
            .principal
            .as_ref()
            .is_some_and(Principals::is_public));
    }

    #[test]
    fn element_names_are_case_insensitive_and_condition_keys_lowercased() {
        let pol = p(
            r#"{"statement":[{"effect":"Allow","principal":{"service":["logs.us-east-1.amazonaws.com"]},"action":"kms:Decrypt","condition":{"StringEquals":{"AWS:SourceAccount":123456789012}}}]}"#,
        );
        let st = &pol.statements[0];
        assert_eq!(st.effect, Effect::Allow);
        let services: Vec<&str> = st
            .principal
            .as_ref()
            .map(|p| p.services().collect())
            .unwrap_or_default();
        assert_eq!(services, ["logs.us-east-1.amazonaws.com"]);
        assert_eq!(st.conditions[0].key, "aws:sourceaccount");
        assert_eq!(st.conditions[0].key_as_written, "AWS:SourceAccount");
        // A JSON number is compared as its text.
        assert_eq!(st.conditions[0].values, ["123456789012"]);
    }

    #[test]
    fn operator_names_are_exact_with_prefixes_and_suffixes() {
        assert_eq!(Operator::parse(" ArnEquals"), None);
        assert_eq!(Operator::parse("arnequals"), None);
        assert_eq!(Operator::parse("NullIfExists"), None);
        let op = Operator::parse("ForAllValues:StringLikeIfExists").expect("known");
        assert_eq!(op.base, BaseOperator::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, SetQualifier::ForAllValues);
        assert_eq!(
            Operator::parse("ForAnyValue:StringEquals").map(|o| o.set),
            Some(SetQualifier::ForAnyValue)
        );
    }

    #[test]
    fn malformed_condition_parts_are_recorded_not_fatal() {
        let pol = p(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":"aws:SourceAccount","StringLike":{"aws:SourceArn":null,"aws:SourceOrgID":[]}}}}"#,
        );
        let st = &pol.statements[0];
        assert_eq!(
            st.condition_problems.len(),
            3,
            "{:?}",
            st.condition_problems
        );
        assert!(st.conditions.iter().all(|c| !c.values_valid));
    }

    #[test]
    fn invalid_json_reports_position() {
        match parse("{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}") {
            Err(PolicyError::InvalidJson {
                line,
                column,
                message,
            }) => {
                assert_eq!(line, 3);
                assert!(column > 20, "column {column}");
                assert!(!message.contains("at line"), "{message}");
                assert!(!message.is_empty());
            }
            other => panic!("expected InvalidJson, got {other:?}"),
        }
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        for text in [
            "[]",
            "\"policy\"",
            r#"{"Statement":"Allow"}"#,
            r#"{"Statement":[1]}"#,
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Statement":{"Effect":"Maybe"}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"Robot":"x"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":[1]}}"#,
        ] {
            assert!(
                matches!(parse(text), Err(PolicyError::Malformed(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn bare_statement_is_accepted() {
        let pol = p(
            r#"{"Sid":"x","Effect":"Allow","Principal":{"Service":"profile.amazonaws.com"},"Action":"s3:PutObject"}"#,
        );
        assert_eq!(pol.statements.len(), 1);
        assert_eq!(pol.statements[0].sid.as_deref(), Some("x"));
    }

    #[test]
    fn duplicate_keys_give_two_readings_and_name_the_key() {
        let pol =
            p(r#"{"Statement":[{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"*"}]}"#);
        let other = pol.other_reading.as_deref().expect("two readings");
        assert_eq!(pol.statements[0].effect, Effect::Deny, "last copy");
        assert_eq!(other.statements[0].effect, Effect::Allow, "first copy");
        for reading in [&pol, other] {
            assert_eq!(
                reading.statements[0].ambiguities,
                ["\"Effect\" appears twice in Statement[0]"]
            );
        }
    }

    /// Objects past the in-place comparison (32 keys) switch to a hash map;
    /// a duplicate is found on either side of the switch, in any case.
    #[test]
    fn duplicates_are_found_in_large_objects() {
        for (dup_at, spelled) in [(5, "k5"), (40, "K40"), (40, "k3")] {
            let mut keys: Vec<String> = (0..60).map(|i| format!("\"k{i}\":\"v\"")).collect();
            keys.insert(dup_at + 1, format!("\"{spelled}\":\"w\""));
            let text = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Condition":{{"StringEquals":{{{}}}}}}}]}}"#,
                keys.join(",")
            );
            let pol = p(&text);
            let amb = &pol.statements[0].ambiguities;
            assert_eq!(amb.len(), 1, "{spelled} at {dup_at}: {amb:?}");
            assert!(amb[0].contains(spelled), "{amb:?}");
            assert!(
                amb[0].contains("Statement[0].Condition.StringEquals"),
                "{amb:?}"
            );
        }
    }

    #[test]
    fn case_variants_of_element_names_and_condition_keys_are_duplicates() {
        let pol = p(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"},"statement":{"Effect":"Deny","Principal":"*","Action":"*"}}"#,
        );
        assert!(pol.other_reading.is_some());
        assert_eq!(
            pol.statements[0].ambiguities,
            ["\"Statement\" and \"statement\" (the same key) both appear in the document"]
        );
        let pol = p(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333","AWS:SOURCEACCOUNT":"444455556666"}}}}"#,
        );
        assert_eq!(
            pol.statements[0].ambiguities,
            ["\"aws:SourceAccount\" and \"AWS:SOURCEACCOUNT\" (the same key) both appear in Statement.Condition.StringEquals"]
        );
        let other = pol.other_reading.as_deref().expect("two readings");
        assert_eq!(pol.statements[0].conditions[0].values, ["444455556666"]);
        assert_eq!(other.statements[0].conditions[0].values, ["111122223333"]);
    }

    #[test]
    fn operator_names_differing_in_case_are_two_operators_not_a_duplicate() {
        let pol = p(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:SourceAccount":"1"},"stringequals":{"aws:SourceAccount":"1"}}}}"#,
        );
        assert!(pol.statements[0].ambiguities.is_empty());
        assert_eq!(pol.statements[0].conditions.len(), 2);
        assert!(pol.other_reading.is_none());
    }

    #[test]
    fn a_duplicate_in_one_statement_leaves_the_others_unambiguous() {
        let pol = p(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Sid":"a","Sid":"a","Effect":"Allow","Principal":"*","Action":"*"}]}"#,
        );
        assert!(pol.statements[0].ambiguities.is_empty());
        assert_eq!(pol.statements[1].ambiguities.len(), 1);
        assert!(
            pol.other_reading.is_none(),
            "both copies agree: one reading"
        );
    }

    #[test]
    fn a_reading_that_is_malformed_fails_the_document_in_either_order() {
        for text in [
            r#"{"Statement":{"Effect":"Allow","Effect":"Maybe","Principal":"*","Action":"*"}}"#,
            r#"{"Statement":{"Effect":"Maybe","Effect":"Allow","Principal":"*","Action":"*"}}"#,
        ] {
            assert!(
                matches!(parse(text), Err(PolicyError::Malformed(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        assert!(matches!(parse(&text), Err(PolicyError::InvalidJson { .. })));
    }
}
