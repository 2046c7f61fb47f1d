//! Service selection (`--services`).

use super::collector::Collector;
use super::REGISTRY;

/// Selects collectors by service name (`--services`); all when `names` is empty.
pub fn select(names: &[String]) -> Result<Vec<&'static dyn Collector>, String> {
    if names.is_empty() {
        return Ok(REGISTRY.to_vec());
    }
    names
        .iter()
        .map(|name| {
            REGISTRY
                .iter()
                .copied()
                .find(|c| c.service() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = REGISTRY.iter().map(|c| c.service()).collect();
                    format!("unknown service '{name}' (known: {})", known.join(", "))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::collect::REGISTRY;

    #[test]
    fn service_names_are_unique_and_selectable() {
        let names: BTreeSet<&str> = REGISTRY.iter().map(|c| c.service()).collect();
        assert_eq!(names.len(), REGISTRY.len());
        assert_eq!(
            super::select(&["sqs".to_string()]).map(|c| c.len()).ok(),
            Some(1)
        );
        assert!(
            matches!(super::select(&["ec2".to_string()]), Err(e) if e.contains("unknown service 'ec2'"))
        );
    }
}
