//! Shared by the test modules (and, through `#[path]`, by the seeding and proxy
//! examples): the harness that runs the binary against LocalStack, the seeders, and the
//! fault-injecting proxy. Each user takes a different subset.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod fixes;
pub mod harness;
pub mod moto;
pub mod realistic;
pub mod seed;
pub mod wiring_report;
