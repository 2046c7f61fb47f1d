//! The built-in defaults and allowed ranges of `scan`'s numeric settings,
//! named once: the flags (`cli.rs`), the config file (`config.rs`) and the
//! AWS session (`collect/session.rs`) all read them from here.

use std::ops::RangeInclusive;

/// A numeric setting: its default and the values accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting {
    /// The flag's long name, also the config file key.
    pub key: &'static str,
    pub default: u64,
    pub min: u64,
    pub max: u64,
}

impl Setting {
    /// For clap's `value_parser!(..).range(..)`.
    pub(crate) const fn range(&self) -> RangeInclusive<i64> {
        (self.min as i64)..=(self.max as i64)
    }

    /// For clap's `value_parser!(u64).range(..)`.
    pub(crate) const fn range_u64(&self) -> RangeInclusive<u64> {
        self.min..=self.max
    }

    /// A value from the config file, where clap's check does not run.
    pub(crate) fn check(&self, value: Option<u64>) -> anyhow::Result<()> {
        match value {
            Some(v) if !(self.min..=self.max).contains(&v) => {
                anyhow::bail!(
                    "{} = {v} is out of range ({} to {})",
                    self.key,
                    self.min,
                    self.max
                )
            }
            _ => Ok(()),
        }
    }
}

/// `--concurrency`: requests in flight per service and region.
pub(crate) const CONCURRENCY: Setting = Setting {
    key: "concurrency",
    default: 16,
    min: 1,
    max: 256,
};

/// `--account-concurrency`: accounts scanned at once.
pub(crate) const ACCOUNT_CONCURRENCY: Setting = Setting {
    key: "account-concurrency",
    default: 4,
    min: 1,
    max: 64,
};

/// `--max-attempts`: attempts per request, the first included.
pub(crate) const MAX_ATTEMPTS: Setting = Setting {
    key: "max-attempts",
    default: 10,
    min: 1,
    max: 50,
};

/// `--timeout`: seconds for one request, its retries included.
pub(crate) const TIMEOUT_SECS: Setting = Setting {
    key: "timeout",
    default: 60,
    min: 1,
    max: 3600,
};

/// `--session-name` for sts:AssumeRole.
pub(crate) const SESSION_NAME: &str = "deputy-audit";

/// `--fail-on`.
pub(crate) const FAIL_ON: deputy_audit_analyze::Severity = deputy_audit_analyze::Severity::Medium;

#[cfg(test)]
mod tests {
    use clap::Args;

    use super::*;

    /// The flags' help states each default in words; it must say these.
    #[test]
    fn help_states_the_defaults() {
        let command = crate::cli::ScanArgs::augment_args(clap::Command::new("scan"));
        for setting in [CONCURRENCY, ACCOUNT_CONCURRENCY, MAX_ATTEMPTS, TIMEOUT_SECS] {
            let help = command
                .get_arguments()
                .find(|a| a.get_long() == Some(setting.key))
                .and_then(|a| a.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                help.contains(&format!("[default: {}]", setting.default)),
                "--{}: {help}",
                setting.key
            );
        }
    }
}
