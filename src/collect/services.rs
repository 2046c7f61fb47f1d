//! The services deputy-audit collects (`--services`, `services` in the
//! config file), and selecting their collectors. A service is whatever a
//! collector in [`REGISTRY`] names itself ([`Collector::service`]): adding one
//! is a collector module and its registry line, nothing here.

use std::fmt;
use std::str::FromStr;

use super::collector::Collector;
use super::REGISTRY;

/// One AWS service deputy-audit can collect: a collector in [`REGISTRY`],
/// ordered as the registry is (and as the help text lists them).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct Service(usize);

impl Service {
    /// Every service, in the order of [`REGISTRY`].
    pub(crate) fn all() -> impl Iterator<Item = Service> {
        (0..REGISTRY.len()).map(Service)
    }

    /// The short name used by `--services` and in reports (`sqs`).
    pub(crate) fn name(self) -> &'static str {
        self.collector().service()
    }

    fn collector(self) -> &'static dyn Collector {
        REGISTRY[self.0]
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Service({})", self.name())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Service {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Service::all().find(|s| s.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Service::all().map(Service::name).collect();
            format!("unknown service '{name}' (known: {})", known.join(", "))
        })
    }
}

impl TryFrom<String> for Service {
    type Error = String;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

/// The `--services` help: the registered names, so a new collector shows up.
pub(crate) fn services_help() -> String {
    let names: Vec<&str> = Service::all().map(Service::name).collect();
    format!(
        "Services to collect, comma-separated: {}. Default: all.",
        names.join(", ")
    )
}

/// Selects collectors by service (`--services`); all when `services` is empty.
pub(crate) fn select(services: &[Service]) -> Vec<&'static dyn Collector> {
    if services.is_empty() {
        return REGISTRY.to_vec();
    }
    services.iter().map(|s| s.collector()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Service;
    use crate::collect::REGISTRY;

    #[test]
    fn service_names_are_unique_and_selectable() {
        let names: BTreeSet<&str> = REGISTRY.iter().map(|c| c.service()).collect();
        assert_eq!(names.len(), REGISTRY.len(), "one collector per service");
        for collector in REGISTRY {
            let service: Service = collector.service().parse().expect("registered");
            assert_eq!(service.name(), collector.service());
            let selected = super::select(&[service]);
            assert_eq!(selected.len(), 1);
            assert_eq!(selected[0].service(), collector.service());
        }
        assert!(matches!("ec2".parse::<Service>(), Err(e) if e.contains("unknown service 'ec2'")));
        let known = "known: iam, sqs, sns, s3, kms, lambda, secretsmanager, events, logs, ecr)";
        assert!(matches!("ec2".parse::<Service>(), Err(e) if e.ends_with(known)));
    }
}
