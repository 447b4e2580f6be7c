//! The one model, parser and validator of `flags.toml`.
//!
//! The macros (at compile time), the runtime (when it reloads a file) and `cargo flags` (in CI)
//! all read `flags.toml` through this crate, so they agree on what a valid file is and what it
//! means. Every problem in a file is reported, each at its place, rendered like rustc:
//!
//! ```
//! use flags_schema::Schema;
//!
//! let errors = Schema::parse("flags.toml", r#"
//! [flags.checkout_layout]
//! description = "A/B test of checkout page layouts"
//! owner = "payments"
//! expires = 2027-01-15
//! variants = ["classic", "one_page"]
//! default = "classic"
//! [[flags.checkout_layout.rules]]
//! split = { classic = 50, one_page = 40 }
//! "#).unwrap_err();
//!
//! assert_eq!(errors.to_string(), "\
//! error: flag `checkout_layout`, rule 1: split weights add up to 90, not 100
//!  --> flags.toml:9:9
//!   |
//! 9 | split = { classic = 50, one_page = 40 }
//!   |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//!   |
//!   = help: every context gets one of the values, so the weights must add up to 100
//! ");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod datetime;
mod diagnostic;
#[cfg(feature = "generate")]
pub mod generate;
mod model;
pub mod names;
mod parse;
mod source;
mod summary;
mod tree;
mod validate;

use std::sync::Arc;

pub use datetime::{Date, Timestamp};
pub use diagnostic::{Diagnostic, Diagnostics, Located, Severity, Span};
pub use model::*;
pub use names::suggest;
pub use source::{Position, SourceFile};
pub use validate::{MAX_PREREQUISITE_DEPTH, MAX_PREREQUISITE_EVALUATIONS, check_prerequisites};

/// How many variants a variant flag may have: the runtime serves a variant as its position,
/// in 16 bits.
///
/// ```
/// use flags_schema::{MAX_VARIANTS, Schema};
///
/// let file = |count: usize| {
///     let variants: Vec<String> = (0..count).map(|i| format!("\"v{i}\"")).collect();
///     format!(
///         "[flags.f]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
///          variants = [{}]\ndefault = \"v0\"\n",
///         variants.join(", ")
///     )
/// };
/// assert!(Schema::parse("flags.toml", &file(MAX_VARIANTS)).is_ok());
/// let errors = Schema::parse("flags.toml", &file(MAX_VARIANTS + 1)).unwrap_err();
/// assert!(errors.to_string().contains("65537 variants, more than the 65536 a flag may have"));
/// ```
pub const MAX_VARIANTS: usize = 1 << 16;

/// The crates a schema's values are built from, for code that matches on them.
pub mod reexports {
    pub use ipnet;
    pub use regex;
    pub use semver;
}

impl Schema {
    /// Parses and validates the text of a `flags.toml`, reported as `path` in errors.
    ///
    /// ```
    /// let schema = flags_schema::Schema::parse("flags.toml", r#"
    /// [flags.search_page_size]
    /// description = "How many results the search page shows"
    /// owner = "search"
    /// permanent = true
    /// default = 20
    /// "#).unwrap();
    /// assert_eq!(schema.flags[0].kind, flags_schema::FlagKind::Int);
    /// ```
    pub fn parse(path: &str, text: &str) -> Result<Schema, Diagnostics> {
        // The source is only copied when there is an error to show it with.
        Schema::check(text)
            .map_err(|errors| Diagnostics::new(Arc::new(SourceFile::new(path, text)), errors))
    }

    /// Parses and validates a source file; every error is collected, not only the first.
    pub fn from_source(source: Arc<SourceFile>) -> Result<Schema, Diagnostics> {
        Schema::check(source.text()).map_err(|errors| Diagnostics::new(source, errors))
    }

    /// Like [`Schema::parse`], but a flag missing its `owner`, `description` or `expires` is
    /// accepted (with empty values) and reported apart: for tools that audit older files.
    ///
    /// ```
    /// let text = "[flags.beta]\ndefault = false\n";
    /// let (schema, incomplete) = flags_schema::Schema::parse_lenient("flags.toml", text).unwrap();
    /// assert_eq!(schema.flags[0].owner, "");
    /// assert_eq!(incomplete.len(), 3);
    /// assert!(flags_schema::Schema::parse_lenient("flags.toml", "[flags.beta]\n").is_err());
    /// ```
    pub fn parse_lenient(path: &str, text: &str) -> Result<(Schema, Diagnostics), Diagnostics> {
        let source = Arc::new(SourceFile::new(path, text));
        let (schema, errors) = Schema::read(text);
        let all_incomplete = errors
            .iter()
            .all(|error| error.code == Some(parse::INCOMPLETE));
        match schema {
            Some((schema, _)) if all_incomplete => Ok((schema, Diagnostics::new(source, errors))),
            _ => Err(Diagnostics::new(source, errors)),
        }
    }

    /// Like [`Schema::from_source`], but when the file has errors yet is well-formed TOML,
    /// the error also holds what could be read of it: for tools that carry on past errors, as
    /// `flags!()` does, so that the code using the flags of a broken file adds no errors of
    /// its own to the file's.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use flags_schema::{Schema, SourceFile};
    ///
    /// let text = "[flags.beta]\ndescripton = \"Beta\"\nowner = \"web\"\npermanent = true\n\
    ///             default = false\n\n[flags.gamma]\ndescription = \"Gamma\"\nowner = \"web\"\n\
    ///             permanent = true\n";
    /// let (errors, partial) = Schema::parse_partial(Arc::new(SourceFile::new("flags.toml", text)))
    ///     .unwrap_err();
    /// assert_eq!(errors.len(), 3); // `descripton`, no `description`, no `default`
    /// let partial = partial.unwrap();
    /// assert_eq!(partial.schema.flags[0].name, "beta");
    /// assert_eq!(partial.untyped, ["gamma"]);
    ///
    /// let broken = Arc::new(SourceFile::new("flags.toml", "[flags.beta\n"));
    /// assert!(Schema::parse_partial(broken).unwrap_err().1.is_none());
    /// ```
    pub fn parse_partial(
        source: Arc<SourceFile>,
    ) -> Result<Schema, (Diagnostics, Option<Box<Partial>>)> {
        let (read, errors) = Schema::read(source.text());
        let partial = match read {
            Some((schema, _)) if errors.is_empty() => return Ok(schema),
            Some((schema, damaged)) => {
                let untyped = schema
                    .flags
                    .iter()
                    .filter(|flag| damaged.kindless_flags.contains(&flag.name))
                    .map(|flag| flag.name.clone())
                    .collect();
                Some(Box::new(Partial { schema, untyped }))
            }
            None => None,
        };
        Err((Diagnostics::new(source, errors), partial))
    }

    fn check(text: &str) -> Result<Schema, Vec<Diagnostic>> {
        match Schema::read(text) {
            (Some((schema, _)), errors) if errors.is_empty() => Ok(schema),
            (_, errors) => Err(errors),
        }
    }

    /// The schema as read (`None` when the TOML itself is malformed) and every error; the
    /// schema holds placeholders where there are errors.
    fn read(text: &str) -> (Option<(Schema, parse::Damaged)>, Vec<Diagnostic>) {
        let parsed = parse::parse(text);
        let mut errors = parsed.errors;
        if parsed.syntax_failed {
            return (None, errors);
        }
        errors.extend(validate::validate(&parsed.schema, &parsed.damaged));
        (Some((parsed.schema, parsed.damaged)), errors)
    }
}

/// What could be read of a `flags.toml` with errors: see [`Schema::parse_partial`].
#[derive(Debug, Clone)]
pub struct Partial {
    /// The segments and flags that could be read. Wherever there was an error, a placeholder
    /// stands in: an empty string, `false`, a rule missing. A flag whose type could not be
    /// read is a boolean flag here, and is listed in `untyped`.
    pub schema: Schema,
    /// The flags whose type could not be read, in declared order.
    pub untyped: Vec<String>,
}
