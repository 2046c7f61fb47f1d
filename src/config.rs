//! `deputy-audit.toml`: everything a scheduled job would otherwise pass as
//! flags. Keys are the long flag names (`fail-on`, `role-arn`, `region`...);
//! list-valued flags take TOML arrays. A flag on the command line wins over
//! the file, the file over the built-in default. Unknown keys are an error
//! that names them, so a typo never silently changes what is audited.
//!
//! The file is read into the very struct clap fills ([`ScanArgs`], with its
//! flattened [`AnalysisArgs`](crate::cli::AnalysisArgs) and
//! [`OutputArgs`](crate::cli::OutputArgs)), and the keys it may hold are the
//! long names of those flags: adding a flag adds its key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use crate::cli::ScanArgs;
use crate::collect::{AccountOptions, SessionOptions};
use crate::defaults::{self, ACCOUNT_CONCURRENCY, CONCURRENCY, MAX_ATTEMPTS, TIMEOUT_SECS};
use crate::report::Format;
use crate::scan::ScanRequest;

/// The file looked for in the working directory when `--config` is not given.
pub(crate) const DEFAULT_CONFIG_FILE: &str = "deputy-audit.toml";

/// The flag that names the file, the one flag the file cannot hold.
const CONFIG_FLAG: &str = "config";

#[derive(Debug, Default)]
pub(crate) struct ConfigFile {
    /// The settings, as if given as flags.
    pub args: ScanArgs,
    /// The file this was read from, if any (an input `--output` must not overwrite).
    pub source: Option<PathBuf>,
}

/// The keys a config file may hold: the long names of `scan`'s flags.
fn config_keys() -> Vec<String> {
    ScanArgs::augment_args(clap::Command::new("scan"))
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .filter(|long| *long != CONFIG_FLAG)
        .map(str::to_string)
        .collect()
}

impl ConfigFile {
    /// Reads `--config`, else `./deputy-audit.toml` if present, else nothing.
    pub(crate) fn discover(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
        match explicit {
            Some(path) => Self::load(path),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::load(Path::new(DEFAULT_CONFIG_FILE))
            }
            None => Ok(ConfigFile::default()),
        }
    }

    pub(crate) fn load(path: &Path) -> anyhow::Result<ConfigFile> {
        let text = crate::input::read_text(path, "config file", crate::input::SETTINGS_LIMIT)?;
        let mut config =
            Self::parse(&text).with_context(|| format!("config file {}", path.display()))?;
        config.source = Some(path.to_path_buf());
        // Paths in the file are relative to the file, so a job's config works
        // from whatever directory cron or systemd starts it in.
        let base = path.parent().unwrap_or(Path::new(""));
        let args = &mut config.args;
        for p in [
            &mut args.accounts_file,
            &mut args.output.output,
            &mut args.output.baseline,
        ]
        .into_iter()
        .flatten()
        .chain(args.analysis.rcp_files.iter_mut())
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    pub(crate) fn parse(text: &str) -> anyhow::Result<ConfigFile> {
        let toml_error = |e: toml::de::Error| anyhow::anyhow!("{}", e.to_string().trim_end());
        let table: toml::Table = toml::from_str(text).map_err(toml_error)?;
        let known = config_keys();
        if let Some(key) = table.keys().find(|key| !known.contains(key)) {
            let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            bail!(
                "unknown field `{key}`, expected one of {}",
                expected.join(", ")
            );
        }
        // Each part reads the keys it knows from the same text (so that type
        // errors keep TOML's line, column and key).
        let mut args: ScanArgs = toml::from_str(text).map_err(toml_error)?;
        args.analysis = toml::from_str(text).map_err(toml_error)?;
        args.output = toml::from_str(text).map_err(toml_error)?;
        CONCURRENCY.check(args.concurrency.map(u64::from))?;
        ACCOUNT_CONCURRENCY.check(args.account_concurrency.map(u64::from))?;
        MAX_ATTEMPTS.check(args.max_attempts.map(u64::from))?;
        TIMEOUT_SECS.check(args.timeout)?;
        validate_values("region", &args.regions, crate::validate::region)?;
        validate_values("role-arn", &args.role_arns, crate::validate::role_arn)?;
        validate_values(
            "trusted-account",
            &args.analysis.trusted_accounts,
            crate::validate::account_id,
        )?;
        validate_values("org-id", &args.analysis.org_ids, crate::validate::org_id)?;
        if let Some(url) = &args.endpoint_url {
            crate::validate::endpoint_url("endpoint-url", url)?;
        }
        Ok(ConfigFile { args, source: None })
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
pub(crate) struct ResolvedScan {
    pub request: ScanRequest,
    pub formats: Vec<Format>,
    pub output: Option<PathBuf>,
    pub fail_on: deputy_audit_analyze::Severity,
    pub quiet: bool,
    /// `--baseline` (or `baseline` in the file).
    pub baseline: Option<PathBuf>,
    /// The config file read, if any.
    pub config: Option<PathBuf>,
    /// How the reports are presented (`--include-passed`...).
    pub view: crate::report::View,
}

/// A list flag given at all replaces the file's list rather than adding to it.
fn list<T>(flag: Vec<T>, from_file: Vec<T>) -> Vec<T> {
    if flag.is_empty() {
        from_file
    } else {
        flag
    }
}

/// Flags win over the file: every field of `args` that was given replaces
/// the file's.
fn merge(args: ScanArgs, file: ScanArgs) -> ScanArgs {
    ScanArgs {
        config: args.config,
        profile: args.profile.or(file.profile),
        regions: list(args.regions, file.regions),
        all_regions: args.all_regions || file.all_regions,
        endpoint_url: args.endpoint_url.or(file.endpoint_url),
        services: list(args.services, file.services),
        sources: list(args.sources, file.sources),
        role_arns: list(args.role_arns, file.role_arns),
        accounts_file: args.accounts_file.or(file.accounts_file),
        org: args.org || file.org,
        org_role: args.org_role.or(file.org_role),
        external_id: args.external_id.or(file.external_id),
        session_name: args.session_name.or(file.session_name),
        account_concurrency: args.account_concurrency.or(file.account_concurrency),
        concurrency: args.concurrency.or(file.concurrency),
        max_attempts: args.max_attempts.or(file.max_attempts),
        timeout: args.timeout.or(file.timeout),
        quiet: args.quiet || file.quiet,
        analysis: crate::cli::AnalysisArgs {
            trusted_accounts: list(
                args.analysis.trusted_accounts,
                file.analysis.trusted_accounts,
            ),
            org_ids: list(args.analysis.org_ids, file.analysis.org_ids),
            strict: args.analysis.strict || file.analysis.strict,
            show_aws_managed: args.analysis.show_aws_managed || file.analysis.show_aws_managed,
            rcp_files: list(args.analysis.rcp_files, file.analysis.rcp_files),
            preview: args.analysis.preview || file.analysis.preview,
        },
        output: crate::cli::OutputArgs {
            formats: list(args.output.formats, file.output.formats),
            output: args.output.output.or(file.output.output),
            fail_on: args.output.fail_on.or(file.output.fail_on),
            baseline: args.output.baseline.or(file.output.baseline),
            include_passed: args.output.include_passed || file.output.include_passed,
            rules: list(args.output.rules, file.output.rules),
            exclude_rules: list(args.output.exclude_rules, file.output.exclude_rules),
            min_severity: args.output.min_severity.or(file.output.min_severity),
            split_accounts: args.output.split_accounts || file.output.split_accounts,
        },
    }
}

/// Flags win over the file, the file over defaults.
pub(crate) fn resolve(args: ScanArgs) -> anyhow::Result<ResolvedScan> {
    // Flags first: a bad flag is reported as the flag, whatever the file says.
    validate_values("--region", &args.regions, crate::validate::region)?;
    validate_values("--role-arn", &args.role_arns, crate::validate::role_arn)?;
    validate_values(
        "--trusted-account",
        &args.analysis.trusted_accounts,
        crate::validate::account_id,
    )?;
    validate_values("--org-id", &args.analysis.org_ids, crate::validate::org_id)?;
    if let Some(url) = &args.endpoint_url {
        crate::validate::endpoint_url("--endpoint-url", url)?;
    }
    // The SDK reads these itself (a service's own variable even over
    // --endpoint-url): checked whatever else is set.
    crate::validate::endpoint_url_variables()?;
    let file = ConfigFile::discover(args.config.as_deref())?;
    let args = merge(args, file.args);
    if args.all_regions && !args.regions.is_empty() {
        bail!("--all-regions and --region exclude each other (one of them may come from the config file)");
    }
    crate::collect::wiring::selected(&args.sources).map_err(anyhow::Error::msg)?;
    let view = crate::report::View::from_output(&args.output)?;
    let mut formats = args.output.formats;
    if formats.is_empty() {
        formats.push(Format::Table);
    }
    let formats = crate::report::unique_formats(formats);
    // Read now, though the targets are resolved later: a bad line is a usage
    // error before the first AWS call, not after connecting.
    if let Some(path) = &args.accounts_file {
        crate::collect::read_accounts_file(path)?;
    }
    let or_default =
        |value: Option<u64>, setting: defaults::Setting| value.unwrap_or(setting.default);
    let rcp_files = args.analysis.rcp_files.clone();
    let request = ScanRequest {
        session: SessionOptions {
            profile: args.profile,
            endpoint_url: args.endpoint_url,
            concurrency: or_default(args.concurrency.map(u64::from), CONCURRENCY) as usize,
            max_attempts: or_default(args.max_attempts.map(u64::from), MAX_ATTEMPTS) as u32,
            timeout: Duration::from_secs(or_default(args.timeout, TIMEOUT_SECS)),
        },
        regions: args.regions,
        all_regions: args.all_regions,
        services: args.services,
        sources: args.sources,
        accounts: AccountOptions {
            role_arns: args.role_arns,
            accounts_file: args.accounts_file,
            org: args.org,
            org_role: args.org_role,
            external_id: args.external_id,
            session_name: args
                .session_name
                .unwrap_or_else(|| defaults::SESSION_NAME.into()),
        },
        account_concurrency: or_default(
            args.account_concurrency.map(u64::from),
            ACCOUNT_CONCURRENCY,
        ) as usize,
        rcp_files,
        analysis: args.analysis.options(),
    };
    Ok(ResolvedScan {
        request,
        formats,
        output: args.output.output,
        fail_on: args.output.fail_on.unwrap_or(defaults::FAIL_ON),
        quiet: args.quiet,
        baseline: args.output.baseline,
        config: file.source,
        view,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use deputy_audit_analyze::Severity;

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
    fn sources_come_from_the_flag_or_the_file() {
        use crate::collect::wiring::SourceChoice;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deputy-audit.toml");
        std::fs::write(&path, "sources = [\"none\"]\n").expect("write");
        let config = path.to_str().expect("utf-8 path");
        let from_file = resolve(scan_args(&["--config", config])).expect("resolves");
        assert_eq!(from_file.request.sources, vec![SourceChoice::None]);
        let flag = resolve(scan_args(&[
            "--config",
            config,
            "--sources",
            "sns-subscriptions",
        ]))
        .expect("resolves");
        assert_eq!(flag.request.sources.len(), 1);
        assert_eq!(flag.request.sources[0].name(), "sns-subscriptions");
        let err = format!(
            "{:#}",
            ConfigFile::parse("sources = [\"cloudtrial\"]").unwrap_err()
        );
        assert!(err.contains("unknown source kind 'cloudtrial'"), "{err}");
        let mixed = resolve(scan_args(&["--sources", "none,sns-subscriptions"]));
        let err = format!("{:#}", mixed.err().expect("none with others is refused"));
        assert!(err.contains("cannot be combined"), "{err}");
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
    fn preview_comes_from_the_flag_or_the_file() {
        assert!(
            !resolve(scan_args(&[]))
                .expect("resolves")
                .request
                .analysis
                .preview
        );
        assert!(
            resolve(scan_args(&["--preview"]))
                .expect("resolves")
                .request
                .analysis
                .preview
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "preview = true\n").expect("write");
        let from_file =
            resolve(scan_args(&["--config", path.to_str().unwrap()])).expect("resolves");
        assert!(from_file.request.analysis.preview);
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
