//! A rule's metadata and every rendering of it. `explain`, SARIF's rule
//! descriptions and `docs/rules.md` all come from here, so they cannot
//! disagree on a heading, a label or where the rule is documented.

use std::fmt;

use crate::{AnalysisOptions, Severity};

/// Where `docs/rules.md` is published; a rule's anchor is appended.
const RULES_DOC_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

/// Whether a rule runs by default, and the version it arrived in.
///
/// A new rule arrives as [`RuleStatus::Preview`]: it runs only with
/// `--preview` (`AnalysisOptions::preview`), so upgrading deputy-audit never
/// adds findings to a gate that passed before. A later release makes it stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStatus {
    /// Runs in every analysis.
    Stable {
        /// The deputy-audit version the rule became stable in.
        since: &'static str,
    },
    /// Runs only with `--preview`.
    Preview {
        /// The deputy-audit version the rule arrived in.
        since: &'static str,
    },
}

impl RuleStatus {
    pub fn is_preview(self) -> bool {
        matches!(self, RuleStatus::Preview { .. })
    }

    /// The version the rule arrived in (preview) or became stable in.
    pub fn since(self) -> &'static str {
        match self {
            RuleStatus::Stable { since } | RuleStatus::Preview { since } => since,
        }
    }

    /// `stable` or `preview`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Stable { .. } => "stable",
            RuleStatus::Preview { .. } => "preview",
        }
    }
}

impl fmt::Display for RuleStatus {
    /// `stable since 0.1.0`, `preview since 0.2.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} since {}", self.as_str(), self.since())
    }
}

/// What a rule is: the one record `explain`, SARIF, Markdown and the findings
/// refer to.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// `CD001`.
    pub id: &'static str,
    /// `missing-source-condition`.
    pub name: &'static str,
    /// The highest severity the rule reports; a finding may rank lower (what
    /// a foreign caller could do decides).
    pub severity: Severity,
    /// Stable or preview, and since which version.
    pub status: RuleStatus,
    /// A hardening rule reports defence in depth, not an exposure: its examples
    /// are "reported" and "hardened", never "vulnerable" and "fixed".
    pub hardening: bool,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// A policy the rule reports.
    pub vulnerable_example: &'static str,
    /// The same policy, fixed.
    pub fixed_example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// The section titles every rendering uses, in order.
const WHY: &str = "Why it matters";
const FIX: &str = "Fix";

impl RuleInfo {
    /// How the two examples are labelled wherever a rule is explained: a
    /// hardening rule's first example is not "vulnerable".
    pub fn example_labels(&self) -> (&'static str, &'static str) {
        if self.hardening {
            ("Reported (defence in depth)", "Hardened")
        } else {
            ("Vulnerable", "Fixed")
        }
    }

    /// True when the rule runs under `options` (a preview rule needs
    /// `options.preview`).
    pub fn enabled(&self, options: &AnalysisOptions) -> bool {
        options.preview || !self.status.is_preview()
    }

    /// The anchor of the rule's section in `docs/rules.md` (`cd001`).
    pub fn anchor(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// Where the rule is documented (its section of `docs/rules.md`).
    pub fn help_url(&self) -> String {
        format!("{RULES_DOC_URL}#{}", self.anchor())
    }

    /// The rule's one line in `deputy-audit explain`'s list.
    pub fn render_list_line(&self) -> String {
        let preview = if self.status.is_preview() {
            "  [preview]"
        } else {
            ""
        };
        format!(
            "{}  {:<6}  {:<30}  {}{preview}",
            self.id,
            self.severity.as_str(),
            self.name,
            self.summary
        )
    }

    /// `deputy-audit explain CD001`: a heading line, then [`Self::render_plain`].
    pub fn render_text(&self) -> String {
        format!(
            "{} {} (severity: up to {}; {})\n\n{}",
            self.id,
            self.name,
            self.severity,
            self.status,
            self.render_plain()
        )
    }

    /// Plain text (SARIF `help.text`, and the body of `explain`): the summary,
    /// why it matters, the two examples and the fix, each under its title.
    pub fn render_plain(&self) -> String {
        let (before, after) = self.example_labels();
        format!(
            "{}\n\n{WHY}\n{}\n\n{before}\n{}\n\n{after}\n{}\n\n{FIX}\n{}\n",
            self.summary,
            self.rationale,
            self.vulnerable_example.trim(),
            self.fixed_example.trim(),
            self.fix
        )
    }

    /// Markdown (SARIF `help.markdown`, and each rule's section of
    /// `docs/rules.md`): the summary, then its sections under headings of
    /// `level` (`##` in SARIF, `###` in the document).
    pub fn render_markdown(&self, level: usize) -> String {
        let h = "#".repeat(level);
        let (before, after) = self.example_labels();
        format!(
            "{}\n\n{h} {WHY}\n\n{}\n\n{h} {before}\n\n```json\n{}\n```\n\n{h} {after}\n\n```json\n{}\n```\n\n{h} {FIX}\n\n{}\n",
            self.summary,
            self.rationale,
            self.vulnerable_example.trim(),
            self.fixed_example.trim(),
            self.fix
        )
    }

    /// The rule's whole section of `docs/rules.md`.
    pub(crate) fn render_doc_section(&self) -> String {
        format!(
            "\n## {}\n\n**{}** · severity up to **{}** · {}\n\n{}",
            self.id,
            self.name,
            self.severity,
            self.status,
            self.render_markdown(3)
        )
    }
}
