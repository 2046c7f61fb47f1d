//! The HTML report, one self-contained file a reviewer opens in a browser: a
//! summary by account, service and severity with a bar chart (plain CSS), the
//! findings filterable by severity, service, account and rule (a small inline
//! script, also driven by the URL fragment: `report.html#severity=high&service=sqs`),
//! each with its message, recommendation, suggested `Condition` block and a
//! link to its rule in docs/rules.md; then the suppressed findings, the
//! AWS-managed resources and the resources that could not be assessed.
//!
//! Nothing is fetched: the styles and the script are inline, there are no
//! fonts, images or frames, and a Content-Security-Policy (`default-src 'none'`)
//! forbids any request. Every string that comes from a policy or an API is
//! HTML-escaped after its control characters are made visible
//! ([`crate::escape::visible`]), so a Sid of `<script>` is text. The script
//! never writes markup: it only reads `data-*` attributes and sets `hidden`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;

use deputy_audit_analyze::{Finding, Severity};

use super::Report;

const ORDER: [Severity; 4] = [
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// `text` safe as HTML text or a quoted attribute value: control and bidi
/// characters shown as `\u{..}`, then `& < > " '` as entities.
pub(super) fn escape(text: &str) -> String {
    let text = crate::escape::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Multi-line text (pretty-printed JSON) for a `<pre>`: each line escaped,
/// the line breaks kept.
fn escape_lines(text: &str) -> String {
    text.lines().map(escape).collect::<Vec<_>>().join("\n")
}

/// Escaped text with the AWS documentation URLs the rules cite made plain
/// links (nothing else: a URL in a Sid stays text).
fn escape_prose(text: &str) -> String {
    const DOCS: &str = "https://docs.aws.amazon.com/";
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(start) = rest.find(DOCS) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ')', ';', ':']);
        out.push_str(&format!(
            "<a class=\"doc\" rel=\"noreferrer\" href=\"{url}\">{url}</a>"
        ));
        rest = &tail[url.len()..];
    }
    out.push_str(rest);
    out
}

fn account_label(account: &str) -> String {
    if account.is_empty() {
        "(account not given)".to_string()
    } else {
        account.to_string()
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; --high:#c0392b; --medium:#e67e22; --low:#f1c40f; --info:#7f8c8d; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; color: #1d232a; background: #fafbfc; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 1px solid #d5dbe1; padding-bottom: .2rem; margin-top: 2rem; }
.facts { color: #59636e; margin: 0 0 1rem; }
.totals span { display: inline-block; margin-right: 1.2rem; font-size: 1.05rem; }
.totals b { font-size: 1.4rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; background: #fff; }
th, td { border: 1px solid #d5dbe1; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .88em; }
code { overflow-wrap: anywhere; }
pre { background: #f3f5f7; border: 1px solid #d5dbe1; padding: .5rem; overflow-x: auto; }
.sev { display: inline-block; min-width: 4.2rem; text-align: center; border-radius: 3px; color: #fff; font-weight: 600; font-size: .8rem; padding: .05rem .3rem; text-transform: uppercase; }
.sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); color: #222; } .sev-info { background: var(--info); }
.chart { display: grid; grid-template-columns: max-content 1fr max-content; gap: .3rem .6rem; align-items: center; max-width: 900px; margin: .5rem 0 1rem; }
.bar { display: flex; height: 1.1rem; background: #eef1f4; border-radius: 2px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.bar .high { background: var(--high); } .bar .medium { background: var(--medium); }
.bar .low { background: var(--low); } .bar .info { background: var(--info); }
.legend span { margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; }
.filters { position: sticky; top: 0; background: #fafbfc; padding: .5rem 0; border-bottom: 1px solid #d5dbe1; z-index: 1; }
.filters label { margin-right: 1rem; } .filters select { margin-left: .3rem; }
.finding { background: #fff; border: 1px solid #d5dbe1; border-left: 5px solid var(--info); border-radius: 3px; padding: .6rem .9rem; margin: .7rem 0; }
.finding[data-severity="high"] { border-left-color: var(--high); } .finding[data-severity="medium"] { border-left-color: var(--medium); }
.finding[data-severity="low"] { border-left-color: var(--low); }
.finding header { display: flex; flex-wrap: wrap; gap: .2rem .7rem; align-items: baseline; }
.finding .where { color: #59636e; font-size: .9rem; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: .5rem 0 0; }
.finding dt { font-weight: 600; color: #3b4550; } .finding dd { margin: 0; }
.note { color: #59636e; }
.tag { border: 1px solid #8a96a3; border-radius: 3px; padding: 0 .3rem; font-size: .8rem; color: #3b4550; }
"#;

/// Reads the filters from the fragment (`#severity=high,medium&rule=CD001`) or
/// the query, mirrors them in the selects, hides the findings that do not
/// match (`hidden` and `data-visible="false"`), and keeps the fragment in step
/// with the selects. Only compares strings; never builds markup.
const SCRIPT: &str = r##"
(function () {
  "use strict";
  var keys = ["severity", "service", "account", "rule"];
  function parse() {
    var wanted = {};
    var text = (location.hash || "").replace(/^#/, "");
    if (!text) { text = (location.search || "").replace(/^\?/, ""); }
    text.split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i < 0) { return; }
      var key = decodeURIComponent(pair.slice(0, i));
      var value = decodeURIComponent(pair.slice(i + 1).replace(/\+/g, " "));
      if (keys.indexOf(key) >= 0 && value) { wanted[key] = value.split(","); }
    });
    return wanted;
  }
  function apply(wanted) {
    var shown = 0, total = 0;
    document.querySelectorAll(".finding").forEach(function (el) {
      var match = keys.every(function (k) {
        return !wanted[k] || wanted[k].indexOf(el.getAttribute("data-" + k)) >= 0;
      });
      total += 1;
      if (match) { shown += 1; el.hidden = false; el.setAttribute("data-visible", "true"); }
      else { el.hidden = true; el.setAttribute("data-visible", "false"); }
    });
    keys.forEach(function (k) {
      var select = document.getElementById("filter-" + k);
      if (select) { select.value = wanted[k] && wanted[k].length === 1 ? wanted[k][0] : ""; }
    });
    var count = document.getElementById("filter-count");
    if (count) { count.textContent = shown + " of " + total + " shown (suppressed included)"; }
    document.body.setAttribute("data-filtered", "true");
  }
  function fromSelects() {
    var parts = [];
    keys.forEach(function (k) {
      var select = document.getElementById("filter-" + k);
      if (select && select.value) { parts.push(k + "=" + encodeURIComponent(select.value)); }
    });
    var hash = parts.join("&");
    if (history.replaceState) { history.replaceState(null, "", hash ? "#" + hash : location.pathname); }
    apply(parse());
  }
  keys.forEach(function (k) {
    var select = document.getElementById("filter-" + k);
    if (select) { select.addEventListener("change", fromSelects); }
  });
  window.addEventListener("hashchange", function () { apply(parse()); });
  apply(parse());
})();
"##;

pub(super) fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut html = String::new();
    render(report, &mut html)?;
    out.write_all(html.as_bytes())?;
    Ok(())
}

fn render(report: &Report, h: &mut String) -> anyhow::Result<()> {
    let (active, suppressed): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| report.suppression(f).is_none());
    let active = sorted(active);
    let suppressed = sorted(suppressed);

    writeln!(h, "<!DOCTYPE html>")?;
    writeln!(h, "<html lang=\"en\">")?;
    writeln!(h, "<head>")?;
    writeln!(h, "<meta charset=\"utf-8\">")?;
    // No request of any kind: styles and the script are inline.
    writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
    )?;
    writeln!(h, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        h,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(h, "<title>deputy-audit report</title>")?;
    writeln!(h, "<style>{STYLE}</style>")?;
    writeln!(h, "</head>")?;
    writeln!(h, "<body>")?;
    writeln!(h, "<h1>deputy-audit report</h1>")?;

    let mut facts = Vec::new();
    if crate::sentinel::ReportScope::of(&report.account_id) != crate::sentinel::ReportScope::Check {
        facts.push(format!(
            "account <code>{}</code>",
            escape(&report.account_id)
        ));
    }
    if !report.regions.is_empty() {
        facts.push(format!("regions {}", escape(&report.regions.join(", "))));
    }
    facts.push(format!(
        "{} → {}",
        escape(&report.scan_started),
        escape(&report.scan_finished)
    ));
    facts.push(format!(
        "{} {}",
        escape(&report.tool.name),
        escape(&report.tool.version)
    ));
    writeln!(h, "<p class=\"facts\">{}</p>", facts.join(" · "))?;

    let resources: usize = report.resource_counts.values().sum();
    writeln!(h, "<p class=\"totals\" id=\"totals\">")?;
    for (n, what, id) in [
        (active.len(), "findings", "total-findings"),
        (suppressed.len(), "suppressed", "total-suppressed"),
        (resources, "resources scanned", "total-resources"),
        (report.errors.len(), "not assessed", "total-not-assessed"),
        (
            report.aws_managed_resources.len(),
            "AWS-managed",
            "total-aws-managed",
        ),
    ] {
        writeln!(h, "<span id=\"{id}\"><b>{n}</b> {what}</span>")?;
    }
    writeln!(h, "</p>")?;
    if let Some(g) = &report.organization_guardrails {
        writeln!(h, "<p>{}</p>", escape(&g.describe()))?;
    }
    if !report.is_complete() {
        writeln!(
            h,
            "<p><strong>The scan is incomplete:</strong> some resources could not be assessed (<a href=\"#not-assessed\">listed below</a>).</p>"
        )?;
    }

    write_summary(report, &active, h)?;
    write_findings(report, &active, h)?;

    if !suppressed.is_empty() {
        writeln!(
            h,
            "<h2 id=\"suppressed\">Suppressed ({})</h2>",
            suppressed.len()
        )?;
        writeln!(
            h,
            "<p class=\"note\">Accepted by <code>--baseline</code>: still reported, never gating.</p>"
        )?;
        writeln!(h, "<div id=\"suppressed-findings\">")?;
        for f in &suppressed {
            write_finding(h, f, report.suppression(f))?;
        }
        writeln!(h, "</div>")?;
    }

    if !report.aws_managed_resources.is_empty() {
        writeln!(
            h,
            "<h2 id=\"aws-managed\">AWS-managed ({})</h2>",
            report.aws_managed_resources.len()
        )?;
        writeln!(
            h,
            "<p class=\"note\">The account cannot change these policies, so they are listed, not judged, and never gate.</p>"
        )?;
        writeln!(
            h,
            "<table><thead><tr><th>account</th><th>region</th><th>type</th><th>resource</th><th>why AWS owns it</th></tr></thead><tbody>"
        )?;
        for r in &report.aws_managed_resources {
            writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&account_label(&r.account_id)),
                escape(&r.region),
                escape(r.resource_type.as_str()),
                escape(&r.resource_arn),
                escape(&r.reason)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
    }

    if !report.errors.is_empty() {
        writeln!(
            h,
            "<h2 id=\"not-assessed\">Not assessed ({})</h2>",
            report.errors.len()
        )?;
        writeln!(
            h,
            "<p class=\"note\">These could not be read, so their findings (if any) are missing from this report.</p>"
        )?;
        writeln!(
            h,
            "<table><thead><tr><th>account</th><th>region</th><th>service</th><th>resource</th><th>operation</th><th>reason</th></tr></thead><tbody>"
        )?;
        for e in &report.errors {
            writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&account_label(&e.account_id)),
                escape(&e.region),
                escape(&e.service),
                escape(&e.resource_arn),
                escape(&e.operation),
                escape(&e.reason)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
    }

    writeln!(h, "<script>{SCRIPT}</script>")?;
    writeln!(h, "</body>")?;
    writeln!(h, "</html>")?;
    Ok(())
}

/// Most severe first, then account, resource, statement and rule.
fn sorted(mut findings: Vec<&Finding>) -> Vec<&Finding> {
    findings.sort_by(|a, b| {
        (
            b.severity,
            &a.account_id,
            &a.resource_arn,
            a.statement_index,
            a.rule.id,
        )
            .cmp(&(
                a.severity,
                &b.account_id,
                &b.resource_arn,
                b.statement_index,
                b.rule.id,
            ))
    });
    findings
}

fn severity_cells(counts: &[usize; 4]) -> String {
    ORDER
        .iter()
        .map(|s| format!("<td class=\"n\">{}</td>", counts[*s as usize]))
        .collect()
}

/// A stacked bar, `max` being the widest total.
fn bar(counts: &[usize; 4], max: usize) -> String {
    let mut out = String::from("<div class=\"bar\">");
    for s in ORDER {
        let n = counts[s as usize];
        if n > 0 && max > 0 {
            let width = n as f64 * 100.0 / max as f64;
            out.push_str(&format!(
                "<span class=\"{}\" style=\"width:{width:.2}%\" title=\"{n} {}\"></span>",
                s.as_str(),
                s.as_str()
            ));
        }
    }
    out.push_str("</div>");
    out
}

fn write_summary(report: &Report, active: &[&Finding], h: &mut String) -> anyhow::Result<()> {
    writeln!(h, "<h2 id=\"summary\">Summary</h2>")?;
    if active.is_empty() {
        writeln!(h, "<p>No findings.</p>")?;
    }
    let mut by_severity = [0usize; 4];
    for f in active {
        by_severity[f.severity as usize] += 1;
    }

    let by_service = super::severity_counts_by_service(active.iter().copied());
    if !by_service.is_empty() {
        writeln!(h, "<h3>By service</h3>")?;
        writeln!(h, "<p class=\"legend\">")?;
        for s in ORDER {
            writeln!(
                h,
                "<span><i class=\"sev-{0}\"></i>{0} ({1})</span>",
                s.as_str(),
                by_severity[s as usize]
            )?;
        }
        writeln!(h, "</p>")?;
        let max = by_service
            .values()
            .map(|n| n.iter().sum::<usize>())
            .max()
            .unwrap_or(0);
        writeln!(
            h,
            "<div class=\"chart\" id=\"chart-service\" role=\"img\" aria-label=\"findings by service and severity\">"
        )?;
        for (service, n) in &by_service {
            writeln!(
                h,
                "<span>{}</span>{}<span>{}</span>",
                escape(service),
                bar(n, max),
                n.iter().sum::<usize>()
            )?;
        }
        writeln!(h, "</div>")?;
        writeln!(
            h,
            "<table id=\"summary-service\"><thead><tr><th>service</th><th>high</th><th>medium</th><th>low</th><th>info</th><th>total</th></tr></thead><tbody>"
        )?;
        for (service, n) in &by_service {
            writeln!(
                h,
                "<tr><td>{}</td>{}<td class=\"n\">{}</td></tr>",
                escape(service),
                severity_cells(n),
                n.iter().sum::<usize>()
            )?;
        }
        writeln!(
            h,
            "<tr><th>total</th>{}<td class=\"n\"><b>{}</b></td></tr>",
            severity_cells(&by_severity),
            active.len()
        )?;
        writeln!(h, "</tbody></table>")?;
    }

    // By account: every account scanned (with its status) and every account
    // a finding names.
    let mut by_account: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for a in &report.accounts {
        by_account.entry(a.account_id.as_str()).or_default();
    }
    for f in active {
        by_account.entry(f.account_id.as_str()).or_default()[f.severity as usize] += 1;
    }
    if !by_account.is_empty() {
        writeln!(h, "<h3>By account</h3>")?;
        writeln!(
            h,
            "<table id=\"summary-account\"><thead><tr><th>account</th><th>status</th><th>resources</th><th>high</th><th>medium</th><th>low</th><th>info</th><th>not assessed</th></tr></thead><tbody>"
        )?;
        for (account, n) in &by_account {
            let summary = report.accounts.iter().find(|a| a.account_id == *account);
            let status = match summary {
                Some(a) => serde_json::to_value(a.status)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                None => "–".to_string(),
            };
            let resources = summary.map_or_else(
                || report.resource_counts.values().sum::<usize>(),
                |a| a.resource_counts.values().sum::<usize>(),
            );
            let errors = report
                .errors
                .iter()
                .filter(|e| e.account_id == *account)
                .count();
            writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{resources}</td>{}<td class=\"n\">{errors}</td></tr>",
                escape(&account_label(account)),
                escape(&status),
                severity_cells(n)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
    }
    Ok(())
}

/// A `<select>` of every value of one filter, `(value, label)`.
fn select<'a>(
    h: &mut String,
    key: &str,
    values: impl IntoIterator<Item = &'a (String, String)>,
) -> anyhow::Result<()> {
    writeln!(
        h,
        "<label for=\"filter-{key}\">{key}<select id=\"filter-{key}\"><option value=\"\">all</option>"
    )?;
    for (value, label) in values {
        writeln!(
            h,
            "<option value=\"{}\">{}</option>",
            escape(value),
            escape(label)
        )?;
    }
    writeln!(h, "</select></label>")?;
    Ok(())
}

fn write_findings(report: &Report, active: &[&Finding], h: &mut String) -> anyhow::Result<()> {
    writeln!(h, "<h2 id=\"findings\">Findings ({})</h2>", active.len())?;
    let mut services = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    let mut rules = BTreeSet::new();
    for f in &report.findings {
        services.insert((f.service.clone(), f.service.clone()));
        accounts.insert((f.account_id.clone(), account_label(&f.account_id)));
        rules.insert((
            f.rule.id.to_string(),
            format!("{} {}", f.rule.id, f.rule.name),
        ));
    }
    // Severity options most severe first.
    let severities: Vec<(String, String)> = ORDER
        .iter()
        .filter(|s| report.findings.iter().any(|f| f.severity == **s))
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    writeln!(
        h,
        "<form class=\"filters\" id=\"filters\" onsubmit=\"return false\">"
    )?;
    select(h, "severity", &severities)?;
    select(h, "service", &services)?;
    select(h, "account", &accounts)?;
    select(h, "rule", &rules)?;
    writeln!(h, "<span id=\"filter-count\" class=\"note\"></span>")?;
    writeln!(h, "</form>")?;
    writeln!(h, "<div id=\"active-findings\">")?;
    for f in active {
        write_finding(h, f, None)?;
    }
    writeln!(h, "</div>")?;
    Ok(())
}

fn write_finding(
    h: &mut String,
    f: &Finding,
    suppression: Option<&super::Suppression>,
) -> anyhow::Result<()> {
    let sev = f.severity.as_str();
    writeln!(
        h,
        "<article class=\"finding\" id=\"finding-{id}\" data-finding-id=\"{id}\" data-severity=\"{sev}\" data-service=\"{service}\" data-account=\"{account}\" data-rule=\"{rule}\" data-suppressed=\"{suppressed}\">",
        id = escape(&f.finding_id),
        service = escape(&f.service),
        account = escape(&f.account_id),
        rule = escape(f.rule.id),
        suppressed = suppression.is_some(),
    )?;
    let statement = super::statement_label(f.statement_index, f.statement_sid.as_deref(), |s| {
        format!("<code>{}</code>", escape(s))
    });
    writeln!(
        h,
        "<header><span class=\"sev sev-{sev}\">{sev}</span> <a class=\"rule\" rel=\"noreferrer\" href=\"{url}\">{id} {name}</a> <code class=\"fid\">{fid}</code>",
        url = escape(&f.rule.help_url()),
        id = escape(f.rule.id),
        name = escape(f.rule.name),
        fid = escape(&f.finding_id),
    )?;
    if f.aws_managed {
        writeln!(
            h,
            "<span class=\"tag\">AWS-managed: its policy cannot be changed</span>"
        )?;
    }
    if suppression.is_some() {
        writeln!(h, "<span class=\"tag\">suppressed</span>")?;
    }
    writeln!(h, "</header>")?;
    let region = if f.region.is_empty() {
        String::new()
    } else {
        format!(" · {}", escape(&f.region))
    };
    writeln!(
        h,
        "<div class=\"where\"><code>{}</code> ({}) · account <code>{}</code>{region} · {statement}</div>",
        escape(&f.resource_arn),
        escape(f.resource_type.as_str()),
        escape(&account_label(&f.account_id)),
    )?;
    writeln!(h, "<dl>")?;
    writeln!(h, "<dt>Problem</dt><dd>{}</dd>", escape_prose(&f.message))?;
    if !f.principals.is_empty() || !f.actions.is_empty() {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("<code>{}</code>", escape(s)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(h, "<dt>Principals</dt><dd>{}</dd>", list(&f.principals))?;
        writeln!(h, "<dt>Actions</dt><dd>{}</dd>", list(&f.actions))?;
    }
    if let Some(m) = &f.mitigated_by {
        writeln!(h, "<dt>Mitigated</dt><dd>{}</dd>", escape(&m.describe()))?;
    }
    if let Some(s) = suppression {
        writeln!(h, "<dt>Suppressed</dt><dd>{}</dd>", escape(&s.reason))?;
    }
    writeln!(
        h,
        "<dt>Fix</dt><dd>{}</dd>",
        escape_prose(&f.recommendation)
    )?;
    if let Some(condition) = &f.suggested_condition {
        let body = serde_json::to_string_pretty(&serde_json::json!({ "Condition": condition }))?;
        writeln!(
            h,
            "<dt>Condition</dt><dd><pre class=\"condition\">{}</pre></dd>",
            escape_lines(&body)
        )?;
    }
    writeln!(h, "</dl>")?;
    writeln!(h, "</article>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    fn html(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn policy_text_cannot_inject_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>\"&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"
        );
        assert_eq!(escape("a\u{1b}[2J\u{202e}b"), "a\\u{1b}[2J\\u{202e}b");
        assert_eq!(
            escape_prose("see https://docs.aws.amazon.com/x/y.html. <b> https://evil.example/"),
            "see <a class=\"doc\" rel=\"noreferrer\" href=\"https://docs.aws.amazon.com/x/y.html\">https://docs.aws.amazon.com/x/y.html</a>. &lt;b&gt; https://evil.example/"
        );
        assert_eq!(
            escape_lines("{\n  \"<x>\"\n}"),
            "{\n  &quot;&lt;x&gt;&quot;\n}"
        );
    }

    #[test]
    fn a_hostile_sid_is_text() {
        let mut report = sample_report();
        report.findings[0].statement_sid = Some("</code><script>alert(1)</script>\"'\u{7}".into());
        report.findings[0].message = "<img src=x onerror=alert(1)>".into();
        let page = html(&report);
        assert_eq!(page.matches("<script>").count(), 1, "only the report's own");
        assert!(!page.contains("<img"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;\\u{7}"));
    }

    #[test]
    fn every_finding_and_section_appears() {
        let report = sample_report();
        let page = html(&report);
        for f in &report.findings {
            assert!(page.contains(&format!("data-finding-id=\"{}\"", f.finding_id)));
            assert!(page.contains(&f.rule.help_url()));
        }
        for section in [
            "id=\"summary\"",
            "id=\"chart-service\"",
            "id=\"summary-account\"",
            "id=\"suppressed\"",
            "id=\"aws-managed\"",
            "id=\"not-assessed\"",
            "accepted risk",
        ] {
            assert!(page.contains(section), "{section}");
        }
    }
}
