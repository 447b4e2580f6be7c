//! `check` on a generated workspace: 1000 Rust files (50k lines) using 500 flags.
//!
//! `cargo bench -p cargo-flags`

#![forbid(unsafe_code)]

use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use cargo_flags::check::{Settings, check};
use cargo_flags::project::{Options, Project};
use flags_schema::Date;

const FILES: usize = 1000;
const FLAGS: usize = 500;

fn main() {
    divan::main();
}

/// Writes the workspace, unless the one written last is the same, whole; returns its
/// manifest. A stamp of the content, written last, tells: a run cut short, or a change to the
/// generator, writes it anew.
fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target/cargo-flags-bench");
    let manifest = root.join("Cargo.toml");
    let mut files: Vec<(PathBuf, String)> =
        vec![
        (
            manifest.clone(),
            "[package]\nname = \"bench\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[workspace]\n"
                .to_owned(),
        ),
        (root.join("flags.toml"), flags_schema::generate::flags_toml(FLAGS)),
    ];
    let mut lib = String::from("flags_runtime::flags!();\n");
    for file in 0..FILES {
        writeln!(lib, "mod module_{file};").unwrap();
        files.push((root.join(format!("src/module_{file}.rs")), module(file)));
    }
    files.push((root.join("src/lib.rs"), lib));
    let mut hasher = DefaultHasher::new();
    files.hash(&mut hasher);
    let stamp = format!("{:016x}\n", hasher.finish());
    let stamp_path = root.join("stamp");
    if std::fs::read_to_string(&stamp_path).is_ok_and(|written| written == stamp) {
        return manifest;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    for (path, text) in &files {
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(stamp_path, stamp).unwrap();
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
