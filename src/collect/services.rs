//! The services deputy-audit collects (`--services`, `services` in the
//! config file), and selecting their collectors.

use std::fmt;
use std::str::FromStr;

use super::collector::Collector;
use super::REGISTRY;

/// One AWS service deputy-audit can collect; each has exactly one collector
/// in [`REGISTRY`] (a test checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) enum Service {
    Iam,
    Sqs,
    Sns,
    S3,
    Kms,
    Lambda,
    SecretsManager,
    Events,
    Logs,
    Ecr,
}

impl Service {
    /// In the order of [`REGISTRY`] and of the help text.
    pub(crate) const ALL: [Service; 10] = [
        Service::Iam,
        Service::Sqs,
        Service::Sns,
        Service::S3,
        Service::Kms,
        Service::Lambda,
        Service::SecretsManager,
        Service::Events,
        Service::Logs,
        Service::Ecr,
    ];

    /// The short name used by `--services` and in reports (`sqs`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::S3 => "s3",
            Service::Kms => "kms",
            Service::Lambda => "lambda",
            Service::SecretsManager => "secretsmanager",
            Service::Events => "events",
            Service::Logs => "logs",
            Service::Ecr => "ecr",
        }
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
        Service::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
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

/// Selects collectors by service (`--services`); all when `services` is empty.
pub(crate) fn select(services: &[Service]) -> Vec<&'static dyn Collector> {
    if services.is_empty() {
        return REGISTRY.to_vec();
    }
    services
        .iter()
        .filter_map(|&service| REGISTRY.iter().copied().find(|c| c.service() == service))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Service;
    use crate::collect::REGISTRY;

    #[test]
    fn service_names_are_unique_and_selectable() {
        let names: BTreeSet<&str> = REGISTRY.iter().map(|c| c.service().name()).collect();
        assert_eq!(names.len(), REGISTRY.len());
        let registered: Vec<Service> = REGISTRY.iter().map(|c| c.service()).collect();
        assert_eq!(
            registered,
            Service::ALL,
            "one collector per service, in order"
        );
        assert_eq!(super::select(&["sqs".parse().expect("known")]).len(), 1);
        assert!(matches!("ec2".parse::<Service>(), Err(e) if e.contains("unknown service 'ec2'")));
    }
}
