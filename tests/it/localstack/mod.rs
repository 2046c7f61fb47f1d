//! Scans of seeded LocalStack accounts through the real binary. Run only these with
//! `cargo test --test it localstack::`, everything else with `-- --skip localstack::`.

mod faults;
mod fix_workflow;
mod realistic_account;
mod scan;
mod wiring;
mod wiring_sources;
mod workflow;
