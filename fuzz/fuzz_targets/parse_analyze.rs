//! Arbitrary bytes, as lossy UTF-8 policy text, through parse + analyze for every
//! resource type, with and without the analysis options. The analyzer must return
//! findings or a `PolicyError` and never panic; findings name the resource analyzed.
#![no_main]

use deputy_audit_analyze::{analyze, AnalysisOptions, ResourcePolicy, ResourceType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    // Built field by field so that options added later keep this compiling.
    let mut strict = AnalysisOptions::default();
    strict.trusted_accounts = vec!["444455556666".to_string()];
    strict.org_ids = vec!["o-abcdef1234".to_string()];
    strict.strict = true;
    let options = [AnalysisOptions::default(), strict];
    for resource_type in ResourceType::ALL {
        let resource = ResourcePolicy {
            arn: format!(
                "arn:aws:{}:us-east-1:111122223333:fuzz",
                resource_type.service()
            ),
            resource_type,
            account_id: "111122223333".to_string(),
            region: "us-east-1".to_string(),
            policy: Some(text.clone()),
            aws_managed: None,
        };
        for options in &options {
            if let Ok(findings) = analyze(&resource, options) {
                for f in findings {
                    assert_eq!(f.resource_arn, resource.arn);
                }
            }
        }
    }
});
