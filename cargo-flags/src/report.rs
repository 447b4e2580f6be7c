//! Findings as people and machines read them: like rustc, JSON, GitHub workflow annotations,
//! SARIF 2.1.0 (code scanning).

use flags_schema::Severity;
use serde_json::json;

use crate::check::{Finding, Kind};

/// An output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Like rustc: message, location, the source line underlined, help.
    Human,
    /// A JSON array of findings.
    Json,
    /// `::error file=...,line=...::message` lines for GitHub Actions.
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// Where the workspace is in the repository checked out for CI, for the formats GitHub
/// reads: its annotations and code scanning place files by their path in the repository.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checkout<'a> {
    /// The workspace root in the checkout (`backend/`), or empty.
    pub base: &'a str,
    /// The checkout, for files outside the workspace (reports give those absolute).
    pub root: Option<&'a std::path::Path>,
}

/// Renders `findings`; `summary` describes what was checked (human format only). Paths are
/// relative to the workspace root, except in the formats GitHub reads, which give them from
/// the `checkout`.
pub fn render(
    format: Format,
    findings: &[Finding],
    summary: &str,
    checkout: Checkout<'_>,
) -> String {
    match format {
        Format::Human => human(findings, summary),
        Format::Json => format!("{}\n", json_text(&json!(findings))),
        Format::Github => github(findings, checkout),
        Format::Sarif => format!("{}\n", json_text(&sarif(findings, checkout))),
    }
}

/// A finding's path in the repository, with `/` between folders.
fn in_repository(checkout: Checkout<'_>, path: &str) -> String {
    let written = std::path::Path::new(path);
    let path = if written.is_absolute() {
        // Outside the workspace: from the checkout if it is in it, else as it is.
        match checkout
            .root
            .and_then(|root| written.strip_prefix(root).ok())
        {
            Some(inside) => inside.display().to_string(),
            None => path.to_owned(),
        }
    } else {
        format!("{}{path}", checkout.base)
    };
    path.replace('\\', "/")
}

/// A relative path as a URI reference (RFC 3986): every byte but the unreserved ones and
/// `/` percent-encoded, so that spaces, `#` and `%` in names survive.
fn uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Where a finding is, for SARIF: relative to the checkout (`%SRCROOT%`), or for a file
/// outside it (a flags.toml named by an absolute path, say) an absolute `file:` URI, which
/// takes no base.
fn artifact_location(checkout: Checkout<'_>, path: &str) -> serde_json::Value {
    let path = in_repository(checkout, path);
    // Canonical Windows paths are verbatim (`\\?\C:\x`, `\\?\UNC\host\share`).
    let path = match path.strip_prefix("//?/") {
        Some(verbatim) => match verbatim.strip_prefix("UNC/") {
            Some(share) => format!("//{share}"),
            None => verbatim.to_owned(),
        },
        None => path,
    };
    let bytes = path.as_bytes();
    let drive = bytes.first().is_some_and(u8::is_ascii_alphabetic) && bytes.get(1) == Some(&b':');
    // `/x` is `file:///x`; a drive gets a slash before it (`C:/x`: `file:///C:/x`, its
    // colon kept); a share is a host (`//host/share`: `file://host/share`).
    let absolute = match path.strip_prefix("//") {
        Some(share) => Some(share.to_owned()),
        None if drive => Some(format!("/{path}")),
        None if path.starts_with('/') => Some(path.clone()),
        None => None,
    };
    match absolute {
        Some(absolute) => {
            let encoded: Vec<String> = absolute.split(':').map(uri).collect();
            json!({ "uri": format!("file://{}", encoded.join(":")) })
        }
        None => json!({ "uri": uri(&path), "uriBaseId": "%SRCROOT%" }),
    }
}

fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

fn human(findings: &[Finding], summary: &str) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&finding.located.render());
        out.push('\n');
    }
    let errors = count(findings, Severity::Error);
    let warnings = count(findings, Severity::Warning);
    if findings.is_empty() {
        out.push_str(&format!("no stale flags: {summary}\n"));
    } else {
        out.push_str(&format!(
            "{}: {errors} {}, {warnings} {} ({summary})\n",
            if errors > 0 { "error" } else { "warning" },
            if errors == 1 { "error" } else { "errors" },
            if warnings == 1 { "warning" } else { "warnings" },
        ));
    }
    out
}

/// How many findings have this severity.
pub fn count(findings: &[Finding], severity: Severity) -> usize {
    findings
        .iter()
        .filter(|finding| finding.located.severity == severity)
        .count()
}

fn github(findings: &[Finding], checkout: Checkout<'_>) -> String {
    let mut out = String::new();
    for finding in findings {
        let located = &finding.located;
        let level = match located.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = located.message.clone();
        if let Some(help) = &located.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&in_repository(checkout, &located.path)),
            located.line,
            located.column,
            located.end_line,
            located.end_column,
            escape_property(finding.kind.name()),
            escape_data(&message)
        ));
    }
    out
}

/// Workflow command data: `%`, CR and LF are escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties also escape `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn sarif(findings: &[Finding], checkout: Checkout<'_>) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = Kind::ALL
        .iter()
        .map(|kind| {
            json!({
                "id": kind.name(),
                "shortDescription": { "text": kind.description() },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|finding| {
            let located = &finding.located;
            let mut text = located.message.clone();
            if let Some(help) = &located.help {
                text.push_str(&format!(" (help: {help})"));
            }
            json!({
                "ruleId": finding.kind.name(),
                "level": match located.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(checkout, &located.path),
                        "region": {
                            "startLine": located.line,
                            "startColumn": located.column,
                            "endLine": located.end_line,
                            "endColumn": located.end_column,
                        },
                    },
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-flags",
                    "informationUri": "https://github.com/flags-rs/flags",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            // Columns count characters, not UTF-16 units (SARIF's default).
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_repository_uris() {
        let checkout = Checkout {
            base: "backend/",
            root: Some(std::path::Path::new("/work/repo")),
        };
        assert_eq!(in_repository(checkout, "src\\lib.rs"), "backend/src/lib.rs");
        assert_eq!(
            in_repository(checkout, "/work/repo/conf/flags.toml"),
            "conf/flags.toml"
        );
        assert_eq!(
            in_repository(checkout, "/etc/flags.toml"),
            "/etc/flags.toml"
        );
        assert_eq!(uri("src/my file#1%.rs"), "src/my%20file%231%25.rs");
        let checkout = Checkout {
            base: "",
            root: None,
        };
        assert_eq!(
            artifact_location(checkout, "src/main.rs"),
            json!({ "uri": "src/main.rs", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location(checkout, "/etc/app flags.toml"),
            json!({ "uri": "file:///etc/app%20flags.toml" })
        );
        assert_eq!(
            artifact_location(checkout, "//?/C:/cfg/flags.toml"),
            json!({ "uri": "file:///C:/cfg/flags.toml" })
        );
        assert_eq!(
            artifact_location(checkout, "//?/UNC/host/share/flags.toml"),
            json!({ "uri": "file://host/share/flags.toml" })
        );
        assert_eq!(uri("src/\u{e9}t\u{e9}.rs"), "src/%C3%A9t%C3%A9.rs");
    }
}
