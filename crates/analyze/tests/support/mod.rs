//! The policy corpus's case format (`tests/corpus/README.md`), shared by the
//! corpus and remediation tests.

#![allow(dead_code, reason = "each test binary uses a part")]

use std::path::{Path, PathBuf};

use deputy_audit_analyze::{AnalysisOptions, ResourcePolicy, ResourceType, Severity};
use serde::Deserialize;
use serde_json::Value;

pub(crate) const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    pub(crate) description: String,
    pub(crate) resource_type: ResourceType,
    #[serde(default = "default_account")]
    pub(crate) account_id: String,
    #[serde(default = "default_region")]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) arn: Option<String>,
    #[serde(default)]
    pub(crate) options: Options,
    /// Why AWS owns the resource, for AWS-managed cases.
    #[serde(default)]
    pub(crate) aws_managed: Option<String>,
    /// A JSON policy document, or a string holding the raw policy text (for
    /// broken JSON).
    pub(crate) policy: Value,
    #[serde(default)]
    pub(crate) expected: Vec<Expected>,
    /// `invalid-json` or `malformed` when the policy must be rejected.
    #[serde(default)]
    pub(crate) expected_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Options {
    #[serde(default)]
    pub(crate) trusted_accounts: Vec<String>,
    #[serde(default)]
    pub(crate) org_ids: Vec<String>,
    #[serde(default)]
    pub(crate) strict: bool,
    #[serde(default)]
    pub(crate) include_aws_managed: bool,
    /// Run preview rules (`--preview`).
    #[serde(default)]
    pub(crate) preview: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    pub(crate) rule_id: String,
    pub(crate) statement_index: usize,
    /// Checked when given (every case under `severity/` gives it).
    #[serde(default)]
    pub(crate) severity: Option<Severity>,
}

fn default_account() -> String {
    "111122223333".to_string()
}

fn default_region() -> String {
    "us-east-1".to_string()
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            case_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

pub(crate) fn all_cases() -> Vec<(PathBuf, Case)> {
    let mut files = Vec::new();
    case_files(Path::new(CORPUS), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let case: Case = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: bad case file: {e}", path.display()));
            (path, case)
        })
        .collect()
}

pub(crate) fn resource(case: &Case) -> ResourcePolicy {
    let text = match &case.policy {
        Value::String(raw) => raw.clone(),
        other => other.to_string(),
    };
    let arn = case.arn.clone().unwrap_or_else(|| {
        let rt = case.resource_type;
        match rt {
            ResourceType::IamRole => format!("arn:aws:iam::{}:role/corpus", case.account_id),
            ResourceType::S3Bucket => "arn:aws:s3:::corpus-bucket".to_string(),
            _ => format!(
                "arn:aws:{}:{}:{}:corpus",
                rt.service(),
                case.region,
                case.account_id
            ),
        }
    });
    ResourcePolicy {
        arn,
        resource_type: case.resource_type,
        account_id: case.account_id.clone(),
        region: case.region.clone(),
        policy: Some(text),
        aws_managed: case.aws_managed.clone(),
    }
}

pub(crate) fn options(case: &Case) -> AnalysisOptions {
    AnalysisOptions {
        trusted_accounts: case.options.trusted_accounts.clone(),
        org_ids: case.options.org_ids.clone(),
        strict: case.options.strict,
        include_aws_managed: case.options.include_aws_managed,
        preview: case.options.preview,
    }
}
