//! From a validated schema to the structures the evaluator walks: names resolved to
//! positions, values interned, sets hashed, environments applied. Everything here runs when
//! definitions load, so that evaluation does no lookups by name and no allocation.

use std::hash::{Hash, Hasher};
use std::net::Ipv4Addr;

use flags_schema::reexports::ipnet::{IpNet, Ipv4Net};
use flags_schema::reexports::regex::Regex;
use flags_schema::reexports::semver::Version;
use flags_schema::{
    Condition, Flag, FlagKind, GeoFence, ListValues, Number, Operator, Outcome, Prerequisite, Rule,
    Schema, Segment, Test, Value, Window,
};
use hashbrown::{Equivalent, HashMap, HashSet};

use crate::bucket::Salt;
use crate::context::{Packed, same_name};
use crate::intern::{intern, intern_string};
use crate::value::Served;

/// Sets at most this large are scanned; larger ones are hashed.
const SCAN_LIMIT: usize = 8;

/// All flags and segments of one configuration in one environment.
pub(crate) struct Definitions {
    pub(crate) flags: Box<[CompiledFlag]>,
    pub(crate) segments: Box<[CompiledSegment]>,
    /// Hashed with foldhash: by-name lookups are on the evaluation path.
    pub(crate) by_name: HashMap<&'static str, usize>,
    /// The flags that prerequisites name but a [`Schema`] built by hand lacks, at the
    /// positions after `flags`: a prerequisite on one is never met, and its reason still
    /// names it.
    pub(crate) missing_flags: Box<[&'static str]>,
}

pub(crate) struct CompiledFlag {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) variants: Box<[&'static str]>,
    pub(crate) default: Served,
    pub(crate) pinned: bool,
    pub(crate) requires: Box<[(usize, Served)]>,
    pub(crate) window: Span,
    /// Prerequisites or a window: most flags have neither, and skip both with one test.
    pub(crate) gated: bool,
    pub(crate) salt: Salt,
    pub(crate) rules: Box<[CompiledRule]>,
    pub(crate) shortcut: Shortcut,
}

/// A quicker way than the rules one by one to decide the targeting of a flag that nothing
/// gates, for the two commonest shapes of targeting.
pub(crate) enum Shortcut {
    /// The rules decide.
    None,
    /// Every rule serves a value if an attribute is (or is not) in a [`PackedSet`]: the
    /// rules again, compactly, decided by a loop that tests nothing else.
    Text(TextRules),
    /// One rule, a rollout or split to everyone, bucketed by the key: one hash decides.
    KeyBucket,
}

impl Shortcut {
    fn of(rules: &[CompiledRule]) -> Shortcut {
        if let [rule] = rules
            && matches!(rule.shape, Shape::Everyone)
            && rule.bucket_by.is_none()
            && matches!(
                rule.outcome,
                CompiledOutcome::Rollout { .. } | CompiledOutcome::Split(_)
            )
        {
            return Shortcut::KeyBucket;
        }
        match text_rules(rules) {
            Some(runs) if !runs.is_empty() => Shortcut::Text(runs),
            _ => Shortcut::None,
        }
    }
}

/// The type of a flag's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Variant,
}

impl Kind {
    pub(crate) fn of(kind: &FlagKind) -> Kind {
        match kind {
            FlagKind::Bool => Kind::Bool,
            FlagKind::Int => Kind::Int,
            FlagKind::Float => Kind::Float,
            FlagKind::String => Kind::Str,
            FlagKind::Variants(_) => Kind::Variant,
        }
    }
}

/// A time window in Unix milliseconds; `None` bounds are open.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    pub(crate) from: Option<i64>,
    pub(crate) until: Option<i64>,
}

impl Span {
    fn of(window: &Window) -> Span {
        Span {
            from: window.from.as_ref().map(|from| from.value.unix_millis()),
            until: window.until.as_ref().map(|until| until.value.unix_millis()),
        }
    }

    #[inline]
    pub(crate) fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }

    #[inline]
    pub(crate) fn contains(&self, now: i64) -> bool {
        self.from.is_none_or(|from| from <= now) && self.until.is_none_or(|until| now < until)
    }
}

pub(crate) struct CompiledRule {
    /// A field of its own rather than a [`Shape`]: the evaluator tests it first, with one
    /// compare.
    pub(crate) text_in: Option<TextIn>,
    pub(crate) shape: Shape,
    pub(crate) users: Option<StrSet>,
    pub(crate) segments: Box<[usize]>,
    pub(crate) conditions: Box<[CompiledCondition]>,
    pub(crate) window: Span,
    pub(crate) bucket_by: Option<Box<str>>,
    pub(crate) outcome: CompiledOutcome,
}

/// Rules that each serve a value when an attribute is (or is not) in a [`PackedSet`], in
/// runs: the rules one after another that test one attribute share one scan of their values.
pub(crate) type TextRules = Box<[TextRun]>;

/// Rules `in` lists of the attribute `name`, or one negated rule (`not_in`, or `in` with
/// `negate`).
pub(crate) struct TextRun {
    pub(crate) name: &'static str,
    pub(crate) negate: bool,
    /// The values of the run's lists, in the order of their rules: the first one the text
    /// equals decides an `in` run, and none deciding a `not_in` run.
    pub(crate) values: Box<[TextValue]>,
    /// What a `not_in` run serves, and its rule.
    pub(crate) serve: (u32, Served),
}

/// A value of a rule's list, with the rule's position and what it serves.
pub(crate) struct TextValue {
    pub(crate) value: Packed,
    pub(crate) serve: (u32, Served),
}

fn text_rules(rules: &[CompiledRule]) -> Option<TextRules> {
    let mut runs: Vec<(TextRun, Vec<TextValue>)> = Vec::new();
    for (position, rule) in rules.iter().enumerate() {
        let (Some(TextIn { name, set, negate }), CompiledOutcome::Serve(serve)) =
            (&rule.text_in, &rule.outcome)
        else {
            return None;
        };
        let serve = (u32::try_from(position).ok()?, *serve);
        let values = set.items().map(|value| TextValue { value, serve });
        match runs.last_mut() {
            Some((last, run)) if !*negate && !last.negate && last.name == *name => {
                run.extend(values);
            }
            _ => {
                runs.push((
                    TextRun {
                        name,
                        negate: *negate,
                        values: Box::default(),
                        serve,
                    },
                    values.collect(),
                ));
            }
        }
    }
    Some(
        runs.into_iter()
            .map(|(run, values)| TextRun {
                values: values.into(),
                ..run
            })
            .collect(),
    )
}

/// A rule with no window, users or segments and one condition, `name` in (or, negated, not
/// in) a [`PackedSet`]: the commonest rule. When the attribute is text the evaluator decides
/// the rule from the packed text alone; otherwise as [`Shape::ConditionsOnly`].
pub(crate) struct TextIn {
    pub(crate) name: &'static str,
    pub(crate) set: PackedSet,
    pub(crate) negate: bool,
}

/// Which checks decide whether a rule matches, so that the evaluator skips the others.
pub(crate) enum Shape {
    /// No window, users or segments: only the conditions decide.
    ConditionsOnly,
    /// No window, users, segments or conditions: every context (a rollout or split to
    /// everyone, say).
    Everyone,
    /// A window, users or segments too.
    Full,
}

pub(crate) enum CompiledOutcome {
    Serve(Served),
    Rollout {
        threshold: u32,
        serve: Served,
    },
    /// Cumulative upper bounds, in declared order.
    Split(Box<[(u32, Served)]>),
}

pub(crate) struct CompiledSegment {
    pub(crate) name: &'static str,
    pub(crate) users: Option<StrSet>,
    pub(crate) exclude: Option<StrSet>,
    pub(crate) conditions: Box<[CompiledCondition]>,
}

pub(crate) struct CompiledCondition {
    pub(crate) negate: bool,
    pub(crate) test: CompiledTest,
}

pub(crate) enum CompiledTest {
    Attribute { name: &'static str, op: Op },
    Flag { index: usize, expected: Served },
}

/// `not_in` is a negated `in`: a missing or ill-typed attribute fails both.
pub(crate) enum Op {
    In(ValueSet),
    EqStr(Box<str>, bool),
    EqNumber(Number),
    EqBool(bool),
    StartsWith(Box<str>, bool),
    EndsWith(Box<str>, bool),
    Contains(Box<str>, bool),
    Matches(Regex),
    Lt(Number),
    Le(Number),
    Gt(Number),
    Ge(Number),
    Before(i64),
    After(i64),
    /// Matches when the comparison of the attribute with the version is one of these.
    Semver(Version, [bool; 3]),
    Cidr(Box<[IpNet]>),
    Within(GeoFence),
}

pub(crate) enum ValueSet {
    /// Few short strings, matched exactly: the commonest set.
    Packed(PackedSet),
    Strings(StrSet),
    Ints(Box<[i64]>),
}

/// One to [`SCAN_LIMIT`] strings of at most [`Packed::LIMIT`] bytes, packed. The first is
/// kept inline: most sets in rules are that short, and then no loop runs.
#[derive(Clone)]
pub(crate) struct PackedSet {
    first: Packed,
    rest: Box<[Packed]>,
}

impl PackedSet {
    fn new(items: &[String]) -> Option<PackedSet> {
        let (first, rest) = items.split_first()?;
        (items.len() <= SCAN_LIMIT && items.iter().all(|item| item.len() <= Packed::LIMIT)).then(
            || PackedSet {
                first: Packed::new(first),
                rest: rest.iter().map(|item| Packed::new(item)).collect(),
            },
        )
    }

    #[inline(always)]
    #[expect(
        clippy::manual_contains,
        reason = "`<[Packed]>::contains` compiles to a loop of several more instructions per rule"
    )]
    pub(crate) fn contains(&self, text: Packed) -> bool {
        self.first == text || self.rest.iter().any(|item| *item == text)
    }

    fn items(&self) -> impl Iterator<Item = Packed> {
        std::iter::once(self.first).chain(self.rest.iter().copied())
    }
}

/// A set of strings, exact or ignoring case.
pub(crate) enum StrSet {
    Scan(Box<[Box<str>]>),
    Hashed(HashSet<Box<str>>),
    ScanFolded(Box<[Box<str>]>),
    HashedFolded(HashSet<Folded>),
}

impl StrSet {
    fn new(items: impl IntoIterator<Item = impl AsRef<str>>, case_insensitive: bool) -> StrSet {
        let items: Vec<Box<str>> = items.into_iter().map(|item| item.as_ref().into()).collect();
        match (items.len() <= SCAN_LIMIT, case_insensitive) {
            (true, false) => StrSet::Scan(items.into()),
            (false, false) => StrSet::Hashed(items.into_iter().collect()),
            (true, true) => StrSet::ScanFolded(items.into()),
            (false, true) => StrSet::HashedFolded(items.into_iter().map(Folded).collect()),
        }
    }

    fn optional(items: &[String]) -> Option<StrSet> {
        (!items.is_empty()).then(|| StrSet::new(items, false))
    }

    #[inline]
    pub(crate) fn contains(&self, text: &str) -> bool {
        match self {
            StrSet::Scan(items) => items.iter().any(|item| same_name(item, text)),
            StrSet::Hashed(items) => items.contains(text),
            StrSet::ScanFolded(items) => items.iter().any(|item| eq_folded(item, text)),
            StrSet::HashedFolded(items) => items.contains(&FoldedRef(text)),
        }
    }
}

/// A string compared and hashed ignoring case (Unicode lowercase, char by char).
pub(crate) struct Folded(Box<str>);

/// The borrowed form, for lookups without allocating.
struct FoldedRef<'a>(&'a str);

fn hash_folded<H: Hasher>(text: &str, state: &mut H) {
    for c in text.chars().flat_map(char::to_lowercase) {
        state.write_u32(u32::from(c));
    }
    state.write_u8(0xff);
}

impl Hash for Folded {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(&self.0, state);
    }
}

impl Hash for FoldedRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(self.0, state);
    }
}

impl PartialEq for Folded {
    fn eq(&self, other: &Self) -> bool {
        eq_folded(&self.0, &other.0)
    }
}

impl Eq for Folded {}

impl Equivalent<Folded> for FoldedRef<'_> {
    fn equivalent(&self, key: &Folded) -> bool {
        eq_folded(self.0, &key.0)
    }
}

/// Equal ignoring case; ASCII takes the fast path.
#[inline]
pub(crate) fn eq_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

impl Definitions {
    /// Compiles `schema` for `environment` (`None`: the base definitions).
    pub(crate) fn compile(schema: &Schema, environment: Option<&str>) -> Definitions {
        Definitions::compile_with_kinds(schema, environment, &|_| None)
    }

    /// Compiles `schema`, ordering each variant flag's variants as `variants_of` says (the
    /// order the binary was compiled with), so that positions agree with generated enums.
    pub(crate) fn compile_with_kinds(
        schema: &Schema,
        environment: Option<&str>,
        variants_of: &dyn Fn(&str) -> Option<Vec<&'static str>>,
    ) -> Definitions {
        let flag_index: HashMap<&str, usize> = schema
            .flags
            .iter()
            .enumerate()
            .map(|(index, flag)| (flag.name.as_str(), index))
            .collect();
        let segment_index: HashMap<&str, usize> = schema
            .segments
            .iter()
            .enumerate()
            .map(|(index, segment)| (segment.name.as_str(), index))
            .collect();
        let variants: Vec<Box<[&'static str]>> = schema
            .flags
            .iter()
            .map(|flag| {
                variants_of(&flag.name)
                    .unwrap_or_else(|| {
                        flag.kind
                            .variants()
                            .iter()
                            .map(|variant| intern(&variant.value))
                            .collect()
                    })
                    .into()
            })
            .collect();
        let mut missing_flags: Vec<&'static str> = Vec::new();
        let mut missing_index: HashMap<&str, usize> = HashMap::new();
        for prerequisite in schema.flags.iter().flat_map(|flag| &flag.requires) {
            let name = prerequisite.flag.value.as_str();
            if !flag_index.contains_key(name) && !missing_index.contains_key(name) {
                missing_index.insert(name, schema.flags.len() + missing_flags.len());
                missing_flags.push(intern(name));
            }
        }
        let compiler = Compiler {
            flag_index: &flag_index,
            missing_index: &missing_index,
            segment_index: &segment_index,
            variants: &variants,
        };
        let flags: Box<[CompiledFlag]> = schema
            .flags
            .iter()
            .enumerate()
            .map(|(index, flag)| compiler.flag(index, flag, environment))
            .collect();
        let segments = schema
            .segments
            .iter()
            .map(|segment| compiler.segment(segment))
            .collect();
        let by_name = flags
            .iter()
            .enumerate()
            .map(|(index, flag)| (flag.name, index))
            .collect();
        Definitions {
            flags,
            segments,
            by_name,
            missing_flags: missing_flags.into(),
        }
    }
}

struct Compiler<'a> {
    flag_index: &'a HashMap<&'a str, usize>,
    /// Where the flags that prerequisites name but the schema lacks are counted.
    missing_index: &'a HashMap<&'a str, usize>,
    segment_index: &'a HashMap<&'a str, usize>,
    variants: &'a [Box<[&'static str]>],
}

impl Compiler<'_> {
    fn flag(&self, index: usize, flag: &Flag, environment: Option<&str>) -> CompiledFlag {
        let targeting = flag.targeting(environment);
        let variants = &self.variants[index];
        let kind = Kind::of(&flag.kind);
        let requires: Box<[(usize, Served)]> = flag
            .requires
            .iter()
            .map(|prerequisite| self.prerequisite(prerequisite))
            .collect();
        let window = Span::of(&flag.window);
        let gated = !requires.is_empty() || !window.is_always();
        let rules: Box<[CompiledRule]> = targeting
            .rules
            .iter()
            .map(|rule| self.rule(rule, variants))
            .collect();
        let shortcut = if gated {
            Shortcut::None
        } else {
            Shortcut::of(&rules)
        };
        CompiledFlag {
            name: intern(&flag.name),
            kind,
            variants: variants.clone(),
            // A pinned flag serves what its accessor returns, the base default, in every
            // environment: the accessor is a constant.
            default: if flag.pinned {
                served(&flag.default.value, variants)
            } else {
                served(&targeting.default.value, variants)
            },
            pinned: flag.pinned,
            gated,
            requires,
            window,
            salt: Salt::new(flag.bucket_salt()),
            rules,
            shortcut,
        }
    }

    /// The position of the flag a prerequisite names (past the flags, for one the schema
    /// lacks: see [`Definitions::missing_flags`]), and the value it must have.
    fn prerequisite(&self, prerequisite: &Prerequisite) -> (usize, Served) {
        let name = prerequisite.flag.value.as_str();
        match self.flag_index.get(name) {
            Some(&index) => (index, served(&prerequisite.is.value, &self.variants[index])),
            None => (
                self.missing_index.get(name).copied().unwrap_or(MISSING),
                served(&prerequisite.is.value, &[]),
            ),
        }
    }

    fn rule(&self, rule: &Rule, variants: &[&'static str]) -> CompiledRule {
        let outcome = match &rule.outcome {
            Outcome::Serve(value) => CompiledOutcome::Serve(served(&value.value, variants)),
            Outcome::Rollout { percent, serve } => CompiledOutcome::Rollout {
                threshold: percent.value.thousandths(),
                serve: served(&serve.value, variants),
            },
            Outcome::Split(arms) => {
                let mut upper = 0;
                CompiledOutcome::Split(
                    arms.value
                        .iter()
                        .map(|arm| {
                            // The schema checked that the weights add up to 100%.
                            upper = arm.weight.thousandths().saturating_add(upper);
                            (upper, served(&arm.value, variants))
                        })
                        .collect(),
                )
            }
        };
        let users = StrSet::optional(&rule.users);
        let segments: Box<[usize]> = rule
            .segments
            .iter()
            .map(|name| {
                self.segment_index
                    .get(name.value.as_str())
                    .copied()
                    .unwrap_or(MISSING)
            })
            .collect();
        let window = Span::of(&rule.window);
        let conditions = self.conditions(&rule.when);
        let shape = if users.is_some() || !segments.is_empty() || !window.is_always() {
            Shape::Full
        } else if conditions.is_empty() {
            Shape::Everyone
        } else {
            Shape::ConditionsOnly
        };
        let text_in = match (&shape, &*conditions) {
            (
                Shape::ConditionsOnly,
                [
                    CompiledCondition {
                        negate,
                        test:
                            CompiledTest::Attribute {
                                name,
                                op: Op::In(ValueSet::Packed(set)),
                            },
                    },
                ],
            ) => Some(TextIn {
                name,
                set: set.clone(),
                negate: *negate,
            }),
            _ => None,
        };
        CompiledRule {
            text_in,
            shape,
            users,
            segments,
            conditions,
            window,
            bucket_by: rule.bucket_by.as_deref().map(Into::into),
            outcome,
        }
    }

    fn segment(&self, segment: &Segment) -> CompiledSegment {
        CompiledSegment {
            name: intern(&segment.name),
            users: StrSet::optional(&segment.users),
            exclude: StrSet::optional(&segment.exclude),
            conditions: self.conditions(&segment.when),
        }
    }

    fn conditions(&self, conditions: &[Condition]) -> Box<[CompiledCondition]> {
        conditions
            .iter()
            .map(|condition| {
                let mut negate = condition.negate;
                let test = match &condition.test {
                    Test::Flag(prerequisite) => {
                        let (index, expected) = self.prerequisite(prerequisite);
                        CompiledTest::Flag { index, expected }
                    }
                    Test::Attribute {
                        attribute,
                        case_insensitive,
                        operator,
                    } => {
                        negate ^= matches!(operator, Operator::NotIn(_));
                        CompiledTest::Attribute {
                            name: intern(attribute),
                            op: operation(operator, *case_insensitive),
                        }
                    }
                };
                CompiledCondition { negate, test }
            })
            .collect()
    }
}

/// The position of a flag or segment that a [`Schema`] built by hand names but does not
/// have: none is there, so a prerequisite on it is never met, a condition on it never holds
/// (negated or not), and no context is in it. Validated files name none.
pub(crate) const MISSING: usize = usize::MAX;

fn operation(operator: &Operator, case_insensitive: bool) -> Op {
    match operator {
        Operator::In(values) | Operator::NotIn(values) => {
            Op::In(value_set(values, case_insensitive))
        }
        Operator::Eq(Value::String(text)) => Op::EqStr(text.as_str().into(), case_insensitive),
        Operator::Eq(Value::Int(number)) => Op::EqNumber(Number::Int(*number)),
        Operator::Eq(Value::Float(number)) => Op::EqNumber(Number::Float(*number)),
        Operator::Eq(Value::Bool(value)) => Op::EqBool(*value),
        Operator::StartsWith(text) => Op::StartsWith(text.as_str().into(), case_insensitive),
        Operator::EndsWith(text) => Op::EndsWith(text.as_str().into(), case_insensitive),
        Operator::Contains(text) => Op::Contains(text.as_str().into(), case_insensitive),
        Operator::Matches(regex) => Op::Matches(regex.clone()),
        Operator::Lt(number) => Op::Lt(*number),
        Operator::Le(number) => Op::Le(*number),
        Operator::Gt(number) => Op::Gt(*number),
        Operator::Ge(number) => Op::Ge(*number),
        Operator::Before(instant) => Op::Before(instant.unix_millis()),
        Operator::After(instant) => Op::After(instant.unix_millis()),
        Operator::SemverEq(version) => Op::Semver(version.clone(), [false, true, false]),
        Operator::SemverLt(version) => Op::Semver(version.clone(), [true, false, false]),
        Operator::SemverLe(version) => Op::Semver(version.clone(), [true, true, false]),
        Operator::SemverGt(version) => Op::Semver(version.clone(), [false, false, true]),
        Operator::SemverGe(version) => Op::Semver(version.clone(), [false, true, true]),
        Operator::Cidr(networks) => Op::Cidr(with_mapped_ipv4(networks)),
        Operator::Within(fence) => Op::Within(*fence),
    }
}

/// `networks`, and the IPv4 network of each IPv4-mapped IPv6 one (`::ffff:10.0.0.0/104` is
/// `10.0.0.0/8`): an address matches whichever way either side writes it, as the evaluator
/// tries an attribute written mapped as plain IPv4 too.
fn with_mapped_ipv4(networks: &[IpNet]) -> Box<[IpNet]> {
    let mapped = networks.iter().filter_map(|network| match network {
        // Shorter than the mapped block (`::/0`), it holds every IPv4 address or none.
        IpNet::V6(network) if network.prefix_len() < 96 => network
            .contains(&Ipv4Addr::UNSPECIFIED.to_ipv6_mapped())
            .then(|| IpNet::V4(Ipv4Net::default())),
        IpNet::V6(network) => {
            let address = network.network().to_ipv4_mapped()?;
            Ipv4Net::new(address, network.prefix_len() - 96)
                .ok()
                .map(IpNet::V4)
        }
        IpNet::V4(_) => None,
    });
    networks
        .iter()
        .copied()
        .chain(mapped.collect::<Vec<_>>())
        .collect()
}

fn value_set(values: &ListValues, case_insensitive: bool) -> ValueSet {
    match values {
        ListValues::Strings(items) => match PackedSet::new(items) {
            Some(set) if !case_insensitive => ValueSet::Packed(set),
            _ => ValueSet::Strings(StrSet::new(items, case_insensitive)),
        },
        ListValues::Ints(items) => ValueSet::Ints(items.clone().into()),
    }
}

/// A schema value as the evaluator holds it. Values were validated against the flag's kind,
/// so a variant name is always found; position 0 stands in for the impossible.
pub(crate) fn served(value: &Value, variants: &[&'static str]) -> Served {
    match value {
        Value::Bool(value) => Served::Bool(*value),
        Value::Int(value) => Served::Int(*value),
        Value::Float(value) => Served::Float(*value),
        Value::String(text) if !variants.is_empty() => Served::Variant(
            variants
                .iter()
                .position(|variant| variant == text)
                .and_then(|index| u16::try_from(index).ok())
                .unwrap_or(0),
        ),
        Value::String(text) => Served::Str(intern_string(text)),
    }
}
