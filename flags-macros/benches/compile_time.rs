//! What `#[feature_flag]` costs at compile time: a crate with 500 flags and 1000 annotated
//! functions, against the same crate with the attributes removed.
//!
//! `cargo bench -p flags-macros --bench compile_time` (a few minutes: it runs `cargo build`).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FLAGS: usize = 500;
const FUNCTIONS: usize = 1000;
const RUNS: usize = 5;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let root = workspace.join("target/compile-time-bench");
    let text = flags_schema::generate::flags_toml(FLAGS);
    let schema = flags_schema::Schema::parse("flags.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let usable: Vec<(&str, Option<&str>)> = schema
        .flags
        .iter()
        .filter(|flag| !flag.pinned)
        .filter_map(|flag| match &flag.kind {
            flags_schema::FlagKind::Bool => Some((flag.name.as_str(), None)),
            flags_schema::FlagKind::Variants(variants) => Some((
                flag.name.as_str(),
                variants.last().map(|v| v.value.as_str()),
            )),
            _ => None,
        })
        .collect();

    let with = generate(&root, "with-attributes", &text, &workspace, &usable, true);
    let without = generate(
        &root,
        "without-attributes",
        &text,
        &workspace,
        &usable,
        false,
    );
    let target = root.join("target");
    for krate in [&with, &without] {
        build(krate, &target); // dependencies, once
    }
    let mut with_times = Vec::new();
    let mut without_times = Vec::new();
    for run in 0..RUNS {
        with_times.push(rebuild(&with, &target, run));
        without_times.push(rebuild(&without, &target, run));
    }
    let with_median = median(&mut with_times);
    let without_median = median(&mut without_times);
    println!(
        "crate with {FLAGS} flags and {FUNCTIONS} functions, `cargo build` (debug), median of {RUNS}:"
    );
    println!(
        "  with #[feature_flag]:    {:>8.2} s",
        with_median.as_secs_f64()
    );
    println!(
        "  without the attributes:  {:>8.2} s",
        without_median.as_secs_f64()
    );
    println!(
        "  ratio:                   {:>8.2}x (target: at most 1.5x)",
        with_median.as_secs_f64() / without_median.as_secs_f64()
    );
}

fn generate(
    root: &Path,
    name: &str,
    flags_toml: &str,
    workspace: &Path,
    flags: &[(&str, Option<&str>)],
    attributes: bool,
) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap_or_else(|e| panic!("{e}"));
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nflags-runtime = {{ path = {:?} }}\n\n[workspace]\n",
        workspace.join("flags-runtime")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("flags.toml"), flags_toml).unwrap_or_else(|e| panic!("{e}"));
    let imports = if attributes {
        "{feature_flag, Context}"
    } else {
        "Context"
    };
    let mut source = format!("flags_runtime::flags!();\nuse flags_runtime::{imports};\n\n");
    for index in 0..FUNCTIONS {
        let (flag, variant) = flags[index % flags.len()];
        if attributes {
            match variant {
                Some(variant) => source.push_str(&format!(
                    "#[feature_flag({flag} = {variant}, fallback = old_{index})]\n"
                )),
                None => source.push_str(&format!(
                    "#[feature_flag({flag}, fallback = old_{index})]\n"
                )),
            }
        }
        source.push_str(&format!(
            "pub fn new_{index}(ctx: &Context, x: u32) -> u32 {{\n    let _ = ctx;\n    x.wrapping_add({index})\n}}\n\n\
             pub fn old_{index}(_ctx: &Context, x: u32) -> u32 {{\n    x\n}}\n\n"
        ));
    }
    std::fs::write(dir.join("src/lib.rs"), source).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn build(krate: &Path, target: &Path) {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("build")
        .arg("--quiet")
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", target)
        // Each build compiles the crate whole: with the incremental cache of the build
        // before, most of the code the attributes generate would not be compiled again; and
        // no compiler wrapper (sccache) answers from a cache of its own.
        .env("CARGO_INCREMENTAL", "0")
        .env("RUSTC_WRAPPER", "")
        .env("RUSTC_WORKSPACE_WRAPPER", "")
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "building {} failed", krate.display());
}

fn rebuild(krate: &Path, target: &Path, run: usize) -> Duration {
    // A new mtime, and a new text that no cache has seen: cargo rebuilds the crate, and only
    // the crate.
    let lib = krate.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap_or_else(|e| panic!("{e}"));
    let code = source.split("\n// run ").next().unwrap_or_default();
    std::fs::write(&lib, format!("{code}\n// run {run}\n")).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    build(krate, target);
    start.elapsed()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
