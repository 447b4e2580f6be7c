//! Every finding on a fixture workspace, in every format, against golden outputs; `list` too.
//! `BLESS=1 cargo test -p cargo-flags --test fixtures` rewrites the goldens after an intended
//! change; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

const TODAY: &str = "2026-11-26";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs the binary, as `cargo flags ...` does; returns the exit code and both outputs.
fn run(fixture: &Path, args: &[&str]) -> String {
    // From the fixture's folder, as a user runs it: Cargo's configuration is found from there.
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-flags"))
        .current_dir(fixture)
        // Under GitHub Actions, paths would be given from the checkout.
        .env_remove("GITHUB_WORKSPACE")
        .arg("flags")
        .args(args)
        .arg("--manifest-path")
        .arg(fixture.join("Cargo.toml"))
        .output()
        .unwrap();
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn compare(golden: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{}\n--- expected\n{expected}\n--- actual\n{actual}",
            golden.display()
        ));
    }
}

#[test]
fn check_reports_every_finding_in_every_format() {
    let mut failures = Vec::new();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 11, "fixtures are missing");
    for fixture in &fixtures {
        let extra = std::fs::read_to_string(fixture.join("args")).unwrap_or_default();
        let extra: Vec<&str> = extra.lines().filter(|line| !line.is_empty()).collect();
        for format in ["human", "json", "github", "sarif"] {
            let mut args = vec!["check", "--today", TODAY, "--format", format];
            args.extend(&extra);
            let actual = run(fixture, &args);
            compare(
                &fixture.join(format!("expected/check.{format}")),
                &actual,
                &mut failures,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exit_codes() {
    let code = |fixture: &str, args: &[&str]| {
        let output = run(&fixtures().join(fixture), args);
        output.lines().next().unwrap_or_default().to_owned()
    };
    assert_eq!(code("clean", &["check", "--today", TODAY]), "exit code: 0");
    assert_eq!(
        code("expired", &["check", "--today", TODAY]),
        "exit code: 1"
    );
    assert_eq!(
        code("expiring", &["check", "--today", TODAY]),
        "exit code: 0",
        "warnings pass"
    );
    assert_eq!(
        code(
            "expiring",
            &["check", "--today", TODAY, "--deny", "warnings"]
        ),
        "exit code: 1"
    );
    assert_eq!(
        code("expiring", &["check", "--today", TODAY, "--warn-days", "3"]),
        "exit code: 0"
    );
    assert!(
        run(
            &fixtures().join("expiring"),
            &["check", "--today", TODAY, "--warn-days", "3"]
        )
        .contains("no stale flags")
    );
    assert_eq!(
        code("expired", &["check", "--today", "2025-12-01"]),
        "exit code: 0",
        "not yet"
    );
    assert_eq!(code("invalid", &["check"]), "exit code: 2");
    // The formats machines read say why, on stdout, rather than coming out empty.
    for format in ["json", "sarif", "github"] {
        let output = run(&fixtures().join("invalid"), &["check", "--format", format]);
        let stdout = output.split("--- stdout\n").nth(1).unwrap_or_default();
        assert!(
            output.starts_with("exit code: 2")
                && stdout.contains("invalid")
                && stdout.contains("flags.toml"),
            "{output}"
        );
    }
    assert_eq!(
        code("incomplete", &["check"]),
        "exit code: 2",
        "strict by default"
    );
    assert_eq!(code("clean", &["check", "--format", "xml"]), "exit code: 2");
    // A bad argument is reported as such, before the workspace (here invalid) is read.
    let output = run(&fixtures().join("invalid"), &["list", "--format", "sarif"]);
    assert!(
        output.contains("error: unknown format `sarif` for list") && !output.contains("rollout"),
        "{output}"
    );
    assert_eq!(
        code("clean", &["check", "--today", "tomorrow"]),
        "exit code: 2"
    );
    assert_eq!(code("clean", &["deploy"]), "exit code: 2");
    let output = run(&fixtures().join("clean"), &["list", "--deny", "warnings"]);
    assert!(
        output.starts_with("exit code: 2")
            && output.contains("error: `--deny` applies to `check`, not to `list`"),
        "{output}"
    );
    assert_eq!(
        code("clean", &["check", "--package", "nope"]),
        "exit code: 2"
    );
    assert_eq!(
        code("clean", &["check", "--package", "clean", "--today", TODAY]),
        "exit code: 0"
    );
}

#[test]
fn list_shows_every_flag_in_every_format() {
    let mut failures = Vec::new();
    for fixture in ["released", "clean", "workspace"] {
        // The workspace's `broken` package has an invalid flags.toml of its own.
        let package: &[&str] = if fixture == "workspace" {
            &["--package", "app"]
        } else {
            &[]
        };
        for format in ["human", "json", "markdown"] {
            let mut args = vec!["list", "--format", format];
            args.extend(package);
            let actual = run(&fixtures().join(fixture), &args);
            compare(
                &fixtures()
                    .join(fixture)
                    .join(format!("expected/list.{format}")),
                &actual,
                &mut failures,
            );
        }
    }
    // A flag without its date, read only with `--lenient`, shows it lacks one.
    let actual = run(
        &fixtures().join("incomplete"),
        &["list", "--lenient", "--format", "human"],
    );
    compare(
        &fixtures().join("incomplete/expected/list.human"),
        &actual,
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The examples pass `cargo flags check`, as CI runs it: part of the tests, so that
/// `cargo test --workspace` alone catches a stale flag in them.
#[test]
fn the_examples_have_no_stale_flags() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = run(
        workspace,
        &[
            "check",
            "--package",
            "examples",
            "--deny",
            "warnings",
            "--today",
            TODAY,
        ],
    );
    assert!(output.starts_with("exit code: 0"), "{output}");
    assert!(output.contains("no stale flags"), "{output}");
}

/// A package that reads a library's module needs the library's flags.toml, even when only
/// it is checked: its mistakes there are still found.
#[test]
fn a_package_checked_alone_reads_the_flags_toml_of_the_libraries_it_reads() {
    let output = run(
        &fixtures().join("workspace"),
        &["check", "--package", "reporter", "--today", TODAY],
    );
    assert!(output.starts_with("exit code: 1"), "{output}");
    assert!(
        output.contains("error: undeclared feature flag `no_such_flag`")
            && output.contains("reporter/src/main.rs:52:32"),
        "{output}"
    );
    // The app's own findings are the app's business.
    assert!(!output.contains("flag `mu`"), "{output}");
}

/// A crate with no flags.toml in its folder or above: a name given to a by-name method is a
/// flag's, and an error, only if a flag could have it (`get_by_name("Content-Type")` is some
/// other API's), as in a crate that has a flags.toml.
#[test]
fn a_crate_without_flags_toml_reports_only_names_flags_could_have() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        dir.path()
            .ancestors()
            .all(|folder| !folder.join("flags.toml").exists()),
        "a flags.toml above {}",
        dir.path().display()
    );
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"lonely\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/main.rs"),
        "fn main() {\n    let kind = request.get_by_name(\"Content-Type\");\n    \
         let on = store.get_by_name::<bool>(\"beta_checkout\", &ctx);\n}\n",
    )
    .unwrap();
    let output = run(dir.path(), &["check", "--today", TODAY]);
    assert!(output.starts_with("exit code: 1"), "{output}");
    assert!(
        output.contains("error: feature flag `beta_checkout` has no flags.toml"),
        "{output}"
    );
    assert!(!output.contains("Content-Type"), "{output}");
}

/// Every invalid flags.toml of the workspace is reported in one run, in every format.
#[test]
fn every_invalid_flags_toml_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| write_file(dir.path(), path, text);
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"web\", \"jobs\"]\nresolver = \"3\"\n",
    );
    for package in ["web", "jobs"] {
        write(
            &format!("{package}/Cargo.toml"),
            &format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
        write(
            &format!("{package}/src/main.rs"),
            "flags_runtime::flags!();\nfn main() {}\n",
        );
        write(
            &format!("{package}/flags.toml"),
            &format!(
                "[flags.{package}_beta]\ndescription = \"Beta\"\nowner = \"{package}\"\ndefault = false\n"
            ),
        );
    }
    let human = run(dir.path(), &["check", "--today", TODAY]);
    assert!(human.starts_with("exit code: 2"), "{human}");
    for package in ["web", "jobs"] {
        assert!(
            human.contains(&format!("flag `{package}_beta` has no `expires`"))
                && human.contains(&format!("{package}/flags.toml:1:")),
            "{human}"
        );
    }
    let json = run(dir.path(), &["check", "--today", TODAY, "--format", "json"]);
    assert!(
        json.contains("web/flags.toml") && json.contains("jobs/flags.toml"),
        "{json}"
    );
}

/// In a crate whose root declares a `flags` module by hand, a module with a `flags!("...")`
/// of its own still has its mistakes found: its `flags::` is the generated module.
#[test]
fn a_module_with_its_own_flags_is_checked_beside_a_hand_written_flags_module() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| write_file(dir.path(), path, text);
    write(
        "Cargo.toml",
        "[package]\nname = \"cli\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    );
    write(
        "src/lib.rs",
        "pub mod flags;\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    \
         flags_runtime::flags!(\"../testdata/flags.toml\");\n\n    \
         fn t(ctx: &flags_runtime::Context) -> bool {\n        \
         let _ = crate::flags::Args::default();\n        flags::test_onyl(ctx)\n    }\n}\n",
    );
    write("src/flags.rs", "#[derive(Default)]\npub struct Args;\n");
    write(
        "testdata/flags.toml",
        "[flags.test_only]\ndescription = \"d\"\nowner = \"o\"\nexpires = 2027-06-01\ndefault = false\n",
    );
    let output = run(dir.path(), &["check", "--today", TODAY]);
    assert!(output.starts_with("exit code: 1"), "{output}");
    assert!(
        output.contains("error: undeclared feature flag `test_onyl`")
            && output.contains("a flag with a similar name exists: `test_only`"),
        "{output}"
    );
    assert!(
        !output.contains("`args`") && !output.contains("`Args`"),
        "{output}"
    );
}

/// Writes `text` to `path` under `root`, creating its folders.
fn write_file(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
