//! `deputy-audit explain [RULE]`.

use crate::exit;

pub fn explain(rule_id: Option<&str>) -> anyhow::Result<u8> {
    let Some(id) = rule_id else {
        for rule in deputy_audit_analyze::rules() {
            println!(
                "{}  {:<6}  {:<30}  {}",
                rule.id,
                rule.severity.as_str(),
                rule.name,
                rule.summary
            );
        }
        return Ok(exit::CLEAN);
    };
    let Some(rule) = deputy_audit_analyze::rule(&id.to_ascii_uppercase()) else {
        let known: Vec<&str> = deputy_audit_analyze::rules().iter().map(|r| r.id).collect();
        anyhow::bail!("unknown rule '{id}' (known: {})", known.join(", "));
    };
    println!(
        "{} {} (severity: up to {})\n",
        rule.id, rule.name, rule.severity
    );
    println!("{}\n", rule.summary);
    println!("Why it matters\n{}\n", rule.rationale);
    let (before, after) = rule.example_labels();
    println!("{before}\n{}\n", rule.vulnerable_example);
    println!("{after}\n{}\n", rule.fixed_example);
    println!("How to fix\n{}", rule.fix);
    Ok(exit::CLEAN)
}
