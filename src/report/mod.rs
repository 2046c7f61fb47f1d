//! Report: one writer per format, all fed by the same [`Report`].

pub mod baseline;
mod csv;
pub mod escape;
mod json;
mod markdown;
mod sarif;
mod table;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use deputy_audit_analyze::{Finding, ResourceType, Severity};
use serde::{Deserialize, Serialize};

use crate::collect::ScanError;

/// Bumped when a field changes meaning or disappears; adding fields does not.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a scan (or `check`) learned, in the order reports present it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub scan_started: String,
    pub scan_finished: String,
    pub account_id: String,
    pub regions: Vec<String>,
    /// Every resource listed, with or without a policy, readable or not.
    pub resource_counts: BTreeMap<ResourceType, usize>,
    /// One entry per account scanned (or that could not be scanned).
    #[serde(default)]
    pub accounts: Vec<AccountSummary>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
}

/// What one account contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSummary {
    pub account_id: String,
    /// The role assumed to scan it; absent for the caller's own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub status: AccountStatus,
    pub resource_counts: BTreeMap<ResourceType, usize>,
    pub findings: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Every resource listed was assessed.
    Scanned,
    /// Scanned, but some resources or listings could not be assessed (they are
    /// in `errors`): its findings are a lower bound.
    Incomplete,
    /// Its role could not be assumed; the reason is in `errors`.
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

impl Report {
    /// Sorts findings and errors so that two runs over the same account produce
    /// the same report, whatever order the concurrent calls finished in.
    pub fn normalize(&mut self) {
        self.findings.sort_by(|a, b| {
            (
                &a.account_id,
                &a.resource_type,
                &a.resource_arn,
                a.statement_index,
                &a.rule_id,
            )
                .cmp(&(
                    &b.account_id,
                    &b.resource_type,
                    &b.resource_arn,
                    b.statement_index,
                    &b.rule_id,
                ))
        });
        self.errors.sort();
    }

    /// Findings that gate the exit code: at or above `threshold` and not suppressed.
    pub fn count_at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold && f.suppression.is_none())
            .count()
    }

    /// Findings accepted through `--baseline` (still reported, never gating).
    pub fn suppressed_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_some())
            .count()
    }

    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A short human summary.
    Table,
    /// One JSON document (schema in docs/report.schema.json).
    Json,
    /// One row per finding, fixed header.
    Csv,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// Markdown, for a review ticket or a pull-request comment.
    Markdown,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
        }
    }

    pub fn write(self, report: &Report, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
        match self {
            Format::Table => table::write(report, out, color),
            Format::Json => json::write(report, out),
            Format::Csv => csv::write(&report.findings, out),
            Format::Sarif => sarif::write(report, out),
            Format::Markdown => markdown::write(report, out),
        }
    }
}

/// Where reports go, decided once from `--output` and `--format`.
pub enum Destination {
    /// Every format to stdout, in the order given.
    Stdout,
    /// One format to one file.
    File(PathBuf),
    /// Table to stdout; each other format to `deputy-audit-<account>-<timestamp>.<ext>`.
    Directory(PathBuf),
}

impl Destination {
    pub fn from_args(output: Option<&Path>, formats: &[Format]) -> anyhow::Result<Self> {
        let Some(path) = output else {
            return Ok(Destination::Stdout);
        };
        // A directory when it is one, when written as one (`reports/`), or when
        // several formats need somewhere to go; otherwise the one report's file.
        let names_a_directory = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
        if names_a_directory || formats.len() > 1 {
            if path.is_file() {
                anyhow::bail!(
                    "--output {} is a file, but {} formats were asked for; name a directory to receive one file per format",
                    path.display(),
                    formats.len()
                );
            }
            return Ok(Destination::Directory(path.to_path_buf()));
        }
        Ok(Destination::File(path.to_path_buf()))
    }

    /// Writes every format. Returns the files written.
    pub fn write_all(
        &self,
        report: &Report,
        formats: &[Format],
        stamp: &str,
        color: bool,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for &format in formats {
            match self {
                Destination::Stdout => write_stdout(report, format, color)?,
                Destination::File(path) => {
                    write_atomically(path, |out| format.write(report, out, false))?;
                    written.push(path.clone());
                }
                Destination::Directory(dir) if format == Format::Table => {
                    let _ = dir;
                    write_stdout(report, format, color)?;
                }
                Destination::Directory(dir) => {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("cannot create report directory {}", dir.display())
                    })?;
                    let name = format!(
                        "deputy-audit-{}-{}.{}",
                        report.account_id,
                        stamp,
                        format.extension()
                    );
                    let path = dir.join(name);
                    write_atomically(&path, |out| format.write(report, out, false))?;
                    written.push(path);
                }
            }
        }
        Ok(written)
    }
}

fn write_stdout(report: &Report, format: Format, color: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let result = format
        .write(report, &mut lock, color)
        .and_then(|()| Ok(lock.flush()?));
    match result {
        // The reader went away (`deputy-audit scan | head`): not a failure of
        // the scan, and nothing more can be shown to anyone.
        Err(err) if is_broken_pipe(&err) => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<::csv::Error>()
                .is_some_and(|e| matches!(e.kind(), ::csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Writes to a temporary file beside `path`, then renames it into place, so a
/// reader (or a crash) never sees half a report.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".deputy-audit-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write report {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, Suppression};

    /// A report built the way `scan` builds one: real analysis of a few
    /// policies, one finding suppressed, one resource not assessed.
    pub fn sample_report() -> Report {
        let account = "111122223333";
        let policies = [
            (
                ResourceType::SqsQueue,
                "arn:aws:sqs:us-east-1:111122223333:orders",
                r#"{"Statement":[{"Sid":"FromSns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage"},
                    {"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage"}]}"#,
            ),
            (
                ResourceType::IamRole,
                "arn:aws:iam::111122223333:role/config-role",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}}"#,
            ),
            (
                ResourceType::SnsTopic,
                "arn:aws:sns:eu-west-1:111122223333:alerts",
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Condition":{"StringLike":{"aws:SourceArn":"*"}}}]}"#,
            ),
        ];
        let mut findings = Vec::new();
        let mut resource_counts = BTreeMap::new();
        for (resource_type, arn, policy) in policies {
            let resource = ResourcePolicy {
                arn: arn.to_string(),
                resource_type,
                account_id: account.to_string(),
                region: arn.split(':').nth(3).unwrap_or_default().to_string(),
                policy: Some(policy.to_string()),
                aws_managed: false,
            };
            findings.extend(analyze(&resource, &AnalysisOptions::default()).expect("analyzes"));
            *resource_counts.entry(resource_type).or_default() += 1;
        }
        *resource_counts.entry(ResourceType::KmsKey).or_default() += 1;
        assert!(findings.len() >= 3, "{findings:#?}");
        findings[0].suppression = Some(Suppression {
            reason: "accepted risk".to_string(),
        });
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::current(),
            scan_started: "2026-11-23T12:00:00Z".to_string(),
            scan_finished: "2026-11-23T12:00:04Z".to_string(),
            account_id: account.to_string(),
            regions: vec!["us-east-1".to_string(), "eu-west-1".to_string()],
            resource_counts,
            accounts: Vec::new(),
            findings,
            errors: vec![
                ScanError {
                    account_id: account.to_string(),
                    region: "us-east-1".to_string(),
                    service: "kms".to_string(),
                    resource_type: Some(ResourceType::KmsKey),
                    resource_arn: "arn:aws:kms:us-east-1:111122223333:key/1234".to_string(),
                    operation: "GetKeyPolicy".to_string(),
                    reason: "AccessDenied: not authorized".to_string(),
                },
                // An account-level error: a role that could not be assumed.
                ScanError {
                    account_id: "444455556666".to_string(),
                    region: String::new(),
                    service: "sts".to_string(),
                    resource_type: None,
                    resource_arn: "arn:aws:iam::444455556666:role/deputy-audit".to_string(),
                    operation: "AssumeRole".to_string(),
                    reason: "AccessDenied".to_string(),
                },
            ],
        };
        report.normalize();
        report
    }
}
