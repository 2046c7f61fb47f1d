//! Seeds the realistic demo account of `tests/fixtures/realistic-account.json`: what real
//! accounts hold besides their owner's own grants (service-linked, SSO, OIDC and CDK
//! bootstrap roles, service roles, console-made and AWS-documented log-delivery
//! policies, a key in the AWS-managed shape, an AWS-managed key) plus a handful of real
//! exposures, each with the judgement expected of the scanner.
//!
//! The seeding is the fixture's data applied in order through `seed.rs`'s helpers, so
//! a new resource is a fixture entry, not code. A module of the integration-test binary,
//! and included beside `seed` (whose helpers it uses) with
//! `#[path = "../tests/it/support/realistic.rs"] mod realistic;` from `examples/`.

// Each including crate uses a different subset of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::seed::{self, LambdaTarget, SeedState, Vars, IAM_API_REGION, IAM_REPORT_REGION};

pub const FIXTURE_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/realistic-account.json"
));

/// Created after the last resource, so its presence marks a complete seed. A user, not a
/// role: the scanner does not read users, so the marker adds nothing to the report.
pub const COMPLETE_MARKER_USER: &str = "deputy-audit-realistic-seeded";

/// The value of `expected` for resources AWS owns.
pub const AWS_MANAGED: &str = "aws-managed";

/// The kinds the seeder can create (the report's resource types).
pub const KINDS: [&str; 6] = [
    "iam-role",
    "sqs-queue",
    "sns-topic",
    "s3-bucket",
    "kms-key",
    "lambda-function",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub description: String,
    pub elb_accounts_source: String,
    /// Region -> the Elastic Load Balancing account that delivers access logs there.
    pub elb_accounts: BTreeMap<String, String>,
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// What `{{ARN:id}}` / `{{NAME:id}}` refer to.
    pub id: String,
    pub kind: String,
    /// A template, like the policy.
    pub name: String,
    /// iam-role only.
    #[serde(default)]
    pub path: Option<String>,
    /// lambda-function only: the id of its execution role.
    #[serde(default)]
    pub role: Option<String>,
    pub source: String,
    /// Why the expected judgement is right.
    #[serde(default)]
    pub note: Option<String>,
    pub exposure: bool,
    pub policy: Value,
    pub expected: Expected,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Expected {
    Findings(Vec<ExpectedFinding>),
    /// Only ever [`AWS_MANAGED`] (checked by the fixture test).
    Label(String),
}

impl Expected {
    pub fn is_aws_managed(&self) -> bool {
        matches!(self, Expected::Label(l) if l == AWS_MANAGED)
    }

    /// The findings expected; none for AWS-managed resources.
    pub fn findings(&self) -> BTreeSet<ExpectedFinding> {
        match self {
            Expected::Findings(f) => f.iter().cloned().collect(),
            Expected::Label(_) => BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    pub rule_id: String,
    pub severity: String,
    pub statement_index: usize,
}

/// Parses the fixture. It is part of the test suite, so a broken one panics.
pub fn fixture() -> Fixture {
    serde_json::from_str(FIXTURE_JSON)
        .unwrap_or_else(|e| panic!("tests/fixtures/realistic-account.json is invalid: {e}"))
}

/// Which resources to seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The whole fixture.
    WithExposures,
    /// The fixture minus `exposure: true`: what must pass the default gate.
    WithoutExposures,
}

impl Variant {
    pub fn includes(self, r: &Resource) -> bool {
        self == Variant::WithExposures || !r.exposure
    }
}

#[derive(Debug, Clone)]
pub struct Seeded {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub arn: String,
    /// As the report names it (`global` for roles).
    pub region: String,
    pub exposure: bool,
    pub expected: Expected,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub endpoint: String,
    pub account_id: String,
    pub region: String,
    pub variant: Variant,
    pub resources: Vec<Seeded>,
}

impl Manifest {
    pub fn by_arn(&self, arn: &str) -> Option<&Seeded> {
        self.resources.iter().find(|r| r.arn == arn)
    }

    pub fn resource_counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for r in &self.resources {
            *counts.entry(r.kind.clone()).or_insert(0) += 1;
        }
        counts
    }

    pub fn summary(&self) -> String {
        let exposures = self.resources.iter().filter(|r| r.exposure).count();
        let managed = self
            .resources
            .iter()
            .filter(|r| r.expected.is_aws_managed())
            .count();
        format!(
            "realistic account {} at {}: {} resources in {} (global IAM), {} AWS-managed, {} exposures",
            self.account_id,
            self.endpoint,
            self.resources.len(),
            self.region,
            managed,
            exposures
        )
    }
}

/// Replaces every `(from, to)` pair in every string value of `value`.
fn substitute(value: &mut Value, pairs: &[(String, String)]) {
    match value {
        Value::String(s) => {
            for (from, to) in pairs {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, pairs)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, pairs)),
        _ => {}
    }
}

/// Renders a template: first what only this fixture has (`{{ELB_ACCOUNT}}`, references
/// to earlier resources), then `seed::render`'s variables, which fails on anything left
/// (a reference to a resource not seeded yet, or not at all in this variant).
fn render(template: &Value, pairs: &[(String, String)], vars: &Vars<'_>) -> Result<Value> {
    let mut value = template.clone();
    substitute(&mut value, pairs);
    seed::render(&mut value, vars)?;
    Ok(value)
}

/// Creates the fixture's resources in `account`, in order (IAM global, the rest in
/// `region`), then the completion marker.
pub async fn seed_realistic(
    endpoint: &str,
    account: &str,
    region: &str,
    variant: Variant,
) -> Result<Manifest> {
    let fixture = fixture();
    let elb_account = fixture.elb_accounts.get(region).ok_or_else(|| {
        anyhow!(
            "no Elastic Load Balancing account known for {region} (known: {})",
            fixture
                .elb_accounts
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let iam = aws_sdk_iam::Client::new(&seed::sdk_config(endpoint, account, IAM_API_REGION));
    let mut pairs = vec![("{{ELB_ACCOUNT}}".to_string(), elb_account.clone())];
    let mut resources: Vec<Seeded> = Vec::new();

    for r in fixture.resources.iter().filter(|r| variant.includes(r)) {
        let no_arn = Vars {
            account,
            region,
            resource_arn: None,
        };
        let name = render(&Value::String(r.name.clone()), &pairs, &no_arn)
            .with_context(|| format!("name of {}", r.id))?
            .as_str()
            .map(str::to_string)
            .expect("a rendered string stays a string");
        let doc_for = |arn: Option<&str>| {
            let vars = Vars {
                account,
                region,
                resource_arn: arn,
            };
            render(&r.policy, &pairs, &vars).with_context(|| format!("policy of {}", r.id))
        };
        let what = format!("{} ({} {name})", r.id, r.kind);
        let description = format!("deputy-audit realistic demo: {}", r.id);
        let role_arn = match r.kind.as_str() {
            "lambda-function" => {
                let role = r.role.as_deref().unwrap_or_default();
                let arn = resources
                    .iter()
                    .find(|s| s.id == role && s.kind == "iam-role")
                    .map(|s| s.arn.clone())
                    .ok_or_else(|| anyhow!("{what}: execution role {role:?} not seeded before"))?;
                Some(arn)
            }
            _ => None,
        };
        let spec = seed::Spec {
            kind: &r.kind,
            name: &name,
            region,
            description: &description,
            path: r.path.as_deref().unwrap_or("/"),
            lambda: role_arn.as_deref().map(|a| (a, LambdaTarget::Function)),
        };
        let arn = seed::create(endpoint, account, &spec, doc_for)
            .await
            .with_context(|| what.clone())?
            .arn;
        let report_region = match r.kind.as_str() {
            "iam-role" => IAM_REPORT_REGION.to_string(),
            _ => region.to_string(),
        };
        pairs.push((format!("{{{{ARN:{}}}}}", r.id), arn.clone()));
        pairs.push((format!("{{{{NAME:{}}}}}", r.id), name.clone()));
        resources.push(Seeded {
            id: r.id.clone(),
            kind: r.kind.clone(),
            name,
            arn,
            region: report_region,
            exposure: r.exposure,
            expected: r.expected.clone(),
        });
    }
    seed::ensure_user(&iam, COMPLETE_MARKER_USER).await?;
    Ok(Manifest {
        endpoint: endpoint.to_string(),
        account_id: account.to_string(),
        region: region.to_string(),
        variant,
        resources,
    })
}

/// Whether `account` holds the realistic seed: the marker user means complete; the
/// fixture's first resource (a role, checked by the fixture test) without the marker
/// means an interrupted seed. Never `Outdated`.
pub async fn realistic_state(endpoint: &str, account: &str) -> Result<SeedState> {
    let iam = aws_sdk_iam::Client::new(&seed::sdk_config(endpoint, account, IAM_API_REGION));
    match iam.get_user().user_name(COMPLETE_MARKER_USER).send().await {
        Ok(_) => return Ok(SeedState::Complete),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) => {}
        Err(e) => return Err(seed::sdk_err(e)).context("GetUser (realistic seed marker)"),
    }
    let first = fixture()
        .resources
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the realistic fixture has no resources"))?;
    if first.kind != "iam-role" {
        bail!("the realistic fixture must start with an iam-role");
    }
    match iam.get_role().role_name(&first.name).send().await {
        Ok(_) => Ok(SeedState::Partial),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(SeedState::Absent)
        }
        Err(e) => Err(seed::sdk_err(e)).context("GetRole (realistic seed check)"),
    }
}
