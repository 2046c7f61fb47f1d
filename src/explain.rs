//! `deputy-audit explain [RULE]`: the rule's own renderers, the same texts
//! SARIF and docs/rules.md show.

use crate::exit;

// `explain` is output: its text goes to stdout.
#[allow(
    clippy::print_stdout,
    reason = "explain writes the rule texts to stdout"
)]
pub(crate) fn explain(rule_id: Option<&str>) -> anyhow::Result<u8> {
    let Some(id) = rule_id else {
        for rule in deputy_audit_analyze::rules() {
            println!("{}", rule.render_list_line());
        }
        return Ok(exit::CLEAN);
    };
    let Some(rule) = deputy_audit_analyze::rule(id) else {
        let known: Vec<&str> = deputy_audit_analyze::rules().iter().map(|r| r.id).collect();
        anyhow::bail!("unknown rule '{id}' (known: {})", known.join(", "));
    };
    print!("{}", rule.render_text());
    Ok(exit::CLEAN)
}
