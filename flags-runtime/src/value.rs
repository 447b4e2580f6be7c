//! What an evaluation answers: a typed value and the reason for it.

use std::fmt;

/// A flag's value, for the by-name API. Variant flags give the variant's name as `Str`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A boolean flag's value.
    Bool(bool),
    /// An integer flag's value.
    Int(i64),
    /// A float flag's value.
    Float(f64),
    /// A string flag's value, or a variant's name.
    Str(&'static str),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(value) => write!(f, "{value}"),
            Value::Int(value) => write!(f, "{value}"),
            Value::Float(value) => write!(f, "{value}"),
            Value::Str(value) => f.write_str(value),
        }
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

impl From<&'static str> for Value {
    fn from(value: &'static str) -> Self {
        Value::Str(value)
    }
}

/// What [`Store::set_by_name`](crate::Store::set_by_name) takes: a [`Value`], a `bool`,
/// `i64`, `f64` or `&'static str`, a generated enum, or a `String` from elsewhere (an admin
/// request, say). A `String` is kept for the life of the process, once per distinct string,
/// and only when a string flag takes it: one refused (an unknown flag, another type, no such
/// variant) leaves nothing behind.
///
/// ```
/// use flags_runtime::{Context, Store};
///
/// let store = Store::from_toml("flags.toml", r#"
/// [flags.greeting]
/// description = "The greeting"
/// owner = "web"
/// permanent = true
/// default = "Hello"
/// "#).unwrap();
/// let from_request: String = "Tere".to_owned();
/// store.set_by_name("greeting", from_request).unwrap();
/// assert_eq!(store.get_by_name::<&str>("greeting", &Context::new("u-1")), Some("Tere"));
/// assert!(store.set_by_name("greting", String::from("Tere")).is_err());
/// ```
pub trait IntoOverride {
    #[doc(hidden)]
    fn __into_override(self, variants: &[&'static str], takes_strings: bool) -> Option<Served>;
}

impl<T: FlagValue> IntoOverride for T {
    fn __into_override(self, variants: &[&'static str], _: bool) -> Option<Served> {
        self.__into_served(variants)
    }
}

impl IntoOverride for String {
    fn __into_override(self, variants: &[&'static str], takes_strings: bool) -> Option<Served> {
        if !variants.is_empty() {
            let index = variants.iter().position(|variant| *variant == self)?;
            return u16::try_from(index).ok().map(Served::Variant);
        }
        takes_strings.then(|| Served::Str(crate::intern::intern_string(&self)))
    }
}

/// A value as the evaluator holds it: variants by position, strings interned.
///
/// Sixteen bytes: strings are thin pointers, so values move in registers.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Served {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static String),
    Variant(u16),
}

/// The types a flag can have; implemented by the generated enums of variant flags.
///
/// ```
/// use flags_runtime::{Context, Store};
///
/// let store = Store::from_toml("flags.toml", r#"
/// [flags.search_page_size]
/// description = "Results per page"
/// owner = "search"
/// permanent = true
/// default = 20
/// "#).unwrap();
/// let page_size: Option<i64> = store.get_by_name("search_page_size", &Context::new("u-1"));
/// assert_eq!(page_size, Some(20));
/// ```
pub trait FlagValue: Copy + Send + Sync + 'static {
    #[doc(hidden)]
    fn __from_served(served: Served, variants: &[&'static str]) -> Option<Self>;
    #[doc(hidden)]
    fn __into_served(self, variants: &[&'static str]) -> Option<Served>;
}

/// The value of any variant flag, as the store serves it: its position, and its name as the
/// store knows it (none on the context-free path). The accessors `flags!()` generates read
/// variant flags as this one type, then make their enum of it: the store's generic evaluation
/// is then compiled once for all of a crate's variant flags, not once per enum.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// Its position among the flag's variants, in the order the store has them.
    pub index: u16,
    /// Its name, when the store gave it.
    pub name: Option<&'static str>,
}

impl FlagValue for Variant {
    #[inline]
    fn __from_served(served: Served, variants: &[&'static str]) -> Option<Self> {
        match served {
            Served::Variant(index) => Some(Variant {
                index,
                name: variants.get(usize::from(index)).copied(),
            }),
            _ => None,
        }
    }
    fn __into_served(self, variants: &[&'static str]) -> Option<Served> {
        let index = match self.name {
            Some(name) if !variants.is_empty() => {
                u16::try_from(variants.iter().position(|variant| *variant == name)?).ok()?
            }
            _ => self.index,
        };
        Some(Served::Variant(index))
    }
}

impl FlagValue for bool {
    #[inline]
    fn __from_served(served: Served, _: &[&'static str]) -> Option<Self> {
        match served {
            Served::Bool(value) => Some(value),
            _ => None,
        }
    }
    fn __into_served(self, _: &[&'static str]) -> Option<Served> {
        Some(Served::Bool(self))
    }
}

impl FlagValue for i64 {
    #[inline]
    fn __from_served(served: Served, _: &[&'static str]) -> Option<Self> {
        match served {
            Served::Int(value) => Some(value),
            _ => None,
        }
    }
    fn __into_served(self, _: &[&'static str]) -> Option<Served> {
        Some(Served::Int(self))
    }
}

impl FlagValue for f64 {
    #[inline]
    fn __from_served(served: Served, _: &[&'static str]) -> Option<Self> {
        match served {
            Served::Float(value) => Some(value),
            _ => None,
        }
    }
    fn __into_served(self, _: &[&'static str]) -> Option<Served> {
        Some(Served::Float(self))
    }
}

impl FlagValue for &'static str {
    #[inline]
    fn __from_served(served: Served, variants: &[&'static str]) -> Option<Self> {
        match served {
            Served::Str(value) => Some(value.as_str()),
            Served::Variant(index) => variants.get(usize::from(index)).copied(),
            _ => None,
        }
    }
    fn __into_served(self, variants: &[&'static str]) -> Option<Served> {
        if variants.is_empty() {
            return Some(Served::Str(crate::intern::intern_string(self)));
        }
        let index = variants.iter().position(|variant| *variant == self)?;
        u16::try_from(index).ok().map(Served::Variant)
    }
}

impl FlagValue for Value {
    fn __from_served(served: Served, variants: &[&'static str]) -> Option<Self> {
        Some(match served {
            Served::Bool(value) => Value::Bool(value),
            Served::Int(value) => Value::Int(value),
            Served::Float(value) => Value::Float(value),
            Served::Str(value) => Value::Str(value.as_str()),
            Served::Variant(index) => Value::Str(variants.get(usize::from(index)).copied()?),
        })
    }
    fn __into_served(self, variants: &[&'static str]) -> Option<Served> {
        match self {
            Value::Bool(value) => value.__into_served(variants),
            Value::Int(value) => value.__into_served(variants),
            Value::Float(value) => value.__into_served(variants),
            Value::Str(value) => value.__into_served(variants),
        }
    }
}

/// Why an evaluation gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No rule matched: the default (of the current environment).
    Default,
    /// Set from code with `Store::set`.
    Override,
    /// Turned off from code with `Store::kill`: the default is served.
    Killed,
    /// `pinned = true`: fixed at compile time to its default.
    Pinned,
    /// A flag in `requires` did not have the required value: the default is served.
    PrerequisiteFailed {
        /// The flag that did not.
        flag: &'static str,
    },
    /// Outside the flag's `from`/`until` window: the default is served.
    OutsideWindow,
    /// The context's key is listed in the rule's `users`.
    TargetedUser {
        /// Position of the rule, from 0.
        rule: usize,
    },
    /// The context is in the rule's segment.
    Segment {
        /// Position of the rule, from 0.
        rule: usize,
        /// The segment.
        segment: &'static str,
    },
    /// The rule's conditions hold (or it has none).
    Rule {
        /// Position of the rule, from 0.
        index: usize,
    },
    /// The context's bucket is inside the rule's rollout.
    Rollout {
        /// Position of the rule, from 0.
        rule: usize,
        /// The context's bucket, 0 to 99_999.
        bucket: u32,
    },
    /// The rule's split gave this value for the context's bucket.
    Split {
        /// Position of the rule, from 0.
        rule: usize,
        /// The context's bucket, 0 to 99_999.
        bucket: u32,
    },
    /// The store has no flag of this name and type (a typed key used with another store);
    /// the compiled default is served.
    Unknown,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Default => f.write_str("default"),
            Reason::Override => f.write_str("override"),
            Reason::Killed => f.write_str("killed"),
            Reason::Pinned => f.write_str("pinned"),
            Reason::PrerequisiteFailed { flag } => write!(f, "prerequisite `{flag}` failed"),
            Reason::OutsideWindow => f.write_str("outside its time window"),
            Reason::TargetedUser { rule } => write!(f, "targeted user (rule {})", rule + 1),
            Reason::Segment { rule, segment } => {
                write!(f, "segment `{segment}` (rule {})", rule + 1)
            }
            Reason::Rule { index } => write!(f, "rule {}", index + 1),
            Reason::Rollout { rule, bucket } => {
                write!(f, "rollout (rule {}, bucket {bucket})", rule + 1)
            }
            Reason::Split { rule, bucket } => {
                write!(f, "split (rule {}, bucket {bucket})", rule + 1)
            }
            Reason::Unknown => f.write_str("unknown flag"),
        }
    }
}

/// A value with the reason it was served.
///
/// ```
/// use flags_runtime::{Context, Reason, Store};
///
/// let store = Store::from_toml("flags.toml", r#"
/// [flags.beta]
/// description = "Beta"
/// owner = "web"
/// expires = 2030-01-01
/// default = false
/// [[flags.beta.rules]]
/// users = ["u-1"]
/// serve = true
/// "#).unwrap();
/// let detail = store.detail_by_name::<bool>("beta", &Context::new("u-1")).unwrap();
/// assert_eq!((detail.value, detail.reason), (true, Reason::TargetedUser { rule: 0 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detail<T> {
    /// The value.
    pub value: T,
    /// Why.
    pub reason: Reason,
}
