//! `check` on a generated workspace: 1000 Rust files (50k lines) using 500 flags.
//!
//! `cargo bench -p cargo-flags`

use std::fmt::Write;
use std::path::{Path, PathBuf};

use cargo_flags::check::{Settings, check};
use cargo_flags::project::{Options, Project};
use flags_schema::Date;

const FILES: usize = 1000;
const FLAGS: usize = 500;

fn main() {
    divan::main();
}

/// Writes the workspace once; returns its manifest.
fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target/cargo-flags-bench");
    let manifest = root.join("Cargo.toml");
    if manifest.is_file() {
        return manifest;
    }
    std::fs::create_dir_all(root.join("src/modules")).unwrap();
    std::fs::write(
        &manifest,
        "[package]\nname = \"bench\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    let text = flags_schema::generate::flags_toml(FLAGS);
    std::fs::write(root.join("flags.toml"), &text).unwrap();
    let mut lib = String::from("flags_runtime::flags!();\n");
    for file in 0..FILES {
        writeln!(lib, "mod module_{file};").unwrap();
        std::fs::write(root.join(format!("src/module_{file}.rs")), module(file)).unwrap();
    }
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    manifest
}

/// About 50 lines using a few flags in every way code uses them.
fn module(file: usize) -> String {
    let flag = |offset: usize| format!("flag_{}", (file * 3 + offset) % FLAGS);
    let bool_flag = format!("flag_{}", (file * 20) % FLAGS); // index % 20 == 0: a boolean
    let mut source =
        String::from("use flags_runtime::{feature_flag, Context};\nuse crate::flags;\n\n");
    writeln!(
        source,
        "#[feature_flag({bool_flag}, fallback = old_{file})]\n\
         pub fn new_{file}(ctx: &Context, items: &[u32]) -> u32 {{\n    items.iter().sum::<u32>() * 2\n}}\n\n\
         pub fn old_{file}(_ctx: &Context, items: &[u32]) -> u32 {{\n    items.iter().sum()\n}}\n"
    )
    .unwrap();
    for offset in 0..4 {
        let name = flag(offset);
        writeln!(
            source,
            "/// Reads `{name}`.\npub fn read_{offset}_{file}(ctx: &Context) -> String {{\n    \
             let detail = flags::{name}_detail(ctx);\n    let value = flags::{name}(ctx);\n    \
             let text = format!(\"{{:?}} {{:?}}\", value, detail.reason);\n    \
             println!(\"{{}}\", flags::{name}(ctx) == value);\n    text\n}}\n"
        )
        .unwrap();
    }
    writeln!(
        source,
        "pub fn admin(store: &flags_runtime::Store) {{\n    let _ = store.kill_by_name(\"{}\");\n}}",
        flag(5)
    )
    .unwrap();
    source
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn check_1000_files_500_flags(bencher: divan::Bencher) {
    let manifest = workspace();
    let options = Options {
        manifest_path: Some(manifest),
        ..Options::default()
    };
    let settings = Settings {
        today: Date::new(2026, 11, 26).unwrap(),
        warn_days: 14,
    };
    bencher.bench(|| {
        let project = Project::load(&options).unwrap();
        check(&project, settings).len()
    });
}
