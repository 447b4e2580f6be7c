//! The typed model of a validated `flags.toml`.

use std::fmt;

use ipnet::IpNet;
use regex::Regex;
use semver::Version;

use crate::datetime::{Date, Timestamp};
use crate::diagnostic::Span;
use crate::names;

/// A value with the place in `flags.toml` it was written.
///
/// Equality compares values only: throughout the model, two definitions are equal when they
/// mean the same, wherever in the file they are written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> Spanned<T> {
    pub(crate) fn new(value: T, span: impl Into<Span>) -> Self {
        Spanned {
            value,
            span: span.into(),
        }
    }
}

/// A whole, validated `flags.toml`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The environments a process may run in (`environments = [...]`), in declared order.
    pub environments: Vec<Spanned<String>>,
    /// Named groups of contexts that rules refer to, in declared order.
    pub segments: Vec<Segment>,
    /// Every flag, in declared order; generated code refers to them by this position.
    pub flags: Vec<Flag>,
}

impl Schema {
    /// The flag called `name`.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|flag| flag.name == name)
    }

    /// The position of the flag called `name`.
    pub fn flag_index(&self, name: &str) -> Option<usize> {
        self.flags.iter().position(|flag| flag.name == name)
    }

    /// The segment called `name`.
    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|segment| segment.name == name)
    }

    /// Whether `name` is a declared environment.
    pub fn has_environment(&self, name: &str) -> bool {
        self.environments.iter().any(|env| env.value == name)
    }

    /// The flag names, in declared order.
    pub fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|flag| flag.name.as_str())
    }
}

/// A named group of contexts: listed keys, contexts matching conditions, or both, minus
/// excluded keys.
#[derive(Debug, Clone)]
pub struct Segment {
    /// The name rules use (`segment = "beta_testers"`).
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// What the group is, for people.
    pub description: Option<String>,
    /// Context keys that are members.
    pub users: Vec<String>,
    /// Context keys that are never members, even when listed or matching.
    pub exclude: Vec<String>,
    /// Conditions that make a context a member when all hold.
    pub when: Vec<Condition>,
}

/// One feature flag.
#[derive(Debug, Clone)]
pub struct Flag {
    /// The snake_case name; also the name of the generated accessor.
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// What the flag changes, for people.
    pub description: String,
    /// The team or person to ask.
    pub owner: String,
    /// After this date the flag is stale; `None` exactly when `permanent`.
    pub expires: Option<Spanned<Date>>,
    /// An operational flag that never expires.
    pub permanent: bool,
    /// Fixed at compile time to its default; live updates cannot change it.
    pub pinned: bool,
    /// The type of its values.
    pub kind: FlagKind,
    /// The value when no rule matches.
    pub default: Spanned<Value>,
    /// Flags that must have given values before any rule is considered.
    pub requires: Vec<Prerequisite>,
    /// When the rules apply; outside it the default is served.
    pub window: Window,
    /// The salt of rollout and split buckets; the flag's name when `None`.
    pub salt: Option<String>,
    /// Targeting rules, in order; the first that matches decides.
    pub rules: Vec<Rule>,
    /// Per-environment replacements of `default` and `rules`.
    pub environments: Vec<EnvironmentValues>,
}

impl Flag {
    /// The default and rules in force in `environment` (`None`: the base definition).
    ///
    /// ```
    /// let schema = flags_schema::Schema::parse("flags.toml", r#"
    /// environments = ["staging"]
    /// [flags.beta]
    /// description = "Beta"
    /// owner = "web"
    /// expires = 2030-01-01
    /// default = false
    /// [flags.beta.environments.staging]
    /// default = true
    /// "#).unwrap();
    /// let flag = schema.flag("beta").unwrap();
    /// assert_eq!(flag.targeting(Some("staging")).default.value, flags_schema::Value::Bool(true));
    /// assert_eq!(flag.targeting(None).default.value, flags_schema::Value::Bool(false));
    /// ```
    pub fn targeting(&self, environment: Option<&str>) -> Targeting<'_> {
        let overlay = environment
            .and_then(|name| self.environments.iter().find(|env| env.name.value == name));
        Targeting {
            default: overlay
                .and_then(|env| env.default.as_ref())
                .unwrap_or(&self.default),
            rules: overlay
                .and_then(|env| env.rules.as_deref())
                .unwrap_or(&self.rules),
        }
    }

    /// Whether the flag's answer may depend on the context or the clock, in some environment:
    /// it is not pinned, and has rules (its own or an environment's), prerequisites or a
    /// window. The keys `flags!()` generates carry it, so that the runtime looks for a
    /// context-free answer first only where one is likely.
    ///
    /// ```
    /// let schema = flags_schema::Schema::parse("flags.toml", r#"
    /// environments = ["staging"]
    /// [flags.plain]
    /// description = "Plain"
    /// owner = "web"
    /// expires = 2030-01-01
    /// default = false
    /// [flags.testers_on_staging]
    /// description = "Testers first, on staging"
    /// owner = "web"
    /// expires = 2030-01-01
    /// default = false
    /// [[flags.testers_on_staging.environments.staging.rules]]
    /// users = ["u-1"]
    /// serve = true
    /// "#).unwrap();
    /// assert!(!schema.flag("plain").unwrap().is_targeted());
    /// assert!(schema.flag("testers_on_staging").unwrap().is_targeted());
    /// ```
    pub fn is_targeted(&self) -> bool {
        !self.pinned
            && (!self.rules.is_empty()
                || !self.requires.is_empty()
                || !self.window.is_always()
                || self
                    .environments
                    .iter()
                    .any(|env| env.rules.as_ref().is_some_and(|rules| !rules.is_empty())))
    }

    /// The generated enum's name, for a variant flag.
    pub fn enum_name(&self) -> String {
        names::upper_camel(&self.name)
    }

    /// The salt used for buckets.
    pub fn bucket_salt(&self) -> &str {
        self.salt.as_deref().unwrap_or(&self.name)
    }

    /// Whether the flag is past its expiry on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires
            .as_ref()
            .is_some_and(|expires| expires.value < today)
    }

    /// Every rule of every environment, with the environment's name (`None`: the base rules).
    pub fn all_rules(&self) -> impl Iterator<Item = (Option<&str>, &Rule)> {
        let base = self.rules.iter().map(|rule| (None, rule));
        let overlays = self.environments.iter().flat_map(|env| {
            env.rules
                .iter()
                .flatten()
                .map(move |rule| (Some(env.name.value.as_str()), rule))
        });
        base.chain(overlays)
    }
}

/// The default and rules of a flag in one environment.
#[derive(Debug, Clone, Copy)]
pub struct Targeting<'a> {
    /// The value when no rule matches.
    pub default: &'a Spanned<Value>,
    /// The rules, in order.
    pub rules: &'a [Rule],
}

/// The type of a flag's values, inferred from its `default` (and `variants`).
#[derive(Debug, Clone, PartialEq)]
pub enum FlagKind {
    /// `true` or `false`.
    Bool,
    /// An `i64`.
    Int,
    /// An `f64`.
    Float,
    /// Any string.
    String,
    /// One of the listed names; the macros generate an enum.
    Variants(Vec<Spanned<String>>),
}

impl FlagKind {
    /// Whether flags of this kind and of `other` serve the same values: the same type, and
    /// for variant flags the same variants, in any order (values are served by name).
    fn serves_as(&self, other: &FlagKind) -> bool {
        match (self, other) {
            (FlagKind::Variants(these), FlagKind::Variants(those)) => {
                these.len() == those.len() && these.iter().all(|variant| those.contains(variant))
            }
            (this, that) => this == that,
        }
    }

    /// "a boolean", "an integer", ... for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            FlagKind::Bool => "a boolean",
            FlagKind::Int => "an integer",
            FlagKind::Float => "a float",
            FlagKind::String => "a string",
            FlagKind::Variants(_) => "a variant",
        }
    }

    /// The variant names of a variant flag.
    pub fn variants(&self) -> &[Spanned<String>] {
        match self {
            FlagKind::Variants(variants) => variants,
            _ => &[],
        }
    }

    /// Whether `value` has this kind (for variants: is one of them).
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (FlagKind::Bool, Value::Bool(_))
            | (FlagKind::Int, Value::Int(_))
            | (FlagKind::Float, Value::Float(_))
            | (FlagKind::String, Value::String(_)) => true,
            (FlagKind::Variants(variants), Value::String(name)) => {
                variants.iter().any(|variant| &variant.value == name)
            }
            _ => false,
        }
    }

    /// Short name for tables: `bool`, `int`, `float`, `string`, `variant`.
    pub fn short_name(&self) -> &'static str {
        match self {
            FlagKind::Bool => "bool",
            FlagKind::Int => "int",
            FlagKind::Float => "float",
            FlagKind::String => "string",
            FlagKind::Variants(_) => "variant",
        }
    }
}

/// A number a condition compares with, as written: an integer stays exact beyond 2^53.
///
/// ```
/// use flags_schema::Number;
///
/// assert_eq!(Number::Int(9_007_199_254_740_993).to_string(), "9007199254740993");
/// assert_eq!(Number::Float(2.5).to_string(), "2.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float (finite).
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(int) => write!(f, "{int}"),
            Number::Float(float) => write!(f, "{float}"),
        }
    }
}

/// A value a flag can serve.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string, or the name of a variant.
    String(String),
}

impl Value {
    /// "a boolean", "an integer", ... for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
        }
    }
}

impl fmt::Display for Value {
    /// As TOML writes it: `true`, `25`, `0.5`, `"classic"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(value) => write!(f, "{value}"),
            Value::Int(value) => write!(f, "{value}"),
            Value::Float(value) => write!(f, "{value:?}"),
            Value::String(value) => write!(f, "{value:?}"),
        }
    }
}

/// A percentage in steps of 0.001 (stored as thousandths of a percent, 0 to 100_000).
///
/// ```
/// use flags_schema::Percent;
///
/// let quarter = Percent::from_thousandths(25_000).unwrap();
/// assert_eq!(quarter.to_string(), "25%");
/// assert_eq!(Percent::from_thousandths(12_345).unwrap().to_string(), "12.345%");
/// assert!(Percent::from_thousandths(100_001).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    /// 100%.
    pub const ALL: Percent = Percent(100_000);

    /// `thousandths / 1000` percent, if at most 100%.
    pub const fn from_thousandths(thousandths: u32) -> Option<Self> {
        if thousandths <= 100_000 {
            Some(Percent(thousandths))
        } else {
            None
        }
    }

    /// Thousandths of a percent: the bucket threshold (a context is in iff `bucket < this`).
    pub const fn thousandths(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / 1000, self.0 % 1000);
        if fraction == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{fraction:03}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

/// A time window: `from` (inclusive) and `until` (exclusive), either may be open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// The first instant inside.
    pub from: Option<Spanned<Timestamp>>,
    /// The first instant after.
    pub until: Option<Spanned<Timestamp>>,
}

impl Window {
    /// Whether the window has no bound.
    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }

    /// Whether `now` is inside.
    pub fn contains(&self, now: Timestamp) -> bool {
        self.from.as_ref().is_none_or(|from| from.value <= now)
            && self.until.as_ref().is_none_or(|until| now < until.value)
    }
}

/// A requirement that another flag has a given value for the same context.
#[derive(Debug, Clone, PartialEq)]
pub struct Prerequisite {
    /// The flag that must be evaluated first.
    pub flag: Spanned<String>,
    /// The value it must have.
    pub is: Spanned<Value>,
}

/// One targeting rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Where the rule is written.
    pub span: Span,
    /// What the rule is for, for people.
    pub description: Option<String>,
    /// Context keys the rule is for; empty: any key.
    pub users: Vec<String>,
    /// Segments the context must be in (any of them); empty: no segment needed.
    pub segments: Vec<Spanned<String>>,
    /// Conditions that must all hold.
    pub when: Vec<Condition>,
    /// When the rule applies.
    pub window: Window,
    /// The attribute whose value is bucketed, instead of the context key.
    pub bucket_by: Option<String>,
    /// What a matching context gets.
    pub outcome: Outcome,
}

impl Rule {
    /// Whether every context matches the rule at every time (no users, segments, conditions
    /// or window).
    pub fn matches_everyone(&self) -> bool {
        self.users.is_empty()
            && self.segments.is_empty()
            && self.when.is_empty()
            && self.window.is_always()
    }
}

/// What a matching rule serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The same value to every matching context.
    Serve(Spanned<Value>),
    /// `serve` to a sticky percentage of matching contexts; the others fall through to the
    /// next rule.
    Rollout {
        /// How many of the matching contexts.
        percent: Spanned<Percent>,
        /// What they get.
        serve: Spanned<Value>,
    },
    /// Weighted values, by sticky bucket, in declared order; the weights sum to 100%.
    Split(Spanned<Vec<SplitArm>>),
}

impl Outcome {
    /// The one value this outcome gives everyone it applies to, if it does.
    pub fn single_value(&self) -> Option<&Value> {
        match self {
            Outcome::Serve(value) => Some(&value.value),
            Outcome::Rollout { percent, serve } if percent.value == Percent::ALL => {
                Some(&serve.value)
            }
            Outcome::Split(arms) => match arms.value.as_slice() {
                [only] => Some(&only.value),
                arms => arms
                    .iter()
                    .find(|arm| arm.weight == Percent::ALL)
                    .map(|arm| &arm.value),
            },
            Outcome::Rollout { .. } => None,
        }
    }
}

/// One value of a split and its weight.
#[derive(Debug, Clone)]
pub struct SplitArm {
    /// The value.
    pub value: Value,
    /// Its share.
    pub weight: Percent,
    /// Where it is written.
    pub span: Span,
}

/// One condition of a rule or segment.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Where it is written.
    pub span: Span,
    /// Inverts the result (a missing attribute still never matches).
    pub negate: bool,
    /// What is tested.
    pub test: Test,
}

/// What a condition tests.
#[derive(Debug, Clone)]
pub enum Test {
    /// An attribute of the context.
    Attribute {
        /// The attribute's name.
        attribute: String,
        /// Compare strings ignoring case.
        case_insensitive: bool,
        /// The comparison.
        operator: Operator,
    },
    /// Another flag's value for the same context.
    Flag(Prerequisite),
}

/// A comparison of a context attribute.
#[derive(Debug, Clone)]
pub enum Operator {
    /// The attribute (or one of a list attribute's items) is one of these.
    In(ListValues),
    /// The attribute is none of these.
    NotIn(ListValues),
    /// The attribute equals this.
    Eq(Value),
    /// The string attribute starts with this.
    StartsWith(String),
    /// The string attribute ends with this.
    EndsWith(String),
    /// The string attribute contains this, or the list attribute has this item.
    Contains(String),
    /// The string attribute matches this regex (anywhere, unless anchored).
    Matches(Regex),
    /// The number is less than this.
    Lt(Number),
    /// The number is at most this.
    Le(Number),
    /// The number is greater than this.
    Gt(Number),
    /// The number is at least this.
    Ge(Number),
    /// The datetime is before this.
    Before(Timestamp),
    /// The datetime is after this.
    After(Timestamp),
    /// The semantic version equals this.
    SemverEq(Version),
    /// The semantic version is lower.
    SemverLt(Version),
    /// The semantic version is lower or equal.
    SemverLe(Version),
    /// The semantic version is higher.
    SemverGt(Version),
    /// The semantic version is higher or equal.
    SemverGe(Version),
    /// The IP address is in one of these networks.
    Cidr(Vec<IpNet>),
    /// The location is inside this circle.
    Within(GeoFence),
}

impl Operator {
    /// The operator's key in `flags.toml`.
    pub fn key(&self) -> &'static str {
        match self {
            Operator::In(_) => "in",
            Operator::NotIn(_) => "not_in",
            Operator::Eq(_) => "eq",
            Operator::StartsWith(_) => "starts_with",
            Operator::EndsWith(_) => "ends_with",
            Operator::Contains(_) => "contains",
            Operator::Matches(_) => "matches",
            Operator::Lt(_) => "lt",
            Operator::Le(_) => "le",
            Operator::Gt(_) => "gt",
            Operator::Ge(_) => "ge",
            Operator::Before(_) => "before",
            Operator::After(_) => "after",
            Operator::SemverEq(_) => "semver_eq",
            Operator::SemverLt(_) => "semver_lt",
            Operator::SemverLe(_) => "semver_le",
            Operator::SemverGt(_) => "semver_gt",
            Operator::SemverGe(_) => "semver_ge",
            Operator::Cidr(_) => "cidr",
            Operator::Within(_) => "within",
        }
    }
}

/// The items of an `in`/`not_in` list: all strings or all integers.
#[derive(Debug, Clone, PartialEq)]
pub enum ListValues {
    /// Strings.
    Strings(Vec<String>),
    /// Integers.
    Ints(Vec<i64>),
}

impl ListValues {
    /// How many items.
    pub fn len(&self) -> usize {
        match self {
            ListValues::Strings(items) => items.len(),
            ListValues::Ints(items) => items.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A circle on the Earth's surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoFence {
    /// Latitude of the centre, in degrees.
    pub lat: f64,
    /// Longitude of the centre, in degrees.
    pub lon: f64,
    /// Radius in kilometres.
    pub radius_km: f64,
}

/// Per-environment replacements of a flag's `default` and `rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentValues {
    /// The environment.
    pub name: Spanned<String>,
    /// Replaces the flag's default.
    pub default: Option<Spanned<Value>>,
    /// Replaces the flag's rules.
    pub rules: Option<Vec<Rule>>,
}

// Equality ignores where things are written (see `Spanned`).

impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.users == other.users
            && self.exclude == other.exclude
            && self.when == other.when
    }
}

impl PartialEq for Flag {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.owner == other.owner
            && self.expires == other.expires
            && self.permanent == other.permanent
            // The order of variants is the order of the generated enum's.
            && self.kind == other.kind
            && self.serves_as(other)
    }
}

impl Flag {
    /// Whether `other` serves what this definition serves, to every context in every
    /// environment, whatever its description, owner, expiry and order of variants.
    ///
    /// ```
    /// let text = |owner: &str| format!(
    ///     "[flags.beta]\ndescription = \"d\"\nowner = \"{owner}\"\npermanent = true\ndefault = false\n"
    /// );
    /// let web = flags_schema::Schema::parse("a.toml", &text("web")).unwrap();
    /// let ops = flags_schema::Schema::parse("b.toml", &text("ops")).unwrap();
    /// assert!(web.flags[0].serves_as(&ops.flags[0]));
    /// assert_ne!(web.flags[0], ops.flags[0]);
    /// ```
    pub fn serves_as(&self, other: &Flag) -> bool {
        self.pinned == other.pinned
            && self.kind.serves_as(&other.kind)
            && self.default == other.default
            && self.requires == other.requires
            && self.window == other.window
            && self.salt == other.salt
            && self.rules == other.rules
            && self.environments == other.environments
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.description == other.description
            && self.users == other.users
            && self.segments == other.segments
            && self.when == other.when
            && self.window == other.window
            && self.bucket_by == other.bucket_by
            && self.outcome == other.outcome
    }
}

impl PartialEq for SplitArm {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.weight == other.weight
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.negate == other.negate && self.test == other.test
    }
}

impl PartialEq for Test {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Test::Attribute {
                    attribute,
                    case_insensitive,
                    operator,
                },
                Test::Attribute {
                    attribute: other_attribute,
                    case_insensitive: other_case_insensitive,
                    operator: other_operator,
                },
            ) => {
                attribute == other_attribute
                    && case_insensitive == other_case_insensitive
                    && operator == other_operator
            }
            (Test::Flag(prerequisite), Test::Flag(other)) => prerequisite == other,
            _ => false,
        }
    }
}

impl PartialEq for Operator {
    fn eq(&self, other: &Self) -> bool {
        use Operator::*;
        match (self, other) {
            (In(a), In(b)) | (NotIn(a), NotIn(b)) => a == b,
            (Eq(a), Eq(b)) => a == b,
            (StartsWith(a), StartsWith(b))
            | (EndsWith(a), EndsWith(b))
            | (Contains(a), Contains(b)) => a == b,
            (Matches(a), Matches(b)) => a.as_str() == b.as_str(),
            (Lt(a), Lt(b)) | (Le(a), Le(b)) | (Gt(a), Gt(b)) | (Ge(a), Ge(b)) => a == b,
            (Before(a), Before(b)) | (After(a), After(b)) => a == b,
            (SemverEq(a), SemverEq(b))
            | (SemverLt(a), SemverLt(b))
            | (SemverLe(a), SemverLe(b))
            | (SemverGt(a), SemverGt(b))
            | (SemverGe(a), SemverGe(b)) => a == b,
            (Cidr(a), Cidr(b)) => a == b,
            (Within(a), Within(b)) => a == b,
            _ => false,
        }
    }
}
