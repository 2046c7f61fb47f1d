//! Reading the files a command is given (policies, reports, baselines, the
//! config and accounts files): bounded, BOM-tolerant, and named in every error.
//!
//! Every input is read through [`read_text`], which stops after `limit + 1`
//! bytes: `check /dev/zero` or a multi-gigabyte pipe costs at most the limit
//! in memory, never the machine.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// Policies: the analyzer refuses anything larger anyway.
pub(crate) const POLICY_LIMIT: usize = deputy_audit_analyze::policy::MAX_POLICY_BYTES;
/// JSON reports (`diff`, `--baseline`): a report of a large organization with
/// tens of thousands of findings stays far below this.
pub(crate) const REPORT_LIMIT: usize = 256 * 1024 * 1024;
/// The config file and the accounts file: a few lines, or a few thousand ids.
pub(crate) const SETTINGS_LIMIT: usize = 4 * 1024 * 1024;

/// `-` stands for standard input wherever a command reads files.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads `path` (or standard input for `-`) as UTF-8 text of at most `limit`
/// bytes. `what` says what the file is for ("policy", "baseline", ...), so the
/// message tells the user which of their files is at fault. A leading UTF-8
/// byte-order mark (as Windows editors write) is dropped.
pub(crate) fn read_text(path: &Path, what: &str, limit: usize) -> anyhow::Result<String> {
    let shown = display(path);
    let mut bytes = Vec::new();
    // `limit + 1` so that "exactly the limit" and "more than the limit" differ.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if is_stdin(path) {
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {what} from standard input"))?;
    } else {
        if path.is_dir() {
            bail!("cannot read {what} {shown}: it is a directory");
        }
        std::fs::File::open(path)
            .and_then(|file| file.take(cap).read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {what} {shown}"))?;
    }
    if bytes.len() > limit {
        bail!("{what} {shown} is too large: over the {limit}-byte limit (stopped reading there)");
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => bail!(
            "{what} {shown} is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ),
    }
}

/// How a file is named in messages: `<stdin>` for `-`.
pub(crate) fn display(path: &Path) -> String {
    if is_stdin(path) {
        crate::sentinel::STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// A file's identity (device and inode), so that two spellings of one file
/// (`p.json`, `./p.json`, a hard or symbolic link) compare equal. `None` when
/// the file does not exist (then it cannot be the same as an existing input).
#[cfg(unix)]
pub(crate) fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuses an `--output` file that is one of the inputs: writing the report
/// would destroy the file it was computed from. `inputs` pairs each input with
/// the flag or argument it came from, for the message.
pub(crate) fn refuse_output_over_input(
    output: Option<&Path>,
    inputs: &[(&str, &Path)],
) -> anyhow::Result<()> {
    let Some(output) = output else {
        return Ok(());
    };
    let Some(out_id) = identity(output) else {
        return Ok(());
    };
    for (origin, input) in inputs {
        let input_id = if is_stdin(input) {
            stdin_identity()
        } else {
            identity(input)
        };
        if input_id.as_ref() == Some(&out_id) {
            bail!(
                "--output {} is the same file as {origin} {}: the report would overwrite its own input; write it somewhere else",
                output.display(),
                display(input)
            );
        }
    }
    Ok(())
}

/// The name a `check` input is reported under (its `resource_arn`, which the
/// finding id hashes): the same however the path is spelled and whatever the
/// working directory. A file inside a git work tree is named relative to its
/// root (the nearest ancestor holding `.git`: `policies/q.json`, wherever the
/// checkout lives); any other file by its canonical absolute path.
pub(crate) fn canonical_name(path: &Path) -> Option<(PathBuf, String)> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let name = canonical
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .and_then(|root| canonical.strip_prefix(root).ok())
        .filter(|relative| !relative.as_os_str().is_empty())
        .map_or_else(|| canonical.clone(), Path::to_path_buf);
    Some((canonical, name.display().to_string()))
}

/// Standard input's identity when it is a regular file (`check - < p.json`),
/// so that `-o p.json` cannot overwrite it.
#[cfg(unix)]
fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stdin_identity() -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_limit_and_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 101]).expect("write");
        let err = format!("{:#}", read_text(&path, "policy", 100).unwrap_err());
        assert!(
            err.contains("big.json") && err.contains("too large"),
            "{err}"
        );
        std::fs::write(&path, vec![b' '; 100]).expect("write");
        assert!(read_text(&path, "policy", 100).is_ok(), "exactly the limit");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_cut_off() {
        let err = format!(
            "{:#}",
            read_text(Path::new("/dev/zero"), "config file", 1024).unwrap_err()
        );
        assert!(err.contains("config file /dev/zero is too large"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bom.json");
        std::fs::write(&path, b"\xEF\xBB\xBF{}").expect("write");
        assert_eq!(read_text(&path, "policy", 100).expect("reads"), "{}");
    }

    #[test]
    fn output_over_an_input_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("p.json");
        std::fs::write(&input, "{}").expect("write");
        let spelled_otherwise = dir.path().join(".").join("p.json");
        let err =
            refuse_output_over_input(Some(&spelled_otherwise), &[("--baseline", input.as_path())])
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("--baseline") && err.contains("p.json"),
            "{err}"
        );
        let other = dir.path().join("r.json");
        assert!(refuse_output_over_input(Some(&other), &[("FILE", input.as_path())]).is_ok());
    }
}
