//! Against moto's server, for what open-source LocalStack does not serve (ECR,
//! Organizations with resource control policies, CloudTrail), beside LocalStack for the rest.
//! `scripts/test.sh` starts both; a missing server fails these tests, never skips them.

mod cloudtrail;
mod cloudtrail_fix;
mod ecr;
mod guardrails;
