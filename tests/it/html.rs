//! The HTML report rendered by a real browser: the binary writes it (`check` on
//! fixture policies, offline), headless Chromium loads it (with filters in the
//! URL fragment, which the page's script reads), and the tests assert on the DOM
//! the browser produced. A screenshot and the dumped DOMs are kept under
//! `<target dir>/test-artifacts/html-report/`.
//!
//! Chromium comes from the OS packages (`/usr/bin/chromium`, or
//! `DEPUTY_AUDIT_CHROMIUM`); when it is missing the test runs
//! `scripts/install-chromium.sh`, and fails (never skips) if that cannot install it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ACCOUNT: &str = "111122223333";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `<target dir>/test-artifacts/html-report`, beside `debug/`.
fn artifacts() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_deputy-audit"));
    let target = bin
        .parent()
        .and_then(Path::parent)
        .expect("binary in <target>/<profile>/");
    let dir = target.join("test-artifacts").join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chromium() -> PathBuf {
    let path = PathBuf::from(
        std::env::var_os("DEPUTY_AUDIT_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into()),
    );
    if !path.exists() {
        let status = Command::new("bash")
            .arg(root().join("scripts/install-chromium.sh"))
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()) && path.exists(),
            "the HTML report test needs Chromium at {} and scripts/install-chromium.sh could not \
             install it ({status:?}); run `apt-get update && apt-get install -y chromium` as root, \
             or set DEPUTY_AUDIT_CHROMIUM to a Chromium binary",
            path.display()
        );
    }
    path
}

/// Headless Chromium with no network of its own and a fresh profile each run.
fn browser(extra: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("runs chromium");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 DOM")
}

fn dump_dom(report: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", report.display());
    browser(&["--dump-dom".to_string()], &url)
}

/// A workspace with the fixtures, a hostile Sid, an unreadable file and a
/// suppression; returns it with the JSON report of the same run.
fn workspace() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for name in [
        "sqs-queue.json",
        "trust-policy.json",
        "protected-topic.json",
    ] {
        std::fs::copy(
            root().join("tests/fixtures/policies").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let hostile = serde_json::json!({"Statement": [{
        "Sid": "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"><script>document.body.setAttribute('data-pwned','2')</script>'\u{1b}[2J\u{202e}",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage"
    }]});
    std::fs::write(dir.path().join("hostile.json"), hostile.to_string()).unwrap();
    std::fs::write(dir.path().join("broken.json"), "not a policy").unwrap();

    let (doc, _) = run(dir.path(), "json", "report.json", &[]);
    // Suppress one finding, so that the suppressed section has one.
    let first = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["statement_sid"] == "FromSns")
        .expect("the FromSns finding")["finding_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        dir.path().join("suppressions.json"),
        serde_json::json!({"suppressions": [{"finding_id": first, "reason": "reviewed <b>SEC-7</b>"}]})
            .to_string(),
    )
    .unwrap();
    let (doc, _) = run(
        dir.path(),
        "json",
        "report.json",
        &["--baseline", "suppressions.json"],
    );
    (dir, doc)
}

/// `check` writing `format` to `output`; returns the JSON (if JSON) and the text.
fn run(dir: &Path, format: &str, output: &str, extra: &[&str]) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_deputy-audit"))
        .current_dir(dir)
        .env_remove("DEPUTY_AUDIT_LOG")
        .env("NO_COLOR", "1")
        .args(["check", "--account", ACCOUNT, "--format", format])
        .args(["--output", output])
        .args(extra)
        .args([
            "sqs-queue.json",
            "trust-policy.json",
            "protected-topic.json",
            "hostile.json",
            "broken.json",
        ])
        .output()
        .unwrap();
    // 2: broken.json could not be read (the report is still written).
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join(output)).unwrap();
    let doc = if format == "json" {
        serde_json::from_str(&text).unwrap()
    } else {
        Value::Null
    };
    (doc, text)
}

/// `(finding id, visible)` of every finding element in a dumped DOM.
fn findings_in(dom: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for tag in dom.split("<article ").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            Some(tag[start..start + tag[start..].find('"')?].to_string())
        };
        let id = attr("data-finding-id").expect("finding id");
        let visible = attr("data-visible").expect("the script marks every finding");
        assert_eq!(visible == "false", tag.contains(" hidden"), "{tag}");
        found.push((id, visible == "true"));
    }
    found
}

/// The HTML with every `<a href="https://...">...</a>` removed.
fn without_anchors(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</a>").expect("closed anchor") + start + 4;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_html_report_renders_and_filters_in_headless_chromium() {
    let (dir, doc) = workspace();
    let (_, html) = run(
        dir.path(),
        "html",
        "report.html",
        &["--baseline", "suppressions.json"],
    );
    let report = dir.path().join("report.html");
    let keep = artifacts();
    std::fs::write(keep.join("report.html"), &html).unwrap();

    // Self-contained: no reference leaves the file except plain links to the docs.
    for anchor in html.split("<a ").skip(1) {
        let anchor = &anchor[..anchor.find('>').unwrap()];
        if let Some(start) = anchor.find("href=\"http") {
            let url = &anchor[start + 6..];
            assert!(
                url.starts_with(
                    "https://github.com/deputy-audit/deputy-audit/blob/main/docs/rules.md#"
                ) || url.starts_with("https://docs.aws.amazon.com/"),
                "{anchor}"
            );
        }
    }
    let rest = without_anchors(&html);
    for external in [
        "http://", "https://", "src=\"", "<link", "<img", "<iframe", "<object", "<embed", "url(",
        "@import",
    ] {
        assert!(!rest.contains(external), "{external} outside a docs link");
    }
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));

    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.len() >= 4, "{doc:#}");
    let all: BTreeSet<String> = findings
        .iter()
        .map(|f| f["finding_id"].as_str().unwrap().to_string())
        .collect();

    // Without a filter: every finding, visible.
    let dom = dump_dom(&report, "");
    std::fs::write(keep.join("dom-unfiltered.html"), &dom).unwrap();
    let shown = findings_in(&dom);
    assert_eq!(
        shown
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<BTreeSet<_>>(),
        all
    );
    assert!(shown.iter().all(|(_, visible)| *visible), "{shown:?}");
    assert!(dom.contains(&format!(
        "{} of {} shown (suppressed included)",
        findings.len(),
        findings.len()
    )));
    // Policy text stayed text: no injected element ran or exists.
    assert!(!dom.contains("data-pwned=\""), "a Sid's markup ran");
    assert!(!dom.contains("<img"), "a Sid became an element");
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the report's script"
    );
    assert!(dom.contains("&lt;script&gt;document.body.setAttribute"));
    assert!(
        dom.contains("\\u{1b}[2J\\u{202e}"),
        "control characters shown"
    );
    for section in [
        "id=\"chart-service\"",
        "id=\"summary-account\"",
        "id=\"suppressed\"",
        "id=\"not-assessed\"",
        "reviewed &lt;b&gt;SEC-7&lt;/b&gt;",
        "broken.json",
        "<pre class=\"condition\">",
    ] {
        assert!(dom.contains(section), "{section}");
    }

    // Each filter (from the fragment, or the query) shows exactly what matches.
    let field = |f: &Value, key: &str| f[key].as_str().unwrap_or_default().to_string();
    // (URL tail, the JSON field that decides, its accepted values)
    let cases: [(&str, &str, &[&str]); 6] = [
        ("#severity=high", "severity", &["high"]),
        ("#severity=medium", "severity", &["medium"]),
        ("#service=iam", "service", &["iam"]),
        ("#rule=CD001", "rule_id", &["CD001"]),
        (
            "#account=111122223333&severity=high,medium&rule=CD002",
            "rule_id",
            &["CD002"],
        ),
        ("?rule=CD004", "rule_id", &["CD004"]),
    ];
    for (fragment, key, accepted) in cases {
        let expected: BTreeSet<String> = findings
            .iter()
            .filter(|f| accepted.contains(&field(f, key).as_str()))
            .map(|f| field(f, "finding_id"))
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "{fragment}"
        );
        let dom = dump_dom(&report, fragment);
        let visible: BTreeSet<String> = findings_in(&dom)
            .into_iter()
            .filter(|(_, visible)| *visible)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(visible, expected, "{fragment}");
    }

    // The screenshot a reviewer would see, kept as an artifact.
    let png = keep.join("report.png");
    let _ = std::fs::remove_file(&png);
    browser(
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_string(),
        ],
        &format!("file://{}", report.display()),
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000);
    eprintln!("HTML report artifacts in {}", keep.display());
}
