//! Syntax checks of the values a user gives (flags and config keys), run
//! before anything else so that a typo is a usage error naming the flag, not
//! an AWS error about credentials or a wrong value written into the report.

use anyhow::bail;

pub use deputy_audit_analyze::is_account_id;
use deputy_audit_analyze::Arn;

/// `origin` names where the value came from (`--account`, `config file x: trusted-account`).
pub fn account_id(origin: &str, value: &str) -> anyhow::Result<()> {
    if !is_account_id(value) {
        bail!("{origin} {value:?} is not an AWS account id (12 digits)");
    }
    Ok(())
}

/// A region as AWS writes it: `us-east-1`, `us-gov-west-1`, lower case, no
/// spaces. Region names end up in endpoint host names and in the report.
pub fn region(origin: &str, value: &str) -> anyhow::Result<()> {
    let lower_case = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !lower_case || !deputy_audit_analyze::knowledge::is_region(value) {
        bail!("{origin} {value:?} is not an AWS region (lower case, like us-east-1 or eu-west-2)");
    }
    Ok(())
}

/// `arn:<partition>:iam::<12-digit account>:role/<optional path/><name>`.
pub fn is_role_arn(arn: &str) -> bool {
    Arn::parse(arn).and_then(|a| a.role_name()).is_some()
}

pub fn role_arn(origin: &str, value: &str) -> anyhow::Result<()> {
    if !is_role_arn(value) {
        bail!("{origin} {value:?} is not a role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_lower_case_aws_names() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-2"] {
            assert!(region("--region", ok).is_ok(), "{ok}");
        }
        for bad in [
            "us-east-1 ",
            "../../etc",
            "",
            "US-EAST-1",
            "us-east",
            "east-1",
        ] {
            let err = region("--region", bad).unwrap_err().to_string();
            assert!(
                err.contains("--region") && err.contains("not an AWS region"),
                "{err}"
            );
        }
    }

    #[test]
    fn role_arns_need_a_name() {
        assert!(is_role_arn("arn:aws:iam::111122223333:role/Audit"));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::111122223333:role/path/Audit"
        ));
        for bad in [
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/path/",
            "arn:aws:iam::111122223333:user/Audit",
            "arn:aws:iam::abc:role/Audit",
            "arn:aws:sts::111122223333:role/Audit",
            "111122223333",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(account_id("--account", "111122223333").is_ok());
        for bad in ["abc", "11112222333", "1111222233334", ""] {
            assert!(account_id("--account", bad).is_err(), "{bad}");
        }
    }
}
