//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use deputy_audit_analyze::{ResourceType, Severity};

use serde::Deserialize;

use crate::collect::Service;
use crate::defaults;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "deputy-audit",
    version,
    about = "Finds cross-service confused deputy exposures in AWS resource and trust policies",
    long_about = "deputy-audit reads IAM role trust policies and the resource policies of SQS, SNS, S3, \
KMS, Lambda, Secrets Manager, EventBridge and CloudWatch Logs, and reports statements that let an AWS service principal in without pinning the \
calling resource (aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:SourceOrgPaths). \
It only ever makes List, Get and Describe calls."
)]
pub(crate) struct Cli {
    /// More logging on stderr (-v info, -vv debug; DEPUTY_AUDIT_LOG takes a filter). Policies and credentials are never logged: AWS SDK crates stop at debug, below which they log bodies.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan a live AWS account (or LocalStack) and report confused-deputy exposures.
    #[command(after_help = "EXAMPLES:
    deputy-audit scan --profile prod --region us-east-1 --region eu-west-1
    deputy-audit scan --format json --format csv --output reports/
    deputy-audit scan --org --org-role DeputyAuditRole --all-regions --fail-on high
    deputy-audit scan --config /etc/deputy-audit.toml
    AWS_ACCESS_KEY_ID=000000000000 AWS_SECRET_ACCESS_KEY=test \\
        deputy-audit scan --endpoint-url http://127.0.0.1:4566 --region us-east-1

EXIT CODES:
    0  no finding at or above --fail-on, every resource assessed
    1  findings at or above --fail-on, every resource assessed
    2  usage, configuration or credentials error: nothing was scanned
    3  scan incomplete, whatever the findings (3 outranks 1): a resource not assessed,
       an account's role not assumed, or interrupted by SIGINT, SIGTERM or SIGHUP
    4  the scan finished but a report could not be written")]
    Scan(ScanArgs),
    /// Analyze policy documents offline (files or stdin), e.g. in CI before deploy.
    #[command(after_help = "EXAMPLES:
    deputy-audit check --resource-type sqs-queue --account 111122223333 queue-policy.json
    aws iam get-role --role-name r --query Role.AssumeRolePolicyDocument | deputy-audit check -

EXIT CODES:
    0  no finding at or above --fail-on
    1  findings at or above --fail-on
    2  usage error, or an input that cannot be read or parsed (named with line and column,
       and listed under errors in the report)
    4  the analysis finished but a report could not be written")]
    Check(CheckArgs),
    /// Explain a rule: why it matters, a vulnerable and a fixed example. Without RULE, list the rules.
    #[command(after_help = "EXAMPLES:
    deputy-audit explain            # every rule, one line each
    deputy-audit explain CD001")]
    Explain {
        /// A rule id such as CD001 (case-insensitive).
        rule: Option<String>,
    },
    /// Print the least-privilege IAM policy a scan needs (JSON).
    IamPolicy,
    /// Compare two JSON reports by finding id: new, resolved and unchanged findings.
    #[command(after_help = "EXAMPLES:
    deputy-audit diff reports/last-week.json reports/today.json
    deputy-audit diff old.json new.json --format json --fail-on-new

A finding missing from NEW is 'not assessed' rather than resolved when NEW could not read its resource.

EXIT CODES:
    0  the reports were compared (whatever changed), or no new finding gates with --fail-on-new
    1  with --fail-on-new: a new, unsuppressed finding at or above --fail-on
    2  a report cannot be read, is not a deputy-audit JSON report with finding ids, or has
       another schema_version than this version reads")]
    Diff(DiffArgs),
    /// Write the corrected policies of a JSON report, and a shell script of the AWS CLI commands that would apply them, into a new directory. Never writes to AWS.
    #[command(after_help = "EXAMPLES:
    deputy-audit scan --format json --output report.json
    deputy-audit fix report.json --out fixes/
    less fixes/apply.sh            # review every command and policy file
    bash fixes/apply.sh            # you run it, with credentials that may change the policies

EXIT CODES:
    0  the files were written (deputy-audit never runs the script)
    2  the report cannot be read, has no remediations (written before `fix` existed),
       or --out exists and is not an empty directory (nothing is replaced)
    4  the files could not all be written")]
    Fix(FixArgs),
}

#[derive(Debug, Args)]
pub(crate) struct FixArgs {
    /// A JSON report of `deputy-audit scan` (schema_version 2, with remediations); `-` reads standard input.
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,
    /// A new or empty directory for the policy files and apply.sh (created; an existing non-empty one is refused).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier JSON report.
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later JSON report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
    /// Exit 1 when NEW has a finding that OLD did not, unsuppressed, at or above --fail-on.
    #[arg(long)]
    pub fail_on_new: bool,
    /// The severity --fail-on-new counts from.
    #[arg(long, value_name = "SEVERITY", default_value_t = defaults::FAIL_ON, value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Suppressions file or earlier report applied to NEW's findings (replaces
    /// the suppressions NEW was written with).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    /// A short human summary of new, resolved and not-assessed findings.
    Table,
    /// One JSON document with every list.
    Json,
}

/// The derives below make one definition serve both the flags (clap) and the
/// config file (serde, keys named as the long flags; see `config.rs`).
#[derive(Debug, Default, Args, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct AnalysisArgs {
    /// An account other than the owner that may appear as the source account (12 digits; repeatable).
    #[arg(long = "trusted-account", value_name = "ACCOUNT_ID")]
    #[serde(rename = "trusted-account")]
    pub trusted_accounts: Vec<String>,
    /// Your AWS Organization id; aws:SourceOrgID values other than these are foreign (repeatable).
    #[arg(long = "org-id", value_name = "ORG_ID")]
    #[serde(rename = "org-id")]
    pub org_ids: Vec<String>,
    /// Treat roles of passed-role services (EC2 instance roles, Lambda execution roles, Glue, CodeBuild...; CD100) as exposures.
    #[arg(long)]
    pub strict: bool,
    /// Also judge AWS-managed resources (service-linked roles, AWS-managed keys), for the record: their findings are info and never gate.
    #[arg(long)]
    pub show_aws_managed: bool,
    /// Also run preview rules (new rules not yet stable; `deputy-audit explain` marks them). Without it an upgrade never adds findings from a new rule.
    #[arg(long)]
    pub preview: bool,
    /// A resource control policy file (a policy document, or `aws organizations describe-policy` output) to judge findings against instead of reading the organization's RCPs (repeatable).
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcp_files: Vec<std::path::PathBuf>,
}

#[derive(Debug, Default, Args, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct OutputArgs {
    /// Report format (repeatable, each written once): table, json, csv, sarif, markdown, html. Default: table on stdout. Several formats need --output DIR.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    #[serde(rename = "format")]
    pub formats: Vec<Format>,
    /// A file for one format (its directory must exist; - is stdout), or a directory that receives deputy-audit-<account>-<timestamp>.<ext>: an existing one, or a path ending in / (created). Several formats need a directory. Checked before anything runs; never one of the inputs. A file is replaced atomically (through a symbolic link, its target is); a device or FIFO is written through.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding of this severity or higher is reported [default: medium].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Accepted findings: a previous JSON report, or {"suppressions":[{"finding_id","reason"}]}. They are reported as suppressed and do not count toward --fail-on.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// CSV: also one row per resource that passed (status `pass`), so the file lists every resource.
    #[arg(long)]
    pub include_passed: bool,
    /// Show only findings of this rule (CD001...; repeatable). What is shown only: --fail-on still counts every finding.
    #[arg(long = "rule", value_name = "RULE")]
    #[serde(rename = "rule")]
    pub rules: Vec<String>,
    /// Hide findings of this rule (repeatable). What is shown only: --fail-on still counts every finding.
    #[arg(long = "exclude-rule", value_name = "RULE")]
    #[serde(rename = "exclude-rule")]
    pub exclude_rules: Vec<String>,
    /// Show only findings of this severity or higher. What is shown only: --fail-on still counts every finding.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub min_severity: Option<Severity>,
    /// With --output DIR: one report file per account (deputy-audit-<account>-<timestamp>.<ext>) instead of one for all.
    #[arg(long)]
    pub split_accounts: bool,
}

/// Flags of `scan`. Every one can also be set in the config file under its
/// long name; a flag given here wins over the file, the file over the default.
/// The config file is read into this same struct (`config.rs`): a new flag is
/// a new key, with nothing to copy.
#[derive(Debug, Default, Args, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct ScanArgs {
    /// Config file (TOML). Default: ./deputy-audit.toml when it exists.
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Named profile from ~/.aws/config (SSO profiles included). Default: the AWS CLI's chain.
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to scan, as AWS writes it (us-east-1; repeatable). Default: the configured region.
    #[arg(long = "region", value_name = "REGION")]
    #[serde(rename = "region")]
    pub regions: Vec<String>,
    /// Scan every region enabled for the account (calls account:ListRegions).
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Send every request to this endpoint (LocalStack). AWS_ENDPOINT_URL is honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    // The help lists the registry's services (`Services to collect, comma-separated: iam, sqs, ... Default: all.`).
    #[arg(long, value_delimiter = ',', value_name = "SERVICES", value_parser = parse_service, help = crate::collect::services_help())]
    pub services: Vec<Service>,
    // The help lists the registered source kinds (`--sources none` reads none).
    #[arg(long, value_delimiter = ',', value_name = "KINDS", value_parser = parse_source, help = crate::collect::wiring::sources_help())]
    pub sources: Vec<crate::collect::wiring::SourceChoice>,
    /// Scan the account of this role, assumed through STS, instead of the caller's own: arn:aws:iam::<account>:role/<name> (repeatable; the caller's own account is then scanned only through a role given for it, or with --org).
    #[arg(long = "role-arn", value_name = "ARN")]
    #[serde(rename = "role-arn")]
    pub role_arns: Vec<String>,
    /// File of account ids or role ARNs to scan, one per line (# comments); ids use --org-role.
    #[arg(long, value_name = "FILE")]
    pub accounts_file: Option<PathBuf>,
    /// Scan every active account of the AWS Organization (organizations:ListAccounts), assuming --org-role in each.
    #[arg(long)]
    pub org: bool,
    /// Role name to assume in accounts given by id (--org, ids in --accounts-file).
    #[arg(long, value_name = "NAME")]
    pub org_role: Option<String>,
    /// External id for sts:AssumeRole.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Session name for sts:AssumeRole [default: deputy-audit].
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// Accounts scanned at once [default: 4].
    #[arg(long, value_parser = clap::value_parser!(u16).range(defaults::ACCOUNT_CONCURRENCY.range()))]
    pub account_concurrency: Option<u16>,
    /// Requests in flight per service and region [default: 16].
    #[arg(long, value_parser = clap::value_parser!(u16).range(defaults::CONCURRENCY.range()))]
    pub concurrency: Option<u16>,
    /// Attempts per request, first included (adaptive retry; throttling slows the scan down) [default: 10].
    #[arg(long, value_parser = clap::value_parser!(u32).range(defaults::MAX_ATTEMPTS.range()))]
    pub max_attempts: Option<u32>,
    /// Time limit for one request including its retries, in seconds [default: 60].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(defaults::TIMEOUT_SECS.range_u64()))]
    pub timeout: Option<u64>,
    /// No progress bars (they are drawn only when stderr is a terminal anyway) and no warnings.
    #[arg(long, short)]
    pub quiet: bool,
    /// Read from the same config file table (see `config.rs`).
    #[command(flatten)]
    #[serde(skip)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    #[serde(skip)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Policy files to analyze (each once, however its path is spelled; at most 256 KiB); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The account that owns the resources (12 digits). Without it, source accounts are not compared to the owner.
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: Option<String>,
    /// What kind of policy the files hold. Default: inferred from the actions (sts:AssumeRole means a trust policy).
    #[arg(long, value_name = "TYPE", value_parser = parse_resource_type)]
    pub resource_type: Option<ResourceType>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_service(s: &str) -> Result<Service, String> {
    s.parse()
}

fn parse_source(s: &str) -> Result<crate::collect::wiring::SourceChoice, String> {
    s.parse()
}

fn parse_resource_type(s: &str) -> Result<ResourceType, String> {
    s.parse()
}

impl AnalysisArgs {
    // `..Default::default()` keeps this compiling when the analyzer adds options.
    #[allow(clippy::needless_update)]
    pub(crate) fn options(&self) -> deputy_audit_analyze::AnalysisOptions {
        deputy_audit_analyze::AnalysisOptions {
            trusted_accounts: self.trusted_accounts.clone(),
            org_ids: self.org_ids.clone(),
            strict: self.strict,
            include_aws_managed: self.show_aws_managed,
            preview: self.preview,
        }
    }
}
