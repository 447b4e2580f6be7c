//! The command line: `cargo flags check` and `cargo flags list`.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use flags_schema::{Date, Severity};
use lexopt::prelude::*;

use crate::check::{self, Settings};
use crate::list;
use crate::project::{LoadError, Options, Project};
use crate::report::{self, Format};

/// Exit code: no findings at the failing level.
pub const CLEAN: i32 = 0;
/// Exit code: findings at the failing level.
pub const FINDINGS: i32 = 1;
/// Exit code: bad usage, or input that cannot be read or is invalid.
pub const BAD_INPUT: i32 = 2;

const HELP: &str = "\
cargo flags: stale feature flags in CI, and every flag at a glance

Usage:
    cargo flags check [OPTIONS]
    cargo flags list [OPTIONS]

check finds, each at its file:line:col:
    expired            past `expires` (error)
    expiring           expires within --warn-days days (warning)
    unused             declared, and neither read by code nor required by another flag
                       (error; a warning while a file that may read it does not parse)
    undeclared         referenced, not declared, even in code behind cfg (error)
    released           one value for everyone in every environment: ready to remove (warning)
    skewed-split       a split after a partial rollout on the same buckets: the contexts the
                       rollout leaves out get other shares than its weights (warning)
    orphaned-fallback  a fallback only released or pinned flags still name (warning)
    incomplete         no owner, description or expiry, with --lenient (error)
    unparsable         a Rust file syn cannot parse: its flags are not counted (warning)
    invalid            a flags.toml that does not parse or validate (exit code 2)

Options:
    --format FORMAT        check: human, json, github, sarif; list: human, json, markdown
    --deny warnings        fail on warnings too
    --today YYYY-MM-DD     judge expiry on this day (default: today, UTC)
    --warn-days N          warn this many days before expiry (default: 14)
    --manifest-path PATH   the workspace's Cargo.toml (default: the one above the current folder)
    -p, --package NAME     report on this package only (repeatable; default: every member)
    --lenient              accept flags without owner, description or expiry, and report them
    -h, --help             this help
    -V, --version          the version

Exit codes: 0 clean, 1 findings at the failing level, 2 bad usage or unreadable input.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Check,
    List,
}

struct Arguments {
    command: Command,
    format: Option<String>,
    deny_warnings: bool,
    today: Option<Date>,
    warn_days: i64,
    options: Options,
}

/// Runs the command line `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    run(args, &mut stdout, &mut stderr)
}

/// [`main`] with its output streams, for tests.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let arguments = match parse(args) {
        Ok(Parsed::Run(arguments)) => arguments,
        Ok(Parsed::Help) => {
            let _ = stdout.write_all(HELP.as_bytes());
            return CLEAN;
        }
        Ok(Parsed::Version) => {
            let _ = writeln!(stdout, "cargo-flags {}", env!("CARGO_PKG_VERSION"));
            return CLEAN;
        }
        Err(message) => {
            let _ = writeln!(
                stderr,
                "error: {message}\n\nRun `cargo flags --help` for usage."
            );
            return BAD_INPUT;
        }
    };
    // Checked before the workspace is read, which takes a while and may fail for other
    // reasons.
    let output = match output(&arguments) {
        Ok(output) => output,
        Err(message) => {
            let _ = writeln!(stderr, "error: {message}");
            return BAD_INPUT;
        }
    };
    let checkout = std::env::var_os("GITHUB_WORKSPACE")
        .map(std::path::PathBuf::from)
        .map(|root| root.canonicalize().unwrap_or(root));
    let project = match Project::load(&arguments.options) {
        Ok(project) => project,
        // A report a machine reads says why too, rather than coming out empty.
        Err(LoadError::Invalid(diagnostics, root)) if matches!(output, Output::Check(format) if format != Format::Human) =>
        {
            let Output::Check(format) = output else {
                return BAD_INPUT;
            };
            let findings = check::invalid(&diagnostics);
            let base = repository_base(&root, checkout.as_deref());
            let checkout = report::Checkout {
                base: &base,
                root: checkout.as_deref(),
            };
            let _ = stdout.write_all(report::render(format, &findings, "", checkout).as_bytes());
            return BAD_INPUT;
        }
        Err(error) => {
            let text = match &error {
                LoadError::Invalid(..) => error.to_string(),
                _ => format!("error: {error}\n"),
            };
            let _ = stderr.write_all(text.as_bytes());
            return BAD_INPUT;
        }
    };
    match output {
        Output::Check(format) => {
            let settings = Settings {
                today: arguments.today.unwrap_or_else(Date::today_utc),
                warn_days: arguments.warn_days,
            };
            let findings = check::check(&project, settings);
            // What was reported on: with `--package`, the rest of the workspace was only
            // read for its uses.
            let groups: Vec<_> = project
                .groups
                .iter()
                .filter(|group| project.is_selected(group))
                .collect();
            let flags: usize = groups.iter().map(|group| group.schema.flags.len()).sum();
            let files = project
                .selected
                .iter()
                .filter(|selected| **selected)
                .count();
            let summary = format!(
                "{flags} {} in {} flags.toml, {files} Rust {}",
                if flags == 1 { "flag" } else { "flags" },
                groups.len(),
                if files == 1 { "file" } else { "files" },
            );
            let base = repository_base(&project.root, checkout.as_deref());
            let checkout = report::Checkout {
                base: &base,
                root: checkout.as_deref(),
            };
            let _ =
                stdout.write_all(report::render(format, &findings, &summary, checkout).as_bytes());
            let errors = report::count(&findings, Severity::Error);
            let warnings = report::count(&findings, Severity::Warning);
            if errors > 0 || (arguments.deny_warnings && warnings > 0) {
                FINDINGS
            } else {
                CLEAN
            }
        }
        Output::List(format) => {
            let _ = stdout.write_all(list::render(format, &list::rows(&project)).as_bytes());
            CLEAN
        }
    }
}

/// What the command prints, and how.
enum Output {
    Check(Format),
    List(list::Format),
}

fn output(arguments: &Arguments) -> Result<Output, String> {
    let format = arguments.format.as_deref().unwrap_or("human");
    match (arguments.command, format) {
        (Command::Check, "human") => Ok(Output::Check(Format::Human)),
        (Command::Check, "json") => Ok(Output::Check(Format::Json)),
        (Command::Check, "github") => Ok(Output::Check(Format::Github)),
        (Command::Check, "sarif") => Ok(Output::Check(Format::Sarif)),
        (Command::Check, other) => Err(format!(
            "unknown format `{other}` for check; expected human, json, github or sarif"
        )),
        (Command::List, "human") => Ok(Output::List(list::Format::Human)),
        (Command::List, "json") => Ok(Output::List(list::Format::Json)),
        (Command::List, "markdown") => Ok(Output::List(list::Format::Markdown)),
        (Command::List, other) => Err(format!(
            "unknown format `{other}` for list; expected human, json or markdown"
        )),
    }
}

enum Parsed {
    Help,
    Version,
    Run(Arguments),
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut parser = lexopt::Parser::from_iter(args);
    let mut command = None;
    let mut arguments = Arguments {
        command: Command::Check,
        format: None,
        deny_warnings: false,
        today: None,
        warn_days: 14,
        options: Options::default(),
    };
    let mut seen_subcommand_name = false;
    // Options that only `check` reads: refused for `list` rather than ignored.
    let mut check_only: Option<&'static str> = None;
    while let Some(argument) = parser.next().map_err(|error| error.to_string())? {
        match argument {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Long("format") => arguments.format = Some(string(parser.value())?),
            Long("deny") => {
                check_only.get_or_insert("--deny");
                let level = string(parser.value())?;
                if level != "warnings" {
                    return Err(format!(
                        "`--deny {level}`: only `--deny warnings` is supported"
                    ));
                }
                arguments.deny_warnings = true;
            }
            Long("today") => {
                check_only.get_or_insert("--today");
                let text = string(parser.value())?;
                arguments.today =
                    Some(Date::parse(&text).ok_or_else(|| {
                        format!("`--today {text}`: expected a date like 2026-11-26")
                    })?);
            }
            Long("warn-days") => {
                check_only.get_or_insert("--warn-days");
                let text = string(parser.value())?;
                arguments.warn_days = text
                    .parse()
                    .ok()
                    .filter(|days: &i64| *days >= 0)
                    .ok_or_else(|| format!("`--warn-days {text}`: expected a number of days"))?;
            }
            Long("manifest-path") => {
                arguments.options.manifest_path = Some(PathBuf::from(
                    parser.value().map_err(|error| error.to_string())?,
                ));
            }
            Short('p') | Long("package") => {
                arguments.options.packages.push(string(parser.value())?)
            }
            Long("lenient") => arguments.options.lenient = true,
            // `cargo flags check` runs `cargo-flags flags check`.
            Value(value) if value == "flags" && !seen_subcommand_name && command.is_none() => {
                seen_subcommand_name = true;
            }
            Value(value) if command.is_none() => {
                command = Some(match value.to_str() {
                    Some("check") => Command::Check,
                    Some("list") => Command::List,
                    _ => {
                        return Err(format!(
                            "unknown command `{}`; expected `check` or `list`",
                            value.to_string_lossy()
                        ));
                    }
                });
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    arguments.command = command.ok_or("expected a command: `check` or `list`")?;
    if let (Command::List, Some(option)) = (arguments.command, check_only) {
        return Err(format!("`{option}` applies to `check`, not to `list`"));
    }
    Ok(Parsed::Run(arguments))
}

fn string(value: Result<OsString, lexopt::Error>) -> Result<String, String> {
    value
        .map_err(|error| error.to_string())?
        .into_string()
        .map_err(|value| format!("not valid UTF-8: {}", value.to_string_lossy()))
}

/// Where the workspace `root` is in the repository checked out at `checkout` (GitHub Actions'
/// `GITHUB_WORKSPACE`), as a prefix of paths (`backend/`): GitHub places annotations and
/// code-scanning results by their path in the repository. Empty elsewhere.
fn repository_base(root: &std::path::Path, checkout: Option<&std::path::Path>) -> String {
    let Some(checkout) = checkout else {
        return String::new();
    };
    let canonical =
        |path: &std::path::Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let (root, checkout) = (canonical(root), canonical(checkout));
    let Ok(inside) = root.strip_prefix(&checkout) else {
        return String::new();
    };
    inside
        .components()
        .map(|component| format!("{}/", component.as_os_str().to_string_lossy()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_given_from_the_checkout() {
        let checkout = std::env::temp_dir();
        let workspace = checkout.join("cargo-flags-base").join("backend");
        std::fs::create_dir_all(&workspace).unwrap();
        assert_eq!(
            repository_base(&workspace, Some(&checkout)),
            "cargo-flags-base/backend/"
        );
        assert_eq!(repository_base(&workspace, Some(&workspace)), "");
        assert_eq!(repository_base(&workspace, None), "");
        assert_eq!(repository_base(&checkout, Some(&workspace)), "", "outside");
    }
}
