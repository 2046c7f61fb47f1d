//! Which accounts a scan covers: the caller's own, or roles to assume in
//! others, named on the command line, in an accounts file, or found by
//! listing an AWS Organization.

use std::path::Path;

use anyhow::{bail, Context};
use aws_config::SdkConfig;

use super::session::AssumeRoleTarget;
use super::{describe_sdk_error, paginate, EmptyAnswerGuard, ReadOnlyGuard};

/// How to reach the other accounts.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountOptions {
    pub role_arns: Vec<String>,
    pub accounts_file: Option<std::path::PathBuf>,
    /// List the accounts of the caller's AWS Organization.
    pub org: bool,
    /// The role name to assume in accounts given by id (`--org`, ids in the file).
    pub org_role: Option<String>,
    pub external_id: Option<String>,
    pub session_name: String,
}

impl AccountOptions {
    /// True when the scan covers only the caller's own account.
    pub(crate) fn is_single_account(&self) -> bool {
        self.role_arns.is_empty() && self.accounts_file.is_none() && !self.org
    }

    fn target(&self, role_arn: String) -> AssumeRoleTarget {
        AssumeRoleTarget {
            role_arn,
            external_id: self.external_id.clone(),
            session_name: self.session_name.clone(),
        }
    }

    fn role_for_account(
        &self,
        partition: &str,
        account_id: &str,
        origin: &str,
    ) -> anyhow::Result<String> {
        let Some(role) = &self.org_role else {
            bail!("{origin} names account {account_id} by id: pass --org-role NAME to say which role to assume in it");
        };
        Ok(format!("arn:{partition}:iam::{account_id}:role/{role}"))
    }
}

/// Resolves every role to assume. `None` in the result stands for the caller's
/// own account (its own credentials are used, nothing is assumed).
pub(crate) async fn resolve_targets(
    options: &AccountOptions,
    base: &SdkConfig,
    caller_account: &str,
    partition: &str,
) -> anyhow::Result<Vec<Option<AssumeRoleTarget>>> {
    if options.is_single_account() {
        return Ok(vec![None]);
    }
    let mut roles: Vec<String> = Vec::new();
    for arn in &options.role_arns {
        validate_role_arn(arn).with_context(|| format!("--role-arn {arn}"))?;
        roles.push(arn.clone());
    }
    if let Some(path) = &options.accounts_file {
        for (account_or_role, line) in read_accounts_file(path)? {
            let origin = format!("{}:{line}", path.display());
            if is_account_id(&account_or_role) {
                roles.push(options.role_for_account(partition, &account_or_role, &origin)?);
            } else {
                roles.push(account_or_role);
            }
        }
    }
    let mut targets: Vec<Option<AssumeRoleTarget>> = Vec::new();
    if options.org {
        for account in list_organization_accounts(base).await? {
            if account == caller_account {
                // The management (or delegated) account is scanned with the
                // caller's own credentials: a role to assume there is rarely set up.
                targets.push(None);
            } else {
                roles.push(options.role_for_account(partition, &account, "--org")?);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    roles.retain(|r| seen.insert(r.clone()));
    targets.dedup();
    targets.extend(roles.into_iter().map(|r| Some(options.target(r))));
    Ok(targets)
}

use crate::validate::is_account_id;

fn validate_role_arn(arn: &str) -> anyhow::Result<()> {
    if !crate::validate::is_role_arn(arn) {
        bail!("not a role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)");
    }
    Ok(())
}

/// Reads account ids or role ARNs, one per line; `#` starts a comment.
/// Returns each entry with its line number, for error messages.
pub(crate) fn read_accounts_file(path: &Path) -> anyhow::Result<Vec<(String, usize)>> {
    let text = crate::input::read_text(path, "accounts file", crate::input::SETTINGS_LIMIT)?;
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        if !is_account_id(line) {
            validate_role_arn(line).with_context(|| {
                format!(
                    "{}:{number}: '{line}' is neither a 12-digit account id nor a role ARN",
                    path.display()
                )
            })?;
        }
        entries.push((line.to_string(), number));
    }
    if entries.is_empty() {
        bail!("accounts file {} lists no accounts", path.display());
    }
    Ok(entries)
}

/// The active accounts of the caller's organization (organizations:ListAccounts).
async fn list_organization_accounts(base: &SdkConfig) -> anyhow::Result<Vec<String>> {
    let config = aws_sdk_organizations::config::Builder::from(base)
        .interceptor(ReadOnlyGuard)
        .interceptor(EmptyAnswerGuard)
        .build();
    let client = aws_sdk_organizations::Client::from_conf(config);
    let mut pages = paginate(client.list_accounts().into_paginator().send());
    let mut accounts = Vec::new();
    while let Some(page) = futures::StreamExt::next(&mut pages).await {
        let page = page
            .map_err(|e| anyhow::anyhow!(describe_sdk_error(&e)))
            .context("--org: organizations:ListAccounts failed (run from the management account or a delegated administrator)")?;
        for account in page.accounts.unwrap_or_default() {
            let active = account
                .state
                .as_ref()
                .map(|s| s.as_str() == "ACTIVE")
                .or_else(|| account.status.as_ref().map(|s| s.as_str() == "ACTIVE"))
                .unwrap_or(true);
            if let (true, Some(id)) = (active, account.id) {
                accounts.push(id);
            }
        }
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_file_accepts_ids_arns_and_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("accounts.txt");
        std::fs::write(
            &path,
            "# production\n111122223333\n\narn:aws:iam::444455556666:role/Audit  # staging\n",
        )
        .expect("write");
        let entries = read_accounts_file(&path).expect("parses");
        assert_eq!(
            entries,
            vec![
                ("111122223333".to_string(), 2),
                ("arn:aws:iam::444455556666:role/Audit".to_string(), 4)
            ]
        );
    }

    #[test]
    fn accounts_file_errors_name_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("accounts.txt");
        std::fs::write(&path, "111122223333\n12345\n").expect("write");
        let err = format!("{:#}", read_accounts_file(&path).unwrap_err());
        assert!(
            err.contains("accounts.txt:2") && err.contains("'12345'"),
            "{err}"
        );
    }

    #[test]
    fn account_ids_need_a_role_name() {
        let options = AccountOptions::default();
        let err = options
            .role_for_account("aws", "111122223333", "f:1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--org-role"), "{err}");
        let options = AccountOptions {
            org_role: Some("Audit".into()),
            ..Default::default()
        };
        assert_eq!(
            options
                .role_for_account("aws", "111122223333", "f:1")
                .unwrap(),
            "arn:aws:iam::111122223333:role/Audit"
        );
    }

    #[test]
    fn role_arns_are_validated() {
        assert!(validate_role_arn("arn:aws:iam::111122223333:role/x").is_ok());
        assert!(validate_role_arn("arn:aws:iam::111122223333:user/x").is_err());
        assert!(validate_role_arn("111122223333").is_err());
        assert!(validate_role_arn("arn:aws:iam::111122223333:role/").is_err());
    }
}
