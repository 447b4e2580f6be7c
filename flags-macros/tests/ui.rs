//! Compile-time behaviour, as users see it: every error and warning the macros produce, and
//! every shape of function `#[feature_flag]` accepts. One `TestCases`, so one build.

use std::path::PathBuf;

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.compile_fail("tests/ui/invalid/*.rs");
    // No flags.toml above this case: it is copied out of the repository to run.
    let (copy, not_found) = not_found_case();
    cases.compile_fail(not_found);
    // The cases run when `cases` is dropped, while the copy still exists.
    drop(cases);
    drop(copy);
}

/// Copies `tests/ui/not_found` to a temporary folder that has no `flags.toml` above it, with
/// the folders it will search written into the expected output; the folder goes when the
/// returned guard is dropped.
fn not_found_case() -> (tempfile::TempDir, PathBuf) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ui/not_found");
    let copy = tempfile::Builder::new()
        .prefix("flags-ui-not-found-")
        .tempdir_in(std::env::temp_dir().canonicalize().unwrap())
        .unwrap();
    let dir = copy.path().to_path_buf();
    let searched: String = dir
        .ancestors()
        .map(|folder| format!("         {}\n", folder.display()))
        .collect();
    let expected = std::fs::read_to_string(source.join("not_found.stderr"))
        .unwrap()
        .replace("         $SEARCHED\n", &searched)
        .replace("$FOLDER", &dir.display().to_string());
    std::fs::write(dir.join("not_found.stderr"), expected).unwrap();
    std::fs::copy(source.join("not_found.rs"), dir.join("not_found.rs")).unwrap();
    (copy, dir.join("not_found.rs"))
}
