//! Syntax checks of the values a user gives (flags and config keys), run
//! before anything else so that a typo is a usage error naming the flag, not
//! an AWS error about credentials or a wrong value written into the report.

use anyhow::bail;

pub(crate) use deputy_audit_analyze::is_account_id;
use deputy_audit_analyze::Arn;

/// `origin` names where the value came from (`--account`, `config file x: trusted-account`).
pub(crate) fn account_id(origin: &str, value: &str) -> anyhow::Result<()> {
    if !is_account_id(value) {
        bail!("{origin} {value:?} is not an AWS account id (12 digits)");
    }
    Ok(())
}

/// A region as AWS writes it: `us-east-1`, `us-gov-west-1`, lower case, no
/// spaces. Region names end up in endpoint host names and in the report.
pub(crate) fn region(origin: &str, value: &str) -> anyhow::Result<()> {
    let lower_case = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !lower_case || !deputy_audit_analyze::knowledge::is_region(value) {
        bail!("{origin} {value:?} is not an AWS region (lower case, like us-east-1 or eu-west-2)");
    }
    Ok(())
}

/// `arn:<partition>:iam::<12-digit account>:role/<optional path/><name>`.
pub(crate) fn is_role_arn(arn: &str) -> bool {
    Arn::parse(arn).and_then(|a| a.role_name()).is_some()
}

pub(crate) fn role_arn(origin: &str, value: &str) -> anyhow::Result<()> {
    if !is_role_arn(value) {
        bail!("{origin} {value:?} is not a role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)");
    }
    Ok(())
}

/// An AWS Organizations id: `o-` and 10 to 32 lower-case letters or digits.
pub(crate) fn is_org_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

pub(crate) fn org_id(origin: &str, value: &str) -> anyhow::Result<()> {
    if !is_org_id(value) {
        bail!("{origin} {value:?} is not an AWS Organizations id (o- and 10 to 32 lower-case letters or digits, like o-a1b2c3d4e5)");
    }
    Ok(())
}

/// Why `value` is not an absolute http(s) URL with a host, if it is not.
fn endpoint_url_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        return Some("it is empty");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces or control characters");
    }
    let lower = value.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return Some("it does not start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => return Some("its IPv6 host has no closing ]"),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Some("it has no host");
    }
    if let Some(port) = port {
        if port.is_empty() || port.parse::<u16>().is_err() {
            return Some("its port is not a number from 0 to 65535");
        }
    }
    None
}

/// An endpoint URL (`--endpoint-url`, `AWS_ENDPOINT_URL`...): absolute, http or
/// https, with a host. The SDK panics on an empty one and turns others into
/// errors that blame the credentials.
pub(crate) fn endpoint_url(origin: &str, value: &str) -> anyhow::Result<()> {
    if let Some(problem) = endpoint_url_problem(value) {
        bail!("{origin} {value:?} is not an endpoint URL ({problem}; expected an absolute http:// or https:// URL with a host, like http://127.0.0.1:4566)");
    }
    Ok(())
}

/// `AWS_ENDPOINT_URL` and every `AWS_ENDPOINT_URL_<SERVICE>` set in the
/// environment, checked like `--endpoint-url`.
pub(crate) fn endpoint_url_variables() -> anyhow::Result<()> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            k.starts_with("AWS_ENDPOINT_URL")
                .then(|| (k, v.to_string_lossy().into_owned()))
        })
        .collect();
    vars.sort();
    for (name, value) in vars {
        endpoint_url(&name, &value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_follow_the_organizations_pattern() {
        assert!(is_org_id("o-a1b2c3d4e5"));
        assert!(is_org_id(&format!("o-{}", "a".repeat(32))));
        for bad in [
            "foo",
            "o-*",
            "",
            "o-",
            "o-ABCDEFGHIJ",
            "o-abc",
            "o-a1b2c3d4e5 ",
        ] {
            assert!(org_id("--org-id", bad).is_err(), "{bad}");
        }
        assert!(!is_org_id(&format!("o-{}", "a".repeat(33))));
    }

    #[test]
    fn endpoint_urls_are_absolute_http_with_a_host() {
        for ok in [
            "http://127.0.0.1:4566",
            "https://sqs.us-east-1.amazonaws.com",
            "HTTP://localhost/",
            "http://[::1]:4566/path",
        ] {
            assert!(endpoint_url("--endpoint-url", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "127.0.0.1:4566",
            "junk",
            "http://",
            "http:///x",
            "ftp://host",
            "http://host:port",
            "http://host :1",
            "http://[::1",
        ] {
            let err = endpoint_url("--endpoint-url", bad).unwrap_err().to_string();
            assert!(
                err.contains("--endpoint-url") && err.contains("not an endpoint URL"),
                "{err}"
            );
        }
    }

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
