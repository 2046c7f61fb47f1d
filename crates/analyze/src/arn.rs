//! ARNs and account ids, parsed in one place for the whole workspace.

/// An ARN split into its six fields: `arn:partition:service:region:account:resource`.
/// The resource keeps any further `:` or `/` (`topic:with:colons`, `role/path/name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    /// Empty for global services (IAM, S3 buckets).
    pub region: &'a str,
    /// Empty where the ARN carries none (S3 buckets).
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The fields of `text`, or `None` when it is not an ARN (fewer than six
    /// fields, or not starting with `arn`).
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut it = text.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }

    /// The role's name when this is an IAM role ARN
    /// (`arn:<partition>:iam::<12-digit account>:role/<optional path/><name>`)
    /// with a non-empty name without whitespace.
    pub fn role_name(&self) -> Option<&'a str> {
        let name = self
            .resource
            .strip_prefix("role/")
            .and_then(|rest| rest.rsplit('/').next())?;
        let is_role = self.partition.starts_with("aws")
            && self.service == "iam"
            && self.region.is_empty()
            && is_account_id(self.account)
            && !name.is_empty()
            && !name.contains(char::is_whitespace);
        is_role.then_some(name)
    }
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_account_field() {
        assert_eq!(
            Arn::parse("arn:aws:s3:::bucket").map(|a| a.account),
            Some("")
        );
        assert_eq!(
            Arn::parse("arn:aws:sns:us-east-1:111122223333:topic:with:colons").map(|a| a.resource),
            Some("topic:with:colons")
        );
        assert_eq!(Arn::parse("arn:aws:sns"), None);
        assert_eq!(Arn::parse("notarn:a:b:c:d:e"), None);
    }

    #[test]
    fn role_names() {
        let name = |s| Arn::parse(s).and_then(|a| a.role_name());
        assert_eq!(
            name("arn:aws:iam::111122223333:role/path/Audit"),
            Some("Audit")
        );
        assert_eq!(name("arn:aws:iam::111122223333:role/"), None);
        assert_eq!(name("arn:aws:iam::111122223333:user/Audit"), None);
    }
}
