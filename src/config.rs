//! `deputy-audit.toml`: everything a scheduled job would otherwise pass as
//! flags. Keys are the long flag names (`fail-on`, `role-arn`, `region`...);
//! list-valued flags take TOML arrays. A flag on the command line wins over
//! the file, the file over the built-in default. Unknown keys are an error
//! that names them, so a typo never silently changes what is audited.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use deputy_audit_analyze::{AnalysisOptions, Severity};
use serde::Deserialize;

use crate::cli::ScanArgs;
use crate::collect::{AccountOptions, SessionOptions};
use crate::report::Format;
use crate::scan::ScanRequest;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "deputy-audit.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub profile: Option<String>,
    #[serde(default)]
    pub region: Vec<String>,
    pub all_regions: Option<bool>,
    pub endpoint_url: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub role_arn: Vec<String>,
    pub accounts_file: Option<PathBuf>,
    pub org: Option<bool>,
    pub org_role: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub account_concurrency: Option<u16>,
    pub concurrency: Option<u16>,
    pub max_attempts: Option<u32>,
    pub timeout: Option<u64>,
    pub quiet: Option<bool>,
    #[serde(default)]
    pub trusted_account: Vec<String>,
    #[serde(default)]
    pub org_id: Vec<String>,
    pub strict: Option<bool>,
    pub show_aws_managed: Option<bool>,
    #[serde(default)]
    pub format: Vec<Format>,
    pub output: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
    /// The file this was read from, if any (an input `--output` must not overwrite).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl ConfigFile {
    /// Reads `--config`, else `./deputy-audit.toml` if present, else nothing.
    pub fn discover(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
        match explicit {
            Some(path) => Self::load(path),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::load(Path::new(DEFAULT_CONFIG_FILE))
            }
            None => Ok(ConfigFile::default()),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<ConfigFile> {
        let text = crate::input::read_text(path, "config file", crate::input::SETTINGS_LIMIT)?;
        let mut config =
            Self::parse(&text).with_context(|| format!("config file {}", path.display()))?;
        config.source = Some(path.to_path_buf());
        // Paths in the file are relative to the file, so a job's config works
        // from whatever directory cron or systemd starts it in.
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [
            &mut config.accounts_file,
            &mut config.output,
            &mut config.baseline,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    pub fn parse(text: &str) -> anyhow::Result<ConfigFile> {
        let config: ConfigFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
        in_range("concurrency", config.concurrency.map(u64::from), 1, 256)?;
        in_range(
            "account-concurrency",
            config.account_concurrency.map(u64::from),
            1,
            64,
        )?;
        in_range("max-attempts", config.max_attempts.map(u64::from), 1, 50)?;
        in_range("timeout", config.timeout, 1, 3600)?;
        validate_values("region", &config.region, crate::validate::region)?;
        validate_values("role-arn", &config.role_arn, crate::validate::role_arn)?;
        validate_values(
            "trusted-account",
            &config.trusted_account,
            crate::validate::account_id,
        )?;
        crate::collect::select(&config.services).map_err(|e| anyhow::anyhow!("services: {e}"))?;
        validate_values("org-id", &config.org_id, crate::validate::org_id)?;
        if let Some(url) = &config.endpoint_url {
            crate::validate::endpoint_url("endpoint-url", url)?;
        }
        Ok(config)
    }
}

fn in_range(key: &str, value: Option<u64>, min: u64, max: u64) -> anyhow::Result<()> {
    match value {
        Some(v) if !(min..=max).contains(&v) => {
            bail!("{key} = {v} is out of range ({min} to {max})")
        }
        _ => Ok(()),
    }
}

/// Checks every value of a list (`key` is the config key or the flag, as the
/// user wrote it, so the message points at it).
fn validate_values(
    key: &str,
    values: &[String],
    check: fn(&str, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    values.iter().try_for_each(|v| check(key, v))
}

/// A scan's settings after flags and config file are merged.
pub struct ResolvedScan {
    pub request: ScanRequest,
    pub formats: Vec<Format>,
    pub output: Option<PathBuf>,
    pub fail_on: Severity,
    pub quiet: bool,
    /// `--baseline` (or `baseline` in the file).
    pub baseline: Option<PathBuf>,
    /// The config file read, if any.
    pub config: Option<PathBuf>,
}

/// Flags win over the file, the file over defaults. A list flag given at all
/// replaces the file's list rather than adding to it.
pub fn resolve(args: ScanArgs) -> anyhow::Result<ResolvedScan> {
    // Flags first: a bad flag is reported as the flag, whatever the file says.
    validate_values("--region", &args.regions, crate::validate::region)?;
    validate_values("--role-arn", &args.role_arns, crate::validate::role_arn)?;
    validate_values(
        "--trusted-account",
        &args.analysis.trusted_accounts,
        crate::validate::account_id,
    )?;
    crate::collect::select(&args.services).map_err(|e| anyhow::anyhow!("--services: {e}"))?;
    validate_values("--org-id", &args.analysis.org_ids, crate::validate::org_id)?;
    if let Some(url) = &args.endpoint_url {
        crate::validate::endpoint_url("--endpoint-url", url)?;
    }
    // The SDK reads these itself (a service's own variable even over
    // --endpoint-url): checked whatever else is set.
    crate::validate::endpoint_url_variables()?;
    let file = ConfigFile::discover(args.config.as_deref())?;
    let list =
        |flag: Vec<String>, from_file: Vec<String>| if flag.is_empty() { from_file } else { flag };
    let all_regions = args.all_regions || file.all_regions.unwrap_or(false);
    let regions = list(args.regions, file.region);
    if all_regions && !regions.is_empty() {
        bail!("--all-regions and --region exclude each other (one of them may come from the config file)");
    }
    let mut formats = if args.output.formats.is_empty() {
        file.format
    } else {
        args.output.formats
    };
    if formats.is_empty() {
        formats.push(Format::Table);
    }
    let formats = crate::report::unique_formats(formats);
    let accounts_file = args.accounts_file.or(file.accounts_file);
    // Read now, though the targets are resolved later: a bad line is a usage
    // error before the first AWS call, not after connecting.
    if let Some(path) = &accounts_file {
        crate::collect::read_accounts_file(path)?;
    }
    let request = ScanRequest {
        session: SessionOptions {
            profile: args.profile.or(file.profile),
            endpoint_url: args.endpoint_url.or(file.endpoint_url),
            concurrency: usize::from(args.concurrency.or(file.concurrency).unwrap_or(16)),
            max_attempts: args.max_attempts.or(file.max_attempts).unwrap_or(10),
            timeout: Duration::from_secs(args.timeout.or(file.timeout).unwrap_or(60)),
        },
        regions,
        all_regions,
        services: list(args.services, file.services),
        accounts: AccountOptions {
            role_arns: list(args.role_arns, file.role_arn),
            accounts_file,
            org: args.org || file.org.unwrap_or(false),
            org_role: args.org_role.or(file.org_role),
            external_id: args.external_id.or(file.external_id),
            session_name: args
                .session_name
                .or(file.session_name)
                .unwrap_or_else(|| "deputy-audit".into()),
        },
        account_concurrency: usize::from(
            args.account_concurrency
                .or(file.account_concurrency)
                .unwrap_or(4),
        ),
        analysis: AnalysisOptions {
            trusted_accounts: list(args.analysis.trusted_accounts, file.trusted_account),
            org_ids: list(args.analysis.org_ids, file.org_id),
            strict: args.analysis.strict || file.strict.unwrap_or(false),
            include_aws_managed: args.analysis.show_aws_managed
                || file.show_aws_managed.unwrap_or(false),
        },
    };
    Ok(ResolvedScan {
        request,
        formats,
        output: args.output.output.or(file.output),
        fail_on: args
            .output
            .fail_on
            .or(file.fail_on)
            .unwrap_or(Severity::Medium),
        quiet: args.quiet || file.quiet.unwrap_or(false),
        baseline: args.output.baseline.or(file.baseline),
        config: file.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn scan_args(argv: &[&str]) -> ScanArgs {
        let mut full = vec!["deputy-audit", "scan"];
        full.extend_from_slice(argv);
        match crate::cli::Cli::parse_from(full).command {
            crate::cli::Command::Scan(args) => args,
            _ => unreachable!("parsed a scan command"),
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = format!(
            "{:#}",
            ConfigFile::parse("regoin = [\"us-east-1\"]\n").unwrap_err()
        );
        assert!(err.contains("regoin"), "{err}");
    }

    #[test]
    fn wrong_types_and_ranges_are_errors() {
        assert!(ConfigFile::parse("concurrency = \"many\"").is_err());
        let err = ConfigFile::parse("concurrency = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("concurrency = 0 is out of range"), "{err}");
        let err = format!(
            "{:#}",
            ConfigFile::parse("fail-on = \"critical\"").unwrap_err()
        );
        assert!(err.contains("critical"), "{err}");
    }

    #[test]
    fn baseline_and_report_formats_come_from_the_file_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deputy-audit.toml");
        std::fs::write(
            &path,
            "baseline = \"accepted.json\"\nformat = [\"sarif\", \"markdown\"]\n",
        )
        .expect("write");
        let config = path.to_str().expect("utf-8 path");
        let from_file = resolve(scan_args(&["--config", config])).expect("resolves");
        assert_eq!(
            from_file.baseline,
            Some(dir.path().join("accepted.json")),
            "relative to the file"
        );
        assert_eq!(from_file.formats, vec![Format::Sarif, Format::Markdown]);
        let flag =
            resolve(scan_args(&["--config", config, "--baseline", "b.json"])).expect("resolves");
        assert_eq!(flag.baseline, Some(PathBuf::from("b.json")));
    }

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deputy-audit.toml");
        std::fs::write(
            &path,
            "region = [\"eu-west-1\"]\nfail-on = \"high\"\nconcurrency = 4\nformat = [\"json\"]\noutput = \"out\"\nrole-arn = [\"arn:aws:iam::111122223333:role/A\"]\nstrict = true\n",
        )
        .expect("write");
        let config = path.to_str().expect("utf-8 path");

        let from_file = resolve(scan_args(&["--config", config])).expect("resolves");
        assert_eq!(from_file.request.regions, vec!["eu-west-1"]);
        assert_eq!(from_file.fail_on, Severity::High);
        assert_eq!(from_file.request.session.concurrency, 4);
        assert_eq!(from_file.formats, vec![Format::Json]);
        assert_eq!(
            from_file.output,
            Some(dir.path().join("out")),
            "relative to the file"
        );
        assert!(from_file.request.analysis.strict);
        assert_eq!(
            from_file.request.session.max_attempts, 10,
            "built-in default"
        );

        let flags = resolve(scan_args(&[
            "--config",
            config,
            "--region",
            "us-east-2",
            "--fail-on",
            "low",
            "--concurrency",
            "32",
            "--format",
            "csv",
        ]))
        .expect("resolves");
        assert_eq!(flags.request.regions, vec!["us-east-2"]);
        assert_eq!(flags.fail_on, Severity::Low);
        assert_eq!(flags.request.session.concurrency, 32);
        assert_eq!(flags.formats, vec![Format::Csv]);
        assert_eq!(
            flags.request.accounts.role_arns,
            vec!["arn:aws:iam::111122223333:role/A"]
        );
    }

    #[test]
    fn all_regions_excludes_regions_from_either_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "region = [\"eu-west-1\"]\n").expect("write");
        let err = resolve(scan_args(&[
            "--config",
            path.to_str().unwrap(),
            "--all-regions",
        ]))
        .err()
        .expect("conflict")
        .to_string();
        assert!(err.contains("--all-regions"), "{err}");
    }

    #[test]
    fn missing_explicit_config_is_an_error_naming_it() {
        let err = format!(
            "{:#}",
            ConfigFile::discover(Some(Path::new("/nonexistent/x.toml"))).unwrap_err()
        );
        assert!(err.contains("/nonexistent/x.toml"), "{err}");
    }
}
