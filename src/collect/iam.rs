//! IAM roles and their trust policies.
//!
//! ListRoles already returns each role's `AssumeRolePolicyDocument`, so no
//! GetRole call is made per role. The document arrives URL-encoded.

use deputy_audit_analyze::{ResourcePolicy, ResourceType};
use futures::StreamExt;

use super::{
    describe_sdk_error, listing_error, paginate, resource_error, BoxFuture, Collected, Collector,
    RegionContext, ScanError, Scope, GLOBAL_REGION,
};
use crate::collect::{EmptyAnswerGuard, ReadOnlyGuard};

pub(super) struct IamRoles;

impl Collector for IamRoles {
    fn service(&self) -> &'static str {
        "iam"
    }
    fn resource_type(&self) -> ResourceType {
        ResourceType::IamRole
    }
    fn scope(&self) -> Scope {
        Scope::Global
    }
    fn policy_operation(&self) -> &'static str {
        "ListRoles"
    }
    fn permissions(&self) -> &'static [&'static str] {
        &["iam:ListRoles"]
    }

    // Role ARNs carry no region.
    fn listing_scope(&self, ctx: &RegionContext<'_>) -> String {
        format!("arn:{}:iam::{}:role/*", ctx.partition(), ctx.account_id())
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext<'a>) -> BoxFuture<'a, Vec<Collected>> {
        Box::pin(async move {
            let config = aws_sdk_iam::config::Builder::from(&ctx.sdk_config())
                .interceptor(ReadOnlyGuard)
                .interceptor(EmptyAnswerGuard)
                .retry_partition(ctx.retry_partition(self.service()))
                .build();
            let client = aws_sdk_iam::Client::from_conf(config);
            // 1,000 roles a page (the API's maximum) instead of the default 100: a
            // 2,000-role account is listed in 2 calls, not 20.
            let mut pages = paginate(client.list_roles().max_items(1000).into_paginator().send());
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                match page {
                    Ok(page) => {
                        out.extend(page.roles.into_iter().map(|role| role_policy(ctx, role)))
                    }
                    Err(err) => {
                        out.push(Collected::ListingFailed(listing_error(
                            ctx,
                            self,
                            "ListRoles",
                            describe_sdk_error(&err),
                        )));
                        break;
                    }
                }
            }
            out
        })
    }
}

/// Why AWS, not the account, owns a role's trust policy, by the role's path.
/// Such roles are listed as AWS-managed in every report and not judged: nobody
/// can act on a finding about them.
fn aws_managed_reason(path: &str) -> Option<String> {
    if path.starts_with("/aws-service-role/") {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create-service-linked-role.html:
        // "The linked service defines the permissions of its service-linked roles
        // ... The defined permissions include the trust policy"; administrators
        // "can view, but not edit" them.
        Some("service-linked role: its trust policy is defined by the AWS service and cannot be edited".into())
    } else if path.starts_with("/aws-reserved/sso.amazonaws.com/") {
        // https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html:
        // Identity Center creates, updates and deletes the roles on this path
        // (AWSReservedSSO_*); IAM refuses edits to them ("this role is only
        // modifiable by AWS", AWS re:Post knowledge center).
        Some("IAM Identity Center role: created and managed by IAM Identity Center from a permission set; changes belong in the permission set".into())
    } else {
        None
    }
}

fn role_policy(ctx: &RegionContext<'_>, role: aws_sdk_iam::types::Role) -> Collected {
    let aws_managed = aws_managed_reason(&role.path);
    let policy = match role
        .assume_role_policy_document
        .as_deref()
        .map(decode_policy_document)
    {
        None => None,
        Some(Ok(policy)) => Some(policy),
        Some(Err(reason)) => {
            return Collected::Unreadable(ScanError {
                region: GLOBAL_REGION.to_string(),
                ..resource_error(ctx, ResourceType::IamRole, role.arn, "ListRoles", reason)
            })
        }
    };
    Collected::Resource(ResourcePolicy {
        policy,
        arn: role.arn,
        resource_type: ResourceType::IamRole,
        account_id: ctx.account_id().to_string(),
        region: GLOBAL_REGION.to_string(),
        aws_managed,
    })
}

/// IAM returns policy documents URL-encoded (RFC 3986). This is percent-decoding,
/// not form-decoding: a `+` in the document is a literal plus. Bytes that are not
/// UTF-8 once decoded make the role unreadable (recorded with the reason) rather
/// than analyzed with replacement characters in place of what AWS stored.
pub(super) fn decode_policy_document(encoded: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|e| {
            format!(
                "trust policy is not valid UTF-8 after URL-decoding (invalid byte after {} valid bytes)",
                e.valid_up_to()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::{aws_managed_reason, decode_policy_document};

    #[test]
    fn roles_aws_owns_are_recognised_by_path() {
        for path in [
            "/aws-service-role/support.amazonaws.com/",
            "/aws-service-role/autoscaling.amazonaws.com/",
            "/aws-reserved/sso.amazonaws.com/eu-west-1/",
        ] {
            assert!(aws_managed_reason(path).is_some(), "{path}");
        }
        // Customer paths, including look-alikes and CDK's, stay the customer's.
        for path in [
            "/",
            "/service-role/",
            "/cdk/",
            "/aws-service-roles/",
            "/x/aws-service-role/",
        ] {
            assert_eq!(aws_managed_reason(path), None, "{path}");
        }
    }

    #[test]
    fn percent_decodes_without_turning_plus_into_space() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Sid%22%3A%22a+b%20c%22%7D%7D";
        assert_eq!(
            decode_policy_document(encoded).as_deref(),
            Ok(r#"{"Version":"2012-10-17","Statement":{"Sid":"a+b c"}}"#)
        );
    }

    #[test]
    fn leaves_plain_json_alone() {
        let plain = r#"{"Statement":[]}"#;
        assert_eq!(decode_policy_document(plain).as_deref(), Ok(plain));
    }

    #[test]
    fn invalid_utf8_is_an_error_naming_the_position() {
        let err = decode_policy_document("%7B%FF%7D").unwrap_err();
        assert!(
            err.contains("not valid UTF-8") && err.contains("after 1 valid bytes"),
            "{err}"
        );
    }
}
