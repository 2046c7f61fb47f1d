//! `--sources` (and `sources` in the config file): which source kinds a scan
//! may read. A kind is whatever a [`WiringSource`] in [`SOURCES`] names
//! itself; `none` reads none.

use std::fmt;
use std::str::FromStr;

use super::{WiringSource, SOURCES};

/// One `--sources` value: a registered kind, or `none`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub(crate) enum SourceChoice {
    Kind(usize),
    None,
}

/// The word that turns every source kind off.
const NONE: &str = "none";

impl SourceChoice {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SourceChoice::Kind(index) => SOURCES[index].kind(),
            SourceChoice::None => NONE,
        }
    }
}

impl fmt::Debug for SourceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceChoice({})", self.name())
    }
}

impl fmt::Display for SourceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SourceChoice {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == NONE {
            return Ok(SourceChoice::None);
        }
        SOURCES
            .iter()
            .position(|s| s.kind() == name)
            .map(SourceChoice::Kind)
            .ok_or_else(|| {
                let known: Vec<&str> = SOURCES.iter().map(|s| s.kind()).collect();
                format!(
                    "unknown source kind '{name}' (known: {}, or {NONE})",
                    known.join(", ")
                )
            })
    }
}

impl TryFrom<String> for SourceChoice {
    type Error = String;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

/// The `--sources` help: the registered kinds, so a new one shows up.
pub(crate) fn sources_help() -> String {
    let names: Vec<&str> = SOURCES.iter().map(|s| s.kind()).collect();
    format!(
        "Source kinds read to find who uses each flagged grant, comma-separated: {}; `{NONE}` reads none. Default: all (each read only when a finding needs it).",
        names.join(", ")
    )
}

/// The kinds `choices` select: all when empty, none with `none`.
pub(crate) fn selected(choices: &[SourceChoice]) -> Result<Vec<&'static dyn WiringSource>, String> {
    if choices.contains(&SourceChoice::None) {
        if choices.len() > 1 {
            return Err(format!(
                "--sources {NONE} reads no source kind: it cannot be combined with others"
            ));
        }
        return Ok(Vec::new());
    }
    if choices.is_empty() {
        return Ok(SOURCES.to_vec());
    }
    Ok(choices
        .iter()
        .filter_map(|c| match c {
            SourceChoice::Kind(index) => Some(SOURCES[*index]),
            SourceChoice::None => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Kinds are unique (`--sources` names them), each selectable alone, and
    /// every permission a kind declares is read-only.
    #[test]
    fn kinds_are_unique_selectable_and_read_only() {
        let names: BTreeSet<&str> = SOURCES.iter().map(|s| s.kind()).collect();
        assert_eq!(names.len(), SOURCES.len(), "one source per kind");
        assert!(!names.contains(NONE));
        for source in SOURCES {
            let choice: SourceChoice = source.kind().parse().expect("registered");
            let picked = selected(&[choice]).expect("valid");
            assert_eq!(picked.len(), 1);
            assert_eq!(picked[0].kind(), source.kind());
            assert!(
                !source.feeds().is_empty(),
                "{} feeds nothing",
                source.kind()
            );
            assert!(!source.permissions().is_empty());
            for action in source.permissions() {
                assert!(
                    crate::collect::is_read_only_action(action),
                    "{}: {action} is not a read-only action",
                    source.kind()
                );
            }
        }
        assert_eq!(selected(&[]).expect("all").len(), SOURCES.len());
        assert!(selected(&[SourceChoice::None]).expect("none").is_empty());
        let first = SourceChoice::Kind(0);
        assert!(selected(&[SourceChoice::None, first]).is_err());
        assert!(
            matches!("x".parse::<SourceChoice>(), Err(e) if e.contains("unknown source kind 'x'"))
        );
    }
}
