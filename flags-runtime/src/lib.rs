//! Evaluates feature flags in nanoseconds, without allocating, and changes them while the
//! service runs.
//!
//! Most code never calls this crate directly: `flags!()` generates a typed module from
//! `flags.toml` and `#[feature_flag]` branches functions on it. This crate holds what those
//! call: [`Context`] (who is asking), [`Store`] (the definitions and their live changes) and
//! the answer types.
//!
//! ```
//! use flags_runtime::{Context, Reason, Store};
//!
//! let store = Store::from_toml("flags.toml", r#"
//! [segments.beta_testers]
//! users = ["u-1001", "u-1002"]
//!
//! [flags.new_registration_flow]
//! description = "Two-step registration with email verification"
//! owner = "growth-team"
//! expires = 2027-03-01
//! default = false
//! [[flags.new_registration_flow.rules]]
//! segment = "beta_testers"
//! serve = true
//! [[flags.new_registration_flow.rules]]
//! when = [{ attribute = "country", in = ["EE", "FI"] }]
//! rollout = 25
//! serve = true
//! "#).unwrap();
//!
//! let tester = Context::new("u-1001");
//! let detail = store.detail_by_name::<bool>("new_registration_flow", &tester).unwrap();
//! assert_eq!(detail.value, true);
//! assert_eq!(detail.reason, Reason::Segment { rule: 0, segment: "beta_testers" });
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod bucket;
mod compile;
mod context;
mod evaluate;
mod intern;
mod key;
mod live;
mod store;
mod value;

pub use bucket::{BUCKETS, bucket};
pub use context::{Attribute, Context, Location};
pub use flags_macros::{feature_flag, flags};
pub use flags_schema::{Date, Diagnostics, Schema, Timestamp};
pub use key::{FlagInfo, FlagKey};
pub use live::{ReloadError, ReloadEvent, ReloadReport, Watcher};
pub use store::{Evaluation, SetError, Store};
pub use value::{Detail, FlagValue, IntoOverride, Reason, Value};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

// A generated module whose flags' descriptions and owners hold code fences: rustdoc would
// compile anything in them that it took for Rust as a doctest of this crate.
#[cfg(doctest)]
extern crate self as flags_runtime;
#[cfg(doctest)]
flags!("../tests/fixtures/doc_fences.toml");
