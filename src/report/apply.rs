//! How a corrected policy is applied: the file `fix` writes it to and the AWS
//! CLI commands that would put it in place, per resource type. Pure functions
//! of a remediation, used by the JSON report (`apply_command`, `policy_file`)
//! and by `fix` (which computes them again rather than trusting a report).
//!
//! Safe by construction: file names keep only `[A-Za-z0-9._-]` of the
//! resource's name plus a hash of its ARN (no path separator, no shell
//! metacharacter, no collision between two resources whose names clean up
//! alike), and every value on a command line is single-quoted
//! ([`shell_quote`]), so no text from a policy or a report becomes shell code.
//!
//! Each command's flags are as the AWS CLI v2 reference documents them
//! (https://docs.aws.amazon.com/cli/latest/reference/<service>/<command>.html);
//! `file://` loads a parameter's value from a file, relative to the working
//! directory, which the script sets to its own directory.

use deputy_audit_analyze::{Arn, ResourceType};
use serde_json::Value;

use super::json::v2::{FixAction, Remediation};

/// What `fix` writes for one remediation and the commands that apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The corrected policy's file name, relative to the output directory.
    pub policy_file: String,
    /// Other files the commands read: (name, contents).
    pub extra_files: Vec<(String, String)>,
    /// Shell commands, one per line, run from the output directory; `None`
    /// when none fits (then `why_not` says what a person must do).
    pub command: Option<String>,
    pub why_not: Option<String>,
}

/// The plan for `r`.
pub(crate) fn plan(r: &Remediation) -> Plan {
    let policy_file = policy_file_name(r.resource_type, &r.resource_arn);
    let mut plan = Plan {
        policy_file,
        extra_files: Vec::new(),
        command: None,
        why_not: None,
    };
    match r.corrected_policy.as_ref() {
        None => {
            plan.why_not = Some(
                "no corrected policy: every flagged statement needs a person (see the statements above)"
                    .to_string(),
            )
        }
        Some(policy) => match commands(r, policy, &plan.policy_file) {
            Ok((lines, extra)) => {
                plan.command = Some(lines.join("\n"));
                plan.extra_files = extra;
            }
            Err(why) => plan.why_not = Some(why),
        },
    }
    plan
}

/// The command that removes a policy whose every statement is unused, where
/// AWS documents one; otherwise why a person must do it.
fn delete_policy(
    r: &Remediation,
    arn: &Arn<'_>,
    needs_region: impl Fn() -> Result<String, String>,
    suffix: impl Fn(&str, &str) -> Result<String, String>,
) -> Result<String, String> {
    let q = |s: &str| shell_quote(s);
    Ok(match r.resource_type {
        // https://docs.aws.amazon.com/cli/latest/reference/s3api/delete-bucket-policy.html
        ResourceType::S3Bucket => format!(
            "aws s3api delete-bucket-policy --bucket {}",
            q(&suffix(arn.resource, "")?)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/secretsmanager/delete-resource-policy.html
        ResourceType::SecretsManagerSecret => format!(
            "aws secretsmanager delete-resource-policy {} --secret-id {}",
            needs_region()?,
            q(&r.resource_arn)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/ecr/delete-repository-policy.html
        ResourceType::EcrRepository => format!(
            "aws ecr delete-repository-policy {} --registry-id {} --repository-name {}",
            needs_region()?,
            q(arn.account),
            q(&suffix(arn.resource, "repository/")?)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/events/remove-permission.html
        // "[--remove-all-permissions | --no-remove-all-permissions] [--event-bus-name]"
        ResourceType::EventBus => format!(
            "aws events remove-permission {} --event-bus-name {} --remove-all-permissions",
            needs_region()?,
            q(&suffix(arn.resource, "event-bus/")?)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/logs/delete-resource-policy.html
        ResourceType::LogsResourcePolicy => match arn.resource.strip_prefix("resource-policy/") {
            Some(name) if !name.is_empty() => format!(
                "aws logs delete-resource-policy {} --policy-name {}",
                needs_region()?,
                q(name)
            ),
            _ => return Err("every statement is unused; delete the resource policy in the console or with aws logs delete-resource-policy".to_string()),
        },
        ResourceType::SqsQueue | ResourceType::SnsTopic => {
            return Err(format!(
                "every statement is unused, so the {} needs no policy; no AWS page found documents a call that removes it (SetQueueAttributes / SetTopicAttributes take a policy), so remove it in the console",
                r.resource_type
            ))
        }
        ResourceType::KmsKey | ResourceType::IamRole => {
            return Err(format!(
                "every statement is unused, but a {} cannot be left without a policy: decide whether the resource is still needed",
                r.resource_type
            ))
        }
        ResourceType::LambdaFunction | ResourceType::ResourceControlPolicy => {
            return Err("no command for this resource type".to_string())
        }
    })
}

/// `'text'`, with each `'` closed, escaped and reopened: the shell reads
/// everything between the quotes literally (no `$`, backtick or `\` expansion).
/// Text with a control character (a newline, ESC, a bidirectional override)
/// becomes bash's `$'...'` with the character as an escape instead, so each
/// command stays one line a reviewer reads for what it is.
pub(crate) fn shell_quote(text: &str) -> String {
    if !text.chars().any(crate::escape::is_hazard) {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            c if crate::escape::is_hazard(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if crate::escape::is_hazard(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `<resource-type>-<name>-<hash>.json`: the name cleaned to `[A-Za-z0-9._-]`
/// (at most 48 characters), the hash the first 48 bits of FNV-1a over the ARN,
/// so two resources never share a file however their names clean up.
pub(crate) fn policy_file_name(resource_type: ResourceType, resource_arn: &str) -> String {
    let last = resource_arn
        .rsplit(['/', ':'])
        .find(|part| !part.is_empty())
        .unwrap_or("");
    let mut name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    // No hidden file, no `..`, nothing an option parser could take for a flag.
    name = name.trim_start_matches(['.', '-']).to_string();
    if name.is_empty() {
        name = "resource".to_string();
    }
    format!(
        "{}-{name}-{:012x}.json",
        resource_type.as_str(),
        fnv1a(resource_arn) >> 16
    )
}

/// The SQS attributes file beside `policy_file` (`x.json` → `x.attributes.json`).
pub(crate) fn attributes_file_name(policy_file: &str) -> String {
    let stem = policy_file.strip_suffix(".json").unwrap_or(policy_file);
    format!("{stem}.attributes.json")
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

type Commands = (Vec<String>, Vec<(String, String)>);

fn commands(r: &Remediation, policy: &Value, file: &str) -> Result<Commands, String> {
    let q = |s: &str| shell_quote(s);
    let arn =
        Arn::parse(&r.resource_arn).ok_or_else(|| format!("{} is not an ARN", r.resource_arn))?;
    let region = if is_region(&r.region) {
        r.region.as_str()
    } else {
        arn.region
    };
    let needs_region = || -> Result<String, String> {
        if is_region(region) {
            Ok(format!("--region {}", q(region)))
        } else {
            Err(format!("the region of {} is not known", r.resource_arn))
        }
    };
    let policy_ref = q(&format!("file://{file}"));
    let suffix = |resource: &str, prefix: &str| -> Result<String, String> {
        resource
            .strip_prefix(prefix)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("cannot read the name in {}", r.resource_arn))
    };
    let empty = policy
        .as_object()
        .and_then(|doc| {
            doc.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Statement"))
        })
        .is_some_and(|(_, s)| s.as_array().is_some_and(Vec::is_empty));
    if empty && r.resource_type != ResourceType::LambdaFunction {
        // Every statement is unused: the policy goes, not an empty document
        // in its place (no AWS page says every service accepts one).
        return delete_policy(r, &arn, needs_region, suffix).map(|line| (vec![line], Vec::new()));
    }
    let line = match r.resource_type {
        // https://docs.aws.amazon.com/cli/latest/reference/iam/update-assume-role-policy.html
        // "--role-name ... --policy-document"
        ResourceType::IamRole => {
            let name = arn
                .role_name()
                .ok_or_else(|| format!("{} is not an IAM role ARN", r.resource_arn))?;
            format!(
                "aws iam update-assume-role-policy --role-name {} --policy-document {policy_ref}",
                q(name)
            )
        }
        // https://docs.aws.amazon.com/cli/latest/reference/sqs/set-queue-attributes.html
        // "--queue-url <value> --attributes <value>": the policy goes in as the
        // string value of the `Policy` attribute, so it sits in an attributes
        // file. The URL comes from get-queue-url
        // (https://docs.aws.amazon.com/cli/latest/reference/sqs/get-queue-url.html,
        // "--queue-name ... [--queue-owner-aws-account-id]") rather than being
        // built here: its host differs by partition and endpoint, and AWS
        // returns the one the CLI should use. An assignment of its own line,
        // so that a failed lookup stops the script (`set -e`).
        ResourceType::SqsQueue => {
            let region = needs_region()?;
            let name = suffix(arn.resource, "")?;
            let account = if arn.account.is_empty() {
                r.account_id.as_str()
            } else {
                arn.account
            };
            let attributes_file = attributes_file_name(file);
            let policy_text = serde_json::to_string(policy).map_err(|e| e.to_string())?;
            let attributes = serde_json::to_string_pretty(&serde_json::json!({
                "Policy": policy_text
            }))
            .map_err(|e| e.to_string())?;
            return Ok((
                vec![
                    format!(
                        "queue_url=\"$(aws sqs get-queue-url {region} --queue-name {} --queue-owner-aws-account-id {} --query QueueUrl --output text)\"",
                        q(&name),
                        q(account)
                    ),
                    format!(
                        "aws sqs set-queue-attributes {region} --queue-url \"$queue_url\" --attributes {}",
                        q(&format!("file://{attributes_file}"))
                    ),
                ],
                vec![(attributes_file, format!("{attributes}\n"))],
            ));
        }
        // https://docs.aws.amazon.com/cli/latest/reference/sns/set-topic-attributes.html
        // "--topic-arn ... --attribute-name ... [--attribute-value]"
        ResourceType::SnsTopic => format!(
            "aws sns set-topic-attributes {} --topic-arn {} --attribute-name Policy --attribute-value {policy_ref}",
            needs_region()?,
            q(&r.resource_arn)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/s3api/put-bucket-policy.html
        // "--bucket ... --policy"; a bucket name is global, no region needed.
        ResourceType::S3Bucket => format!(
            "aws s3api put-bucket-policy --bucket {} --policy {policy_ref}",
            q(&suffix(arn.resource, "")?)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/kms/put-key-policy.html
        // "--key-id ... [--policy-name] --policy"; "The only valid value is default".
        ResourceType::KmsKey => format!(
            "aws kms put-key-policy {} --key-id {} --policy-name default --policy {policy_ref}",
            needs_region()?,
            q(&r.resource_arn)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/secretsmanager/put-resource-policy.html
        // "--secret-id ... --resource-policy"; "The ARN or name of the secret".
        ResourceType::SecretsManagerSecret => format!(
            "aws secretsmanager put-resource-policy {} --secret-id {} --resource-policy {policy_ref}",
            needs_region()?,
            q(&r.resource_arn)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/events/put-permission.html
        // "[--event-bus-name] ... [--policy]": a whole policy replaces the bus's.
        ResourceType::EventBus => format!(
            "aws events put-permission {} --event-bus-name {} --policy {policy_ref}",
            needs_region()?,
            q(&suffix(arn.resource, "event-bus/")?)
        ),
        // https://docs.aws.amazon.com/cli/latest/reference/logs/put-resource-policy.html
        // "[--policy-name] [--policy-document] [--resource-arn]": an account-level
        // policy by its name (the collector's `resource-policy/<name>`), a
        // resource-scoped one by the ARN it is attached to (whether its
        // policy name must be given too: unverified).
        ResourceType::LogsResourcePolicy => match arn.resource.strip_prefix("resource-policy/") {
            Some(name) if !name.is_empty() => format!(
                "aws logs put-resource-policy {} --policy-name {} --policy-document {policy_ref}",
                needs_region()?,
                q(name)
            ),
            _ => format!(
                "aws logs put-resource-policy {} --resource-arn {} --policy-document {policy_ref}",
                needs_region()?,
                q(&r.resource_arn)
            ),
        },
        // https://docs.aws.amazon.com/cli/latest/reference/ecr/set-repository-policy.html
        // "[--registry-id] --repository-name ... --policy-text"
        ResourceType::EcrRepository => format!(
            "aws ecr set-repository-policy {} --registry-id {} --repository-name {} --policy-text {policy_ref}",
            needs_region()?,
            q(arn.account),
            q(&suffix(arn.resource, "repository/")?)
        ),
        ResourceType::LambdaFunction => {
            return lambda(r, &needs_region()?).map(|lines| (lines, Vec::new()))
        }
        ResourceType::ResourceControlPolicy => {
            return Err(
                "an organization RCP is changed in AWS Organizations by a person: deputy-audit writes no command for it"
                    .to_string(),
            )
        }
    };
    Ok((vec![line], Vec::new()))
}

/// Lambda has no call that replaces a function's whole policy: each changed
/// statement is removed by its Sid
/// (https://docs.aws.amazon.com/cli/latest/reference/lambda/remove-permission.html,
/// "--function-name ... --statement-id") and each corrected statement added
/// (https://docs.aws.amazon.com/cli/latest/reference/lambda/add-permission.html,
/// "--function-name --statement-id --action --principal [--source-arn]
/// [--source-account]"), which only writes statements of one shape.
fn lambda(r: &Remediation, region: &str) -> Result<Vec<String>, String> {
    let q = |s: &str| shell_quote(s);
    let function = q(&r.resource_arn);
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    for fix in r
        .statements
        .iter()
        .filter(|s| s.action != FixAction::Unchanged)
    {
        let sid = fix
            .sid
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                format!(
                    "statement {} has no Sid, so remove-permission cannot name it",
                    fix.index
                )
            })?;
        removes.push(format!(
            "aws lambda remove-permission {region} --function-name {function} --statement-id {}",
            q(sid)
        ));
        for statement in &fix.corrected_statements {
            let p = add_permission_shape(statement).map_err(|why| {
                format!(
                    "a corrected statement of statement {} does not fit AddPermission: {why}",
                    fix.index
                )
            })?;
            let mut line = format!(
                "aws lambda add-permission {region} --function-name {function} --statement-id {} --principal {} --action {}",
                q(&p.sid),
                q(&p.principal),
                q(&p.action)
            );
            if let Some(source_arn) = &p.source_arn {
                line.push_str(&format!(" --source-arn {}", q(source_arn)));
            }
            if let Some(account) = &p.source_account {
                line.push_str(&format!(" --source-account {}", q(account)));
            }
            adds.push(line);
        }
    }
    if removes.is_empty() {
        return Err("no statement of the function's policy changes".to_string());
    }
    // Removed before added: a corrected statement may keep its Sid.
    removes.extend(adds);
    Ok(removes)
}

#[derive(Debug, PartialEq, Eq)]
struct AddPermission {
    sid: String,
    principal: String,
    action: String,
    source_arn: Option<String>,
    source_account: Option<String>,
}

/// The AddPermission call that writes `statement`, when one can: an Allow of
/// one action to one service principal, conditioned only on one
/// `ArnLike aws:SourceArn` and one `StringEquals aws:SourceAccount`.
fn add_permission_shape(statement: &Value) -> Result<AddPermission, String> {
    let object = statement.as_object().ok_or("not an object")?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "Sid" | "Effect" | "Principal" | "Action" | "Resource" | "Condition"
        ) {
            return Err(format!("it has {key}"));
        }
    }
    if object.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return Err("it is not an Allow".to_string());
    }
    let sid = object
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("it has no Sid")?;
    let principal = object
        .get("Principal")
        .and_then(Value::as_object)
        .filter(|p| p.len() == 1)
        .and_then(|p| p.get("Service"))
        .and_then(single)
        .ok_or("its principal is not one service")?;
    let action = object
        .get("Action")
        .and_then(single)
        .ok_or("it has not exactly one action")?;
    let mut source_arn = None;
    let mut source_account = None;
    if let Some(condition) = object.get("Condition") {
        let condition = condition
            .as_object()
            .ok_or("its Condition is not an object")?;
        for (operator, entries) in condition {
            let entries = entries
                .as_object()
                .filter(|e| e.len() == 1)
                .ok_or_else(|| format!("{operator} has not exactly one key"))?;
            let (key, value) = entries
                .iter()
                .next()
                .ok_or_else(|| format!("{operator} is empty"))?;
            let value = single(value).ok_or_else(|| format!("{key} has not exactly one value"))?;
            match (operator.as_str(), key.to_ascii_lowercase().as_str()) {
                ("ArnLike", "aws:sourcearn") => source_arn = Some(value),
                ("StringEquals", "aws:sourceaccount") => source_account = Some(value),
                _ => return Err(format!("it conditions on {operator} {key}")),
            }
        }
    }
    Ok(AddPermission {
        sid: sid.to_string(),
        principal,
        action,
        source_arn,
        source_account,
    })
}

/// A string, or an array of exactly one string.
fn single(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_string),
        _ => None,
    }
}

fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text != crate::sentinel::GLOBAL_REGION
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::v2::StatementFix;
    use serde_json::json;

    fn remediation(resource_type: ResourceType, arn: &str, region: &str) -> Remediation {
        Remediation {
            account_id: "111122223333".into(),
            region: region.into(),
            resource_type,
            resource_arn: arn.into(),
            used_by: Vec::new(),
            unused_statements: Vec::new(),
            statements: Vec::new(),
            corrected_policy: Some(json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "*", "Resource": "*"
            }]})),
            apply_command: None,
            policy_file: String::new(),
            remaining: Vec::new(),
        }
    }

    #[test]
    fn a_policy_left_without_statements_is_deleted_or_left_to_a_person() {
        let emptied = |t, arn: &str| {
            let mut r = remediation(t, arn, "us-east-1");
            r.corrected_policy = Some(json!({"Version": "2012-10-17", "Statement": []}));
            plan(&r)
        };
        let bucket = emptied(ResourceType::S3Bucket, "arn:aws:s3:::uploads");
        assert_eq!(
            bucket.command.as_deref(),
            Some("aws s3api delete-bucket-policy --bucket 'uploads'")
        );
        let queue = emptied(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:q",
        );
        assert!(queue.command.is_none());
        assert!(queue.why_not.unwrap().contains("every statement is unused"));
        let key = emptied(
            ResourceType::KmsKey,
            "arn:aws:kms:us-east-1:111122223333:key/k",
        );
        assert!(key.command.is_none());
    }

    fn command(r: &Remediation) -> String {
        let plan = plan(r);
        plan.command.unwrap_or_else(|| panic!("{:?}", plan.why_not))
    }

    #[test]
    fn one_command_per_resource_type() {
        let cases = [
            (ResourceType::IamRole, "arn:aws:iam::111122223333:role/path/ci", "global",
             "aws iam update-assume-role-policy --role-name 'ci' --policy-document 'file://iam-role-ci-"),
            (ResourceType::SnsTopic, "arn:aws:sns:eu-west-1:111122223333:alerts", "eu-west-1",
             "aws sns set-topic-attributes --region 'eu-west-1' --topic-arn 'arn:aws:sns:eu-west-1:111122223333:alerts' --attribute-name Policy --attribute-value 'file://sns-topic-alerts-"),
            (ResourceType::S3Bucket, "arn:aws:s3:::logs-bucket", "us-east-1",
             "aws s3api put-bucket-policy --bucket 'logs-bucket' --policy 'file://s3-bucket-logs-bucket-"),
            (ResourceType::KmsKey, "arn:aws:kms:us-east-1:111122223333:key/1234", "us-east-1",
             "aws kms put-key-policy --region 'us-east-1' --key-id 'arn:aws:kms:us-east-1:111122223333:key/1234' --policy-name default --policy 'file://kms-key-1234-"),
            (ResourceType::SecretsManagerSecret, "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf", "us-east-1",
             "aws secretsmanager put-resource-policy --region 'us-east-1' --secret-id 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf' --resource-policy 'file://secretsmanager-secret-db-AbCdEf-"),
            (ResourceType::EventBus, "arn:aws:events:us-east-1:111122223333:event-bus/orders", "us-east-1",
             "aws events put-permission --region 'us-east-1' --event-bus-name 'orders' --policy 'file://event-bus-orders-"),
            (ResourceType::LogsResourcePolicy, "arn:aws:logs:us-east-1:111122223333:resource-policy/route53", "us-east-1",
             "aws logs put-resource-policy --region 'us-east-1' --policy-name 'route53' --policy-document 'file://logs-resource-policy-route53-"),
            (ResourceType::EcrRepository, "arn:aws:ecr:us-east-1:111122223333:repository/team/app", "us-east-1",
             "aws ecr set-repository-policy --region 'us-east-1' --registry-id '111122223333' --repository-name 'team/app' --policy-text 'file://ecr-repository-app-"),
        ];
        for (resource_type, arn, region, expected) in cases {
            let got = command(&remediation(resource_type, arn, region));
            assert!(got.starts_with(expected), "{got}\n  expected {expected}");
            assert!(got.ends_with(".json'"), "{got}");
        }
    }

    #[test]
    fn sqs_writes_an_attributes_file_and_looks_the_url_up() {
        let r = remediation(
            ResourceType::SqsQueue,
            "arn:aws:sqs:us-east-1:111122223333:orders",
            "us-east-1",
        );
        let plan = plan(&r);
        let lines: Vec<&str> = plan.command.as_deref().unwrap().lines().collect();
        assert_eq!(
            lines[0],
            "queue_url=\"$(aws sqs get-queue-url --region 'us-east-1' --queue-name 'orders' --queue-owner-aws-account-id '111122223333' --query QueueUrl --output text)\""
        );
        let attributes = attributes_file_name(&plan.policy_file);
        assert_eq!(
            lines[1],
            format!("aws sqs set-queue-attributes --region 'us-east-1' --queue-url \"$queue_url\" --attributes 'file://{attributes}'")
        );
        let (name, contents) = &plan.extra_files[0];
        assert_eq!(name, &attributes);
        let parsed: Value = serde_json::from_str(contents).unwrap();
        let policy: Value = serde_json::from_str(parsed["Policy"].as_str().unwrap()).unwrap();
        assert_eq!(Some(&policy), r.corrected_policy.as_ref());
    }

    #[test]
    fn lambda_removes_changed_statements_and_adds_the_corrected_ones() {
        let mut r = remediation(
            ResourceType::LambdaFunction,
            "arn:aws:lambda:us-east-1:111122223333:function:thumbs",
            "us-east-1",
        );
        r.statements = vec![
            StatementFix {
                index: 0,
                sid: Some("s3".into()),
                rule_ids: vec!["CD001".into()],
                action: FixAction::PinnedToSources,
                reason: "the bucket notifies it".into(),
                unscanned_accounts: Vec::new(),
                corrected_statements: vec![json!({
                    "Sid": "s3-1", "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                    "Resource": "arn:aws:lambda:us-east-1:111122223333:function:thumbs",
                    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::photos"},
                                  "StringEquals": {"aws:SourceAccount": "111122223333"}}
                })],
            },
            StatementFix {
                index: 1,
                sid: Some("old".into()),
                rule_ids: vec!["CD001".into()],
                action: FixAction::Removed,
                reason: "nothing uses it".into(),
                unscanned_accounts: Vec::new(),
                corrected_statements: Vec::new(),
            },
            StatementFix {
                index: 2,
                sid: Some("keep".into()),
                rule_ids: vec!["CD002".into()],
                action: FixAction::Unchanged,
                reason: "needs a person".into(),
                unscanned_accounts: Vec::new(),
                corrected_statements: Vec::new(),
            },
        ];
        let f = "'arn:aws:lambda:us-east-1:111122223333:function:thumbs'";
        assert_eq!(
            command(&r),
            [
                format!("aws lambda remove-permission --region 'us-east-1' --function-name {f} --statement-id 's3'"),
                format!("aws lambda remove-permission --region 'us-east-1' --function-name {f} --statement-id 'old'"),
                format!("aws lambda add-permission --region 'us-east-1' --function-name {f} --statement-id 's3-1' --principal 's3.amazonaws.com' --action 'lambda:InvokeFunction' --source-arn 'arn:aws:s3:::photos' --source-account '111122223333'"),
            ]
            .join("\n")
        );

        // A corrected statement AddPermission cannot write: no command, and why.
        r.statements[0].corrected_statements[0]["Condition"] =
            json!({"ArnLike": {"aws:SourceArn": ["arn:aws:s3:::a", "arn:aws:s3:::b"]}});
        let plan = plan(&r);
        assert_eq!(plan.command, None);
        assert!(
            plan.why_not.as_deref().unwrap().contains("AddPermission"),
            "{plan:?}"
        );
    }

    #[test]
    fn no_command_without_a_corrected_policy_or_for_an_rcp() {
        let mut r = remediation(
            ResourceType::SnsTopic,
            "arn:aws:sns:eu-west-1:111122223333:alerts",
            "eu-west-1",
        );
        r.corrected_policy = None;
        assert_eq!(plan(&r).command, None);
        let r = remediation(
            ResourceType::ResourceControlPolicy,
            "arn:aws:organizations::111122223333:policy/o-1/resource_control_policy/p-1",
            "global",
        );
        assert_eq!(plan(&r).command, None);
        assert!(plan(&r).why_not.is_some());
    }

    #[test]
    fn hostile_names_stay_data() {
        let arn = "arn:aws:sqs:us-east-1:111122223333:q'$(touch /tmp/pwned)`id`\n;rm -rf ~";
        let name = policy_file_name(ResourceType::SqsQueue, arn);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
            "{name}"
        );
        let command = command(&remediation(ResourceType::SqsQueue, arn, "us-east-1"));
        assert!(
            command.contains(r"--queue-name $'q\'$(touch /tmp/pwned)`id`\x0a;rm -rf ~' "),
            "{command}"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            shell_quote("a\n$(b)'\\\u{202e}"),
            r"$'a\x0a$(b)\'\\\U0000202e'"
        );
        // Path tricks clean up to plain names.
        for arn in ["arn:aws:s3:::..", "arn:aws:s3:::-rf", "arn:aws:s3:::"] {
            let name = policy_file_name(ResourceType::S3Bucket, arn);
            assert!(
                name.starts_with("s3-bucket-") && !name.contains(".."),
                "{name}"
            );
        }
    }

    #[test]
    fn file_names_are_deterministic_and_distinct() {
        let a = policy_file_name(ResourceType::SqsQueue, "arn:aws:sqs:us-east-1:1:a b");
        let b = policy_file_name(ResourceType::SqsQueue, "arn:aws:sqs:us-east-1:1:a_b");
        assert_ne!(a, b, "names that clean up alike differ by their hash");
        assert_eq!(
            a,
            policy_file_name(ResourceType::SqsQueue, "arn:aws:sqs:us-east-1:1:a b")
        );
        assert!(
            a.starts_with("sqs-queue-a_b-") && a.ends_with(".json"),
            "{a}"
        );
        assert_eq!(
            attributes_file_name("sqs-queue-a-0123.json"),
            "sqs-queue-a-0123.attributes.json"
        );
    }
}
