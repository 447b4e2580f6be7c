//! The hot path: one flag, one context, in order: override, pin, prerequisites, window,
//! rules (users, segments, conditions, then serve, rollout or split), default. Nothing here
//! allocates or looks anything up by name, except context attributes.

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::net::IpAddr;
use std::time::SystemTime;

use flags_schema::reexports::semver::Version;
use flags_schema::{Number, Timestamp};

use crate::bucket::{Salt, bucket_int, bucket_salted};
use crate::compile::{
    CompiledCondition, CompiledFlag, CompiledOutcome, CompiledRule, CompiledSegment, CompiledTest,
    Definitions, Op, Shape, Shortcut, TextIn, TextRun, ValueSet, eq_folded,
};
use crate::context::{Attribute, Context, Packed, SHORT_NAME, same_name};
use crate::value::{Reason, Served};

/// How deep prerequisites are followed: as deep as the schema lets them nest, and no deeper,
/// so that no configuration can exhaust the stack.
const MAX_DEPTH: u8 = {
    assert!(flags_schema::MAX_PREREQUISITE_DEPTH <= u8::MAX as usize);
    flags_schema::MAX_PREREQUISITE_DEPTH as u8
};

/// A value set from code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Override {
    Serve(Served),
    Kill,
}

/// What one evaluation reads: the definitions, the answers that need no context, and the
/// clock.
pub(crate) struct Evaluator<'a> {
    pub(crate) definitions: &'a Definitions,
    /// Per flag, [`fixed_answer`]: computed when a snapshot is published, so that evaluation
    /// tests one thing before targeting.
    fixed: &'a [Option<(Served, Why)>],
    now: Now,
    /// How many more prerequisites this evaluation may evaluate. A validated schema never
    /// runs out (`flags_schema` rejects more than this); a [`Schema`](flags_schema::Schema)
    /// built by hand for [`Store::new`](crate::Store::new) may need itself, and then each
    /// evaluation still ends, with the prerequisites past the budget unmet.
    prerequisites_left: Cell<u64>,
}

/// The answer of `flag` when it does not depend on the context: overridden, killed, pinned,
/// or without targeting.
pub(crate) fn fixed_answer(
    flag: &CompiledFlag,
    current: Option<Override>,
) -> Option<(Served, Why)> {
    match current {
        Some(Override::Serve(value)) => Some((value, Why::Override)),
        Some(Override::Kill) => Some((flag.default, Why::Killed)),
        None if flag.pinned => Some((flag.default, Why::Pinned)),
        None if !flag.gated && flag.rules.is_empty() => Some((flag.default, Why::Default)),
        None => None,
    }
}

/// The attribute a condition looked up last, for the conditions after it: rules often test
/// the same attribute one after another.
#[derive(Clone, Copy)]
struct Recent<'c> {
    /// The data pointer of the interned name: interned names are the only strings at their
    /// address, so a pointer compare recognises the name.
    name: *const u8,
    attribute: Option<&'c Attribute<'c>>,
}

impl<'c> Recent<'c> {
    const NONE: Recent<'static> = Recent {
        name: std::ptr::null(),
        attribute: None,
    };

    #[inline(always)]
    fn attribute(
        recent: &Cell<Recent<'c>>,
        ctx: &'c Context<'c>,
        name: &'static str,
    ) -> Option<&'c Attribute<'c>> {
        let last = recent.get();
        if last.name == name.as_ptr() {
            return last.attribute;
        }
        let attribute = ctx.get(name);
        recent.set(Recent {
            name: name.as_ptr(),
            attribute,
        });
        attribute
    }
}

/// What the last [`TextIn`] rule found of its attribute, for the rules after it: when they
/// test the same attribute, as they often do, they compare the packed text only. Apart from
/// [`Recent`], so that other rules do not pay for the packing, and so that this one stays in
/// registers.
#[derive(Clone, Copy)]
struct RecentText {
    /// As [`Recent::name`].
    name: *const u8,
    text: Text,
}

#[derive(Clone, Copy)]
enum Text {
    /// The attribute's text, or the key's for the name `"key"` when the context sets no
    /// attribute of that name.
    Packed(Packed),
    /// No such attribute: no match, negated or not.
    Missing,
    /// Not text (a list, a number...): the conditions decide.
    Other,
}

impl RecentText {
    const NONE: RecentText = RecentText {
        name: std::ptr::null(),
        text: Text::Missing,
    };

    /// Looks the attribute up if need be, through `recent`: when it is not text, the
    /// conditions then find it there.
    #[inline(always)]
    fn text<'c>(
        &mut self,
        recent: &Cell<Recent<'c>>,
        ctx: &'c Context<'c>,
        name: &'static str,
    ) -> Text {
        if self.name != name.as_ptr() {
            let text = match Recent::attribute(recent, ctx, name) {
                Some(Attribute::String(text)) => Text::Packed(Packed::new(text)),
                Some(_) => Text::Other,
                None if name == "key" => Text::Packed(packed_key(ctx)),
                None => Text::Missing,
            };
            *self = RecentText {
                name: name.as_ptr(),
                text,
            };
        }
        self.text
    }
}

/// The answer for `flag`, at position `index`: its [`fixed_answer`], else what its
/// [`Shortcut`] decides, else what `targeting` says; given to `finish` on each
/// path apart, so that no path copies the answer to where the others left theirs.
#[inline(always)]
fn answer<A: Answer, R>(
    fixed: &[Option<(Served, Why)>],
    index: usize,
    flag: &CompiledFlag,
    ctx: &Context<'_>,
    targeting: impl FnOnce() -> A,
    finish: impl Fn(A) -> R,
) -> R {
    if let Some(Some((served, why))) = fixed.get(index) {
        return finish(A::new(*served, *why));
    }
    match &flag.shortcut {
        Shortcut::Text(runs) => {
            let (position, served) =
                text_rules(flag, runs, ctx).unwrap_or_else(|| text_rules_slowly(flag, runs, ctx));
            let why = if position == NO_RULE {
                Why::Default
            } else {
                Why::Rule(position)
            };
            finish(A::new(*served, why))
        }
        Shortcut::KeyBucket => finish(key_bucket(flag, ctx)),
        Shortcut::None => finish(targeting()),
    }
}

/// Decides a [`Shortcut::KeyBucket`] flag: its one rule, for everyone, by the key's bucket.
/// Inlined, as [`text_rules`] is: as a call of its own it took 15 more instructions per
/// evaluation of the rollout of `benches/peers` (191 rather than 176, callgrind).
#[inline(always)]
fn key_bucket<A: Answer>(flag: &CompiledFlag, ctx: &Context<'_>) -> A {
    let bucket = bucket_salted(&flag.salt, ctx.key());
    let (served, why) = flag
        .rules
        .first()
        .and_then(|rule| bucketed(&rule.outcome, bucket, 0))
        .unwrap_or((flag.default, Why::Default));
    A::new(served, why)
}

/// What the rollout or split `outcome` of the rule at `position` serves the context in
/// `bucket`: `None` outside the rollout, and for an outcome that takes no bucket.
#[inline(always)]
fn bucketed(outcome: &CompiledOutcome, bucket: u32, position: u32) -> Option<(Served, Why)> {
    match outcome {
        CompiledOutcome::Rollout { threshold, serve } => {
            (bucket < *threshold).then_some((*serve, Why::Rollout(position, bucket)))
        }
        CompiledOutcome::Split(arms) => arms
            .iter()
            .find(|(upper, _)| bucket < *upper)
            .map(|(_, value)| (*value, Why::Split(position, bucket))),
        CompiledOutcome::Serve(_) => None,
    }
}

/// The position [`text_rules`] gives when no rule matches.
const NO_RULE: u32 = u32::MAX;

/// Decides a flag by its [`Shortcut::Text`] `runs`: the position of the first rule that
/// matches and its value, or [`NO_RULE`] and the default. `None` when a run's attribute is a
/// list, the key, or a name longer than [`SHORT_NAME`]: [`text_rules_slowly`] decides those,
/// so that this loop calls nothing. Inlined into the evaluation: as a call of its own it
/// took 11 more instructions per evaluation of the country rule of `benches/peers` (178
/// rather than 167, callgrind).
#[inline(always)]
fn text_rules<'f>(
    flag: &'f CompiledFlag,
    runs: &'f [TextRun],
    ctx: &Context<'_>,
) -> Option<(u32, &'f Served)> {
    // One run, the commonest shape, is decided without the loop: 12 fewer instructions per
    // evaluation of the country rule (155 rather than 167).
    let says = match runs {
        [run] => run_says(run, ctx),
        _ => {
            let mut says = RunSays::Nothing;
            for run in runs {
                says = run_says(run, ctx);
                if !matches!(says, RunSays::Nothing) {
                    break;
                }
            }
            says
        }
    };
    match says {
        RunSays::Serves((rule, served)) => Some((*rule, served)),
        RunSays::Nothing => Some((NO_RULE, &flag.default)),
        RunSays::Slowly => None,
    }
}

/// What one [`TextRun`] says of a context, for [`text_rules`].
enum RunSays<'f> {
    /// A rule of the run matches: its position, and what it serves.
    Serves(&'f (u32, Served)),
    /// No rule of the run matches (or the attribute is missing, or neither text nor a list).
    Nothing,
    /// [`text_rules_slowly`] must decide.
    Slowly,
}

#[inline(always)]
fn run_says<'f>(run: &'f TextRun, ctx: &Context<'_>) -> RunSays<'f> {
    if run.name.len() > SHORT_NAME {
        return RunSays::Slowly;
    }
    let text = match ctx.get_short(run.name) {
        Some(Attribute::String(text)) => Packed::new(text),
        Some(Attribute::List(_)) => return RunSays::Slowly,
        None if run.name == "key" => return RunSays::Slowly,
        // No such attribute, or neither text nor a list: no rule matches, negated or not.
        _ => return RunSays::Nothing,
    };
    let mut found = None;
    // A loop rather than `find`, which compiles to more instructions per value.
    for value in &run.values {
        if value.value == text {
            found = Some(&value.serve);
            break;
        }
    }
    match run_decides(run, found) {
        Some(serve) => RunSays::Serves(serve),
        None => RunSays::Nothing,
    }
}

/// [`text_rules`] for any attribute: a list matches when any of its items is listed, as
/// the conditions have it, and the key stands for the attribute `"key"` when the context
/// sets none.
#[cold]
#[inline(never)]
fn text_rules_slowly<'f>(
    flag: &'f CompiledFlag,
    runs: &'f [TextRun],
    ctx: &Context<'_>,
) -> (u32, &'f Served) {
    for run in runs {
        let listed = |text: Packed| run.values.iter().find(|value| value.value == text);
        let found = match ctx.get(run.name) {
            Some(Attribute::String(text)) => listed(Packed::new(text)),
            // The first value listed decides, as the first rule that matches does.
            Some(Attribute::List(items)) => run
                .values
                .iter()
                .find(|value| items.iter().any(|item| value.value == Packed::new(item))),
            None if run.name == "key" => listed(Packed::new(ctx.key())),
            _ => continue,
        };
        if let Some((rule, served)) = run_decides(run, found.map(|value| &value.serve)) {
            return (*rule, served);
        }
    }
    (NO_RULE, &flag.default)
}

/// What a run serves, given the first of its values that the attribute has.
#[inline(always)]
fn run_decides<'f>(
    run: &'f TextRun,
    found: Option<&'f (u32, Served)>,
) -> Option<&'f (u32, Served)> {
    match (found, run.negate) {
        (Some(serve), false) => Some(serve),
        (None, true) => Some(&run.serve),
        _ => None,
    }
}

/// Out of line: inlined, the packing of the key would be hoisted into every evaluation.
#[cold]
#[inline(never)]
fn packed_key(ctx: &Context<'_>) -> Packed {
    Packed::new(ctx.key())
}

/// The current time: frozen from the start, or read at most once per evaluation and only if
/// a window asks for it.
struct Now(Cell<Option<i64>>);

impl Now {
    #[inline]
    fn get(&self) -> i64 {
        if let Some(now) = self.0.get() {
            return now;
        }
        let now = Timestamp::from(SystemTime::now()).unix_millis();
        self.0.set(Some(now));
        now
    }
}

/// How a rule matched, for the reason.
enum Matched {
    User,
    Segment(u32),
    Conditions,
}

/// The reason in eight bytes, with positions instead of names, so that evaluation results
/// stay in registers; [`Why::reason`] spells it out when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    Default,
    Override,
    Killed,
    Pinned,
    PrerequisiteFailed(u32),
    OutsideWindow,
    TargetedUser(u32),
    Segment(u32, u32),
    Rule(u32),
    Rollout(u32, u32),
    Split(u32, u32),
}

/// What an evaluation returns: just the value (`Served`, for `get`) or the value and the
/// reason (for `detail`). Generic, so that the value-only path computes no reason at all.
pub(crate) trait Answer: Copy {
    fn new(served: Served, why: Why) -> Self;
}

impl Answer for Served {
    #[inline(always)]
    fn new(served: Served, _: Why) -> Self {
        served
    }
}

impl Answer for (Served, Why) {
    #[inline(always)]
    fn new(served: Served, why: Why) -> Self {
        (served, why)
    }
}

impl Why {
    pub(crate) fn reason(self, definitions: &Definitions) -> Reason {
        let flag_name = |index: u32| {
            let index = index as usize;
            match definitions.flags.get(index) {
                Some(flag) => flag.name,
                None => index
                    .checked_sub(definitions.flags.len())
                    .and_then(|missing| definitions.missing_flags.get(missing))
                    .copied()
                    .unwrap_or(""),
            }
        };
        match self {
            Why::Default => Reason::Default,
            Why::Override => Reason::Override,
            Why::Killed => Reason::Killed,
            Why::Pinned => Reason::Pinned,
            Why::PrerequisiteFailed(flag) => Reason::PrerequisiteFailed {
                flag: flag_name(flag),
            },
            Why::OutsideWindow => Reason::OutsideWindow,
            Why::TargetedUser(rule) => Reason::TargetedUser {
                rule: rule as usize,
            },
            Why::Segment(rule, segment) => Reason::Segment {
                rule: rule as usize,
                segment: definitions
                    .segments
                    .get(segment as usize)
                    .map_or("", |segment| segment.name),
            },
            Why::Rule(index) => Reason::Rule {
                index: index as usize,
            },
            Why::Rollout(rule, bucket) => Reason::Rollout {
                rule: rule as usize,
                bucket,
            },
            Why::Split(rule, bucket) => Reason::Split {
                rule: rule as usize,
                bucket,
            },
        }
    }
}

impl<'a> Evaluator<'a> {
    /// The answer for `flag`, at position `index`, in a snapshot of `definitions` whose
    /// context-free answers are `fixed`, as `finish` makes it.
    #[inline(always)]
    pub(crate) fn evaluate<A: Answer, R>(
        definitions: &'a Definitions,
        fixed: &'a [Option<(Served, Why)>],
        frozen_now: Option<i64>,
        index: usize,
        flag: &CompiledFlag,
        ctx: &Context<'_>,
        finish: impl Fn(A) -> R,
    ) -> R {
        let targeting = move || {
            // Set up only here: the other answers need none of it.
            let evaluator = Evaluator {
                definitions,
                fixed,
                now: Now(Cell::new(frozen_now)),
                prerequisites_left: Cell::new(flags_schema::MAX_PREREQUISITE_EVALUATIONS),
            };
            evaluator.targeting(flag, ctx, 0)
        };
        answer(fixed, index, flag, ctx, targeting, finish)
    }

    #[inline(always)]
    fn flag<A: Answer>(
        &self,
        index: usize,
        flag: &CompiledFlag,
        ctx: &Context<'_>,
        depth: u8,
    ) -> A {
        let targeting = || self.targeting(flag, ctx, depth);
        answer(self.fixed, index, flag, ctx, targeting, |answer| answer)
    }

    /// Kept out of line: most flags have no targeting, and their path stays short.
    #[inline(never)]
    fn targeting<A: Answer>(&self, flag: &CompiledFlag, ctx: &Context<'_>, depth: u8) -> A {
        if flag.gated {
            for &(required, expected) in flag.requires.iter() {
                if self.flag_is(required, expected, ctx, depth) != Some(true) {
                    return A::new(flag.default, Why::PrerequisiteFailed(required as u32));
                }
            }
            if !flag.window.is_always() && !flag.window.contains(self.now.get()) {
                return A::new(flag.default, Why::OutsideWindow);
            }
        }
        let recent = Cell::new(Recent::NONE);
        let mut recent_text = RecentText::NONE;
        for (position, rule) in flag.rules.iter().enumerate() {
            let position = position as u32;
            let Some(matched) = self.rule_matches(rule, ctx, &recent, &mut recent_text, depth)
            else {
                continue;
            };
            match &rule.outcome {
                CompiledOutcome::Serve(value) => {
                    let why = match matched {
                        Matched::User => Why::TargetedUser(position),
                        Matched::Segment(segment) => Why::Segment(position, segment),
                        Matched::Conditions => Why::Rule(position),
                    };
                    return A::new(*value, why);
                }
                outcome => {
                    // Contexts outside the rollout, or without the attribute to bucket by,
                    // fall through to the next rule.
                    if let Some(bucket) = bucket_of(rule, &flag.salt, ctx)
                        && let Some((served, why)) = bucketed(outcome, bucket, position)
                    {
                        return A::new(served, why);
                    }
                }
            }
        }
        A::new(flag.default, Why::Default)
    }

    /// Whether the flag at `index` serves `expected`; `None` when it cannot be told: no flag
    /// is there ([`MISSING`](crate::compile::MISSING)), or the prerequisites nest deeper or
    /// number more than an evaluation follows (only a [`Schema`](flags_schema::Schema) built
    /// by hand can make either happen). Then a prerequisite is not met, and a condition does
    /// not hold, negated or not. Out of line, so that the recursion through prerequisites
    /// does not stop inlining.
    #[inline(never)]
    fn flag_is(
        &self,
        index: usize,
        expected: Served,
        ctx: &Context<'_>,
        depth: u8,
    ) -> Option<bool> {
        let left = self.prerequisites_left.get();
        if depth >= MAX_DEPTH || left == 0 {
            return None;
        }
        self.prerequisites_left.set(left - 1);
        let flag = self.definitions.flags.get(index)?;
        Some(self.flag::<Served>(index, flag, ctx, depth + 1) == expected)
    }

    #[inline(always)]
    fn rule_matches<'c>(
        &self,
        rule: &CompiledRule,
        ctx: &'c Context<'c>,
        recent: &Cell<Recent<'c>>,
        recent_text: &mut RecentText,
        depth: u8,
    ) -> Option<Matched> {
        if let Some(TextIn { name, set, negate }) = &rule.text_in {
            match recent_text.text(recent, ctx, name) {
                Text::Packed(text) => {
                    return (set.contains(text) != *negate).then_some(Matched::Conditions);
                }
                Text::Missing => return None,
                Text::Other => {}
            }
        }
        let holds = match rule.shape {
            Shape::Everyone => true,
            // One condition, the commonest, is tested inline.
            Shape::ConditionsOnly => match &*rule.conditions {
                [only] => self.condition(only, ctx, recent, depth),
                conditions => self.conditions_hold(conditions, ctx, recent, depth),
            },
            Shape::Full => return self.full_rule_matches(rule, ctx, recent, depth),
        };
        holds.then_some(Matched::Conditions)
    }

    /// Out of line, as are the conditions: the loop over rules stays small, and so does the
    /// frame every targeted evaluation sets up.
    #[inline(never)]
    fn full_rule_matches<'c>(
        &self,
        rule: &CompiledRule,
        ctx: &'c Context<'c>,
        recent: &Cell<Recent<'c>>,
        depth: u8,
    ) -> Option<Matched> {
        if !rule.window.is_always() && !rule.window.contains(self.now.get()) {
            return None;
        }
        let mut matched = Matched::Conditions;
        if let Some(users) = &rule.users {
            if !users.contains(ctx.key()) {
                return None;
            }
            matched = Matched::User;
        }
        if !rule.segments.is_empty() {
            let segment = rule.segments.iter().find_map(|&index| {
                let segment = self.definitions.segments.get(index)?;
                self.segment_matches(segment, ctx, recent, depth)
                    .then_some(index as u32)
            })?;
            if matches!(matched, Matched::Conditions) {
                matched = Matched::Segment(segment);
            }
        }
        self.conditions_hold(&rule.conditions, ctx, recent, depth)
            .then_some(matched)
    }

    fn segment_matches<'c>(
        &self,
        segment: &CompiledSegment,
        ctx: &'c Context<'c>,
        recent: &Cell<Recent<'c>>,
        depth: u8,
    ) -> bool {
        let key = ctx.key();
        if segment
            .exclude
            .as_ref()
            .is_some_and(|exclude| exclude.contains(key))
        {
            return false;
        }
        if segment
            .users
            .as_ref()
            .is_some_and(|users| users.contains(key))
        {
            return true;
        }
        !segment.conditions.is_empty()
            && self.conditions_hold(&segment.conditions, ctx, recent, depth)
    }

    #[inline(never)]
    fn conditions_hold<'c>(
        &self,
        conditions: &[CompiledCondition],
        ctx: &'c Context<'c>,
        recent: &Cell<Recent<'c>>,
        depth: u8,
    ) -> bool {
        // A loop rather than `all`, whose closure would not inline.
        for condition in conditions {
            if !self.condition(condition, ctx, recent, depth) {
                return false;
            }
        }
        true
    }

    /// A missing or ill-typed attribute never matches, negated or not.
    #[inline(always)]
    fn condition<'c>(
        &self,
        condition: &CompiledCondition,
        ctx: &'c Context<'c>,
        recent: &Cell<Recent<'c>>,
        depth: u8,
    ) -> bool {
        let holds = match &condition.test {
            CompiledTest::Flag { index, expected } => self.flag_is(*index, *expected, ctx, depth),
            CompiledTest::Attribute { name, op } => match Recent::attribute(recent, ctx, name) {
                Some(attribute) => op.test(attribute),
                None => op.test_key(name, ctx),
            },
        };
        holds.is_some_and(|holds| holds != condition.negate)
    }
}

/// The bucket of the context for a rule: by the `bucket_by` attribute, or the key. Out of
/// line, so that the rule loop does not hold the key in registers for it.
#[inline(never)]
fn bucket_of(rule: &CompiledRule, salt: &Salt, ctx: &Context<'_>) -> Option<u32> {
    match &rule.bucket_by {
        None => Some(bucket_salted(salt, ctx.key())),
        Some(attribute) => bucket_by(attribute, salt, ctx),
    }
}

#[inline(never)]
fn bucket_by(attribute: &str, salt: &Salt, ctx: &Context<'_>) -> Option<u32> {
    match ctx.get(attribute) {
        Some(Attribute::String(text)) => Some(bucket_salted(salt, text)),
        Some(Attribute::Int(number)) => Some(bucket_int(salt, *number)),
        None if attribute == "key" => Some(bucket_salted(salt, ctx.key())),
        _ => None,
    }
}

impl Op {
    /// `None` when the attribute has the wrong type for the operator. The commonest tests
    /// (a string in a set, a string equal to another) are inlined into the rule loop; the
    /// others are a call away.
    #[inline(always)]
    fn test(&self, attribute: &Attribute<'_>) -> Option<bool> {
        match (self, attribute) {
            (Op::In(ValueSet::Packed(set)), Attribute::String(text)) => {
                Some(set.contains(Packed::new(text)))
            }
            (Op::In(ValueSet::Strings(set)), Attribute::String(text)) => Some(set.contains(text)),
            (Op::EqStr(expected, false), Attribute::String(text)) => {
                Some(same_name(text, expected))
            }
            _ => self.test_other(attribute),
        }
    }

    /// A test of the attribute `name`, which the context lacks: rules may test the key as the
    /// attribute `"key"`.
    #[cold]
    #[inline(never)]
    fn test_key(&self, name: &str, ctx: &Context<'_>) -> Option<bool> {
        if name == "key" {
            self.test_other(&Attribute::String(Cow::Borrowed(ctx.key())))
        } else {
            None
        }
    }

    #[inline(never)]
    fn test_other(&self, attribute: &Attribute<'_>) -> Option<bool> {
        match self {
            Op::In(set) => set.contains(attribute),
            Op::EqStr(expected, folded) => {
                let text = attribute.as_str()?;
                Some(if *folded {
                    eq_folded(text, expected)
                } else {
                    same_name(text, expected)
                })
            }
            Op::EqNumber(expected) => compare(attribute, *expected).map(Ordering::is_eq),
            Op::EqBool(expected) => match attribute {
                Attribute::Bool(value) => Some(value == expected),
                _ => None,
            },
            Op::StartsWith(prefix, folded) => {
                let text = attribute.as_str()?;
                Some(if *folded {
                    starts_with_folded(text, prefix)
                } else {
                    text.starts_with(&**prefix)
                })
            }
            Op::EndsWith(suffix, folded) => {
                let text = attribute.as_str()?;
                Some(if *folded {
                    ends_with_folded(text, suffix)
                } else {
                    text.ends_with(&**suffix)
                })
            }
            Op::Contains(needle, folded) => match attribute {
                Attribute::String(text) => Some(if *folded {
                    contains_folded(text, needle)
                } else {
                    text.contains(&**needle)
                }),
                Attribute::List(items) => Some(items.iter().any(|item| {
                    if *folded {
                        eq_folded(item, needle)
                    } else {
                        same_name(item, needle)
                    }
                })),
                _ => None,
            },
            Op::Matches(regex) => attribute.as_str().map(|text| regex.is_match(text)),
            Op::Lt(limit) => compare(attribute, *limit).map(Ordering::is_lt),
            Op::Le(limit) => compare(attribute, *limit).map(Ordering::is_le),
            Op::Gt(limit) => compare(attribute, *limit).map(Ordering::is_gt),
            Op::Ge(limit) => compare(attribute, *limit).map(Ordering::is_ge),
            Op::Before(limit) => instant(attribute).map(|millis| millis < *limit),
            Op::After(limit) => instant(attribute).map(|millis| millis > *limit),
            Op::Semver(version, accepted) => {
                let text = attribute.as_str()?;
                let actual = Version::parse(text.trim_start_matches('v')).ok()?;
                let index = match actual.cmp_precedence(version) {
                    Ordering::Less => 0,
                    Ordering::Equal => 1,
                    Ordering::Greater => 2,
                };
                Some(accepted[index])
            }
            Op::Cidr(networks) => {
                let address = match attribute {
                    Attribute::Ip(address) => *address,
                    Attribute::String(text) => text.parse::<IpAddr>().ok()?,
                    _ => return None,
                };
                // A server listening on IPv6 sees IPv4 clients as `::ffff:10.1.2.3`.
                let canonical = address.to_canonical();
                Some(
                    networks
                        .iter()
                        .any(|network| network.contains(&address) || network.contains(&canonical)),
                )
            }
            Op::Within(fence) => match attribute {
                Attribute::Location(location) => {
                    let distance = location.distance_km(crate::Location::new(fence.lat, fence.lon));
                    // Coordinates that are not numbers are nowhere: no match, negated or not.
                    (!distance.is_nan()).then_some(distance <= fence.radius_km)
                }
                _ => None,
            },
        }
    }
}

impl ValueSet {
    fn contains(&self, attribute: &Attribute<'_>) -> Option<bool> {
        match (self, attribute) {
            (ValueSet::Packed(set), Attribute::String(text)) => {
                Some(set.contains(Packed::new(text)))
            }
            (ValueSet::Packed(set), Attribute::List(items)) => {
                Some(items.iter().any(|item| set.contains(Packed::new(item))))
            }
            (ValueSet::Strings(set), Attribute::String(text)) => Some(set.contains(text)),
            (ValueSet::Strings(set), Attribute::List(items)) => {
                Some(items.iter().any(|item| set.contains(item)))
            }
            (ValueSet::Ints(set), Attribute::Int(number)) => Some(set.contains(number)),
            // Every number is compared, as `eq` compares it: 2.5 is simply in no list of
            // integers (and so in `not_in`); NaN never matches.
            (ValueSet::Ints(set), Attribute::Float(number)) if !number.is_nan() => Some(
                set.iter()
                    .any(|item| int_against_float(*item, *number) == Some(Ordering::Equal)),
            ),
            _ => None,
        }
    }
}

/// How a number attribute compares with `limit`, exactly, integers and floats alike (an `i64`
/// is not rounded to a float); `None` for an attribute that is not a number, or NaN, which
/// then never matches, negated or not.
fn compare(attribute: &Attribute<'_>, limit: Number) -> Option<Ordering> {
    match (attribute, limit) {
        (Attribute::Int(int), Number::Int(limit)) => Some(int.cmp(&limit)),
        (Attribute::Float(float), Number::Float(limit)) => float.partial_cmp(&limit),
        (Attribute::Int(int), Number::Float(limit)) => int_against_float(*int, limit),
        (Attribute::Float(float), Number::Int(limit)) => {
            int_against_float(limit, *float).map(Ordering::reverse)
        }
        _ => None,
    }
}

/// How `int` compares with `float`, exactly.
fn int_against_float(int: i64, float: f64) -> Option<Ordering> {
    // -2^63 and 2^63: every i64 is in [MIN, MAX).
    const MIN: f64 = -9_223_372_036_854_775_808.0;
    const MAX: f64 = 9_223_372_036_854_775_808.0;
    if float.is_nan() {
        None
    } else if float >= MAX {
        Some(Ordering::Less)
    } else if float < MIN {
        Some(Ordering::Greater)
    } else {
        // In range, the float's integer part is an exact i64; its fraction breaks a tie.
        let whole = float.trunc();
        Some(
            int.cmp(&(whole as i64))
                .then(0.0.partial_cmp(&(float - whole))?),
        )
    }
}

fn instant(attribute: &Attribute<'_>) -> Option<i64> {
    match attribute {
        Attribute::Timestamp(timestamp) => Some(timestamp.unix_millis()),
        Attribute::String(text) => Timestamp::parse_rfc3339(text).map(Timestamp::unix_millis),
        _ => None,
    }
}

fn starts_with_folded(text: &str, prefix: &str) -> bool {
    if text.is_ascii() && prefix.is_ascii() {
        return text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    starts_with_lowercased(text, prefix)
}

/// [`starts_with_folded`] for any text, character by character: it reads no further into
/// `text` than `prefix` reaches.
fn starts_with_lowercased(text: &str, prefix: &str) -> bool {
    let mut folded = text.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .flat_map(char::to_lowercase)
        .all(|c| folded.next() == Some(c))
}

fn ends_with_folded(text: &str, suffix: &str) -> bool {
    if text.is_ascii() && suffix.is_ascii() {
        return text.len() >= suffix.len()
            && text.as_bytes()[text.len() - suffix.len()..]
                .eq_ignore_ascii_case(suffix.as_bytes());
    }
    let mut folded = text.chars().rev().flat_map(|c| c.to_lowercase().rev());
    suffix
        .chars()
        .rev()
        .flat_map(|c| c.to_lowercase().rev())
        .all(|c| folded.next() == Some(c))
}

fn contains_folded(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    // Each test once: at every position, it would scan the rest of a long text again (a
    // user agent of 64 KiB would take some two billion byte compares).
    if text.is_ascii() && needle.is_ascii() {
        let needle = needle.as_bytes();
        return text
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle));
    }
    text.char_indices()
        .any(|(start, _)| starts_with_lowercased(&text[start..], needle))
}
