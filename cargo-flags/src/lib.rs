//! `cargo flags`: finds stale feature flags in CI, exactly, and lists every flag for the
//! people who ship with us.
//!
//! It reads every `flags.toml` the workspace uses and parses every Rust file with `syn` (all
//! code, whatever its `cfg`), so it knows each flag and each use: `#[feature_flag]`,
//! `flags::name(...)`, details, keys, generated enums, and names given to the by-name API.
//!
//! ```no_run
//! // What `cargo flags check --format json` runs.
//! let code = cargo_flags::cli::main(["cargo-flags", "flags", "check", "--format", "json"].map(Into::into));
//! std::process::exit(code);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod check;
pub mod cli;
pub mod list;
pub mod project;
pub mod report;
pub mod scan;
