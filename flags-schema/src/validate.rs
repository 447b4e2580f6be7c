//! Checks that need the whole file: references to segments, environments and other flags,
//! prerequisite cycles, and names that would collide in generated code.

use std::fmt;

use foldhash::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Span};
use crate::model::*;
use crate::names;
use crate::parse::Damaged;

/// How deep an evaluation follows prerequisites (`requires`, and flag conditions in rules and
/// segments): the runtime stops there, so the schema rejects deeper nesting.
///
/// ```
/// use flags_schema::{MAX_PREREQUISITE_DEPTH, Schema};
///
/// // `f0` requires `f1`, which requires `f2`, ...: one link too many.
/// let mut text = String::new();
/// for flag in 0..=MAX_PREREQUISITE_DEPTH + 1 {
///     text += &format!("[flags.f{flag}]\ndescription = \"d\"\nowner = \"o\"\n");
///     text += "permanent = true\ndefault = false\n";
///     if flag <= MAX_PREREQUISITE_DEPTH {
///         text += &format!("requires = {{ f{} = true }}\n", flag + 1);
///     }
/// }
/// let errors = Schema::parse("flags.toml", &text).unwrap_err();
/// assert!(errors.to_string().contains("prerequisites nested 33 deep"));
/// ```
pub const MAX_PREREQUISITE_DEPTH: usize = 32;

/// How many prerequisite evaluations one evaluation of a flag may take at worst: rules that
/// test the same flags over and over would otherwise multiply them, level after level.
///
/// ```
/// use flags_schema::{MAX_PREREQUISITE_EVALUATIONS, Schema};
///
/// // Each flag tests the next one in two rules: 2 + 4 + 8 + ... evaluations under `g0`.
/// let mut text = String::new();
/// for flag in 0..15 {
///     text += &format!("[flags.g{flag}]\ndescription = \"d\"\nowner = \"o\"\n");
///     text += "permanent = true\ndefault = false\n";
///     for _ in 0..2 {
///         if flag < 14 {
///             text += &format!("[[flags.g{flag}.rules]]\nserve = true\n");
///             text += &format!("when = [{{ flag = {{ name = \"g{}\", is = true }} }}]\n", flag + 1);
///         }
///     }
/// }
/// let errors = Schema::parse("flags.toml", &text).unwrap_err();
/// let message = format!("evaluate its prerequisites 32766 times, more than {MAX_PREREQUISITE_EVALUATIONS}");
/// assert!(errors.to_string().contains(&message));
/// ```
pub const MAX_PREREQUISITE_EVALUATIONS: u64 = 10_000;

pub(crate) fn validate(schema: &Schema, damaged: &Damaged) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let flags: HashMap<&str, &Flag> = schema
        .flags
        .iter()
        .map(|flag| (flag.name.as_str(), flag))
        .collect();
    let known = Known { flags, damaged };
    check_generated_names(schema, &mut errors);
    for segment in &schema.segments {
        for condition in &segment.when {
            if let Test::Flag(prerequisite) = &condition.test {
                check_prerequisite(
                    schema,
                    &known,
                    &format!("segment `{}`", segment.name),
                    None,
                    prerequisite,
                    &mut errors,
                );
            }
        }
    }
    let declared: HashSet<&str> = schema
        .environments
        .iter()
        .map(|environment| environment.value.as_str())
        .collect();
    for flag in &schema.flags {
        let context = format_args!("flag `{}`", flag.name);
        for env in &flag.environments {
            if !declared.contains(env.name.value.as_str()) && !damaged.unreadable_environments {
                errors.push(unknown_environment(schema, &context, &env.name));
            }
        }
        for prerequisite in &flag.requires {
            check_prerequisite(
                schema,
                &known,
                &context,
                Some(flag),
                prerequisite,
                &mut errors,
            );
        }
        // Rule contexts are only spelt out for a message: formatting one per rule would cost
        // more than checking it.
        let base = flag
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (None, index, rule));
        let overlays = flag.environments.iter().flat_map(|env| {
            env.rules
                .iter()
                .flatten()
                .enumerate()
                .map(move |(index, rule)| (Some(env.name.value.as_str()), index, rule))
        });
        for (environment, index, rule) in base.chain(overlays) {
            let rule_context = || {
                let number = damaged.rule_number(rule, index);
                match environment {
                    None => format!("{context}, rule {number}"),
                    Some(env) => format!("{context}, environment `{env}`, rule {number}"),
                }
            };
            for segment in &rule.segments {
                if schema.segment(&segment.value).is_none()
                    && !damaged.unreadable_segment_table
                    && !damaged.unreadable_segments.contains(&segment.value)
                {
                    errors.push(unknown_segment(schema, &rule_context(), segment));
                }
            }
            for condition in &rule.when {
                if let Test::Flag(prerequisite) = &condition.test {
                    check_prerequisite(
                        schema,
                        &known,
                        &rule_context(),
                        Some(flag),
                        prerequisite,
                        &mut errors,
                    );
                }
            }
        }
    }
    check_cycles(schema, &mut errors);
    errors
}

/// Lookups shared by the checks.
struct Known<'a> {
    flags: HashMap<&'a str, &'a Flag>,
    damaged: &'a Damaged,
}

/// `flags!()` generates `NAME` and `NAME_detail` for every flag, so `a_detail` may not be a
/// flag when `a` is.
fn check_generated_names(schema: &Schema, errors: &mut Vec<Diagnostic>) {
    let mut enums: HashMap<String, &Flag> = HashMap::default();
    for flag in &schema.flags {
        if let FlagKind::Variants(_) = flag.kind {
            let enum_name = flag.enum_name();
            match enums.get(&enum_name) {
                Some(first) => errors.push(
                    Diagnostic::error(
                        flag.span,
                        format!(
                            "flags `{}` and `{}` both generate the enum `{enum_name}`",
                            first.name, flag.name
                        ),
                    )
                    .with_help("rename one of them"),
                ),
                None => {
                    enums.insert(enum_name, flag);
                }
            }
        }
        if let Some(base) = flag.name.strip_suffix("_detail")
            && schema.flag(base).is_some()
        {
            errors.push(
                Diagnostic::error(
                    flag.span,
                    format!(
                        "flag name `{}` collides with the detail accessor of flag `{base}`",
                        flag.name
                    ),
                )
                .with_help(format!(
                    "`flags::{}()` is generated for `{base}`; choose another name",
                    names::detail_accessor(base)
                )),
            );
        }
    }
}

fn unknown_environment(
    schema: &Schema,
    context: &dyn fmt::Display,
    name: &Spanned<String>,
) -> Diagnostic {
    let declared = schema.environments.iter().map(|env| env.value.as_str());
    let help = if schema.environments.is_empty() {
        format!(
            "declare the environments at the top of flags.toml: `environments = [\"{}\"]`",
            name.value
        )
    } else if let Some(similar) = names::suggest(&name.value, declared.clone()) {
        format!("an environment with a similar name exists: `{similar}`")
    } else {
        format!("the environments are {}", names::list(declared))
    };
    Diagnostic::error(
        name.span,
        format!("{context}: unknown environment `{}`", name.value),
    )
    .with_help(help)
}

fn unknown_segment(
    schema: &Schema,
    context: &dyn fmt::Display,
    name: &Spanned<String>,
) -> Diagnostic {
    let declared = schema.segments.iter().map(|segment| segment.name.as_str());
    let help = match names::suggest(&name.value, declared) {
        Some(similar) => format!("a segment with a similar name exists: `{similar}`"),
        None => format!("declare it as `[segments.{}]`", name.value),
    };
    Diagnostic::error(
        name.span,
        format!("{context}: unknown segment `{}`", name.value),
    )
    .with_help(help)
}

fn check_prerequisite(
    schema: &Schema,
    known: &Known<'_>,
    context: &dyn fmt::Display,
    owner: Option<&Flag>,
    prerequisite: &Prerequisite,
    errors: &mut Vec<Diagnostic>,
) {
    let name = &prerequisite.flag.value;
    if owner.is_some_and(|flag| &flag.name == name) {
        errors.push(
            Diagnostic::error(prerequisite.flag.span, format!("{context} requires itself"))
                .with_help("a prerequisite must be another flag"),
        );
        return;
    }
    let Some(target) = known.flags.get(name.as_str()) else {
        if known.damaged.unreadable_flags.contains(name) {
            return;
        }
        // Not the flag itself, which cannot be its own prerequisite.
        let others = schema
            .flag_names()
            .filter(|candidate| owner.is_none_or(|flag| flag.name != *candidate));
        let help = match names::suggest(name, others) {
            Some(similar) => format!("a flag with a similar name exists: `{similar}`"),
            None => "a prerequisite must be a flag declared in this file".to_owned(),
        };
        errors.push(
            Diagnostic::error(
                prerequisite.flag.span,
                format!("{context}: unknown prerequisite flag `{name}`"),
            )
            .with_help(help),
        );
        return;
    };
    if !known.damaged.untyped_flags.contains(name) && !target.kind.accepts(&prerequisite.is.value) {
        let help = match (&target.kind, &prerequisite.is.value) {
            (FlagKind::Variants(variants), value) => {
                let known = variants.iter().map(|variant| variant.value.as_str());
                let similar = match value {
                    Value::String(written) => names::suggest(written, known.clone()),
                    _ => None,
                };
                match similar {
                    Some(similar) => format!("a variant with a similar name exists: `{similar}`"),
                    None => format!("the variants of `{name}` are {}", names::list(known)),
                }
            }
            (FlagKind::Float, Value::Int(int)) => {
                format!("`{name}` is a float flag: write it as a float, `{int}.0`")
            }
            (kind, _) => format!("`{name}` is {} flag", kind.describe()),
        };
        errors.push(
            Diagnostic::error(
                prerequisite.is.span,
                format!("{context}: `{name}` can never be {}", prerequisite.is.value),
            )
            .with_help(help),
        );
    }
}

/// A flag that another flag's evaluation needs, the segment it is needed through, if any, the
/// targeting that needs it (0 for `requires`, which every evaluation checks, 1 for the base
/// rules, 2 and on for each environment's own rules; one evaluation runs one of those), and
/// how many times that targeting may evaluate it there: once per rule using the segment.
struct Dependency<'a> {
    flag: &'a Spanned<String>,
    segment: Option<&'a str>,
    targeting: usize,
    times: u64,
}

/// Every flag another flag's evaluation needs: `requires`, flag conditions in its rules (in
/// every environment), and flag conditions in the segments its rules use. A segment's
/// conditions are listed once per targeting with the number of rules using it, not once per
/// rule: rules that each list many segments would otherwise multiply into more entries than
/// the file has bytes.
fn dependencies<'a>(segments: &HashMap<&str, &'a Segment>, flag: &'a Flag) -> Vec<Dependency<'a>> {
    let mut found: Vec<Dependency<'a>> = flag
        .requires
        .iter()
        .map(|prerequisite| Dependency {
            flag: &prerequisite.flag,
            segment: None,
            targeting: 0,
            times: 1,
        })
        .collect();
    let overlays = flag
        .environments
        .iter()
        .filter_map(|environment| environment.rules.as_deref());
    for (targeting, rules) in std::iter::once(&flag.rules[..]).chain(overlays).enumerate() {
        let targeting = targeting + 1;
        // Segments in the order rules first use them, and how many rules use each.
        let mut used: Vec<(&'a Segment, u64)> = Vec::new();
        let mut position: HashMap<&str, usize> = HashMap::default();
        for rule in rules {
            for condition in &rule.when {
                if let Test::Flag(prerequisite) = &condition.test {
                    found.push(Dependency {
                        flag: &prerequisite.flag,
                        segment: None,
                        targeting,
                        times: 1,
                    });
                }
            }
            for name in &rule.segments {
                let Some(&segment) = segments.get(name.value.as_str()) else {
                    continue;
                };
                match position.get(segment.name.as_str()) {
                    Some(&at) => used[at].1 = used[at].1.saturating_add(1),
                    None => {
                        position.insert(segment.name.as_str(), used.len());
                        used.push((segment, 1));
                    }
                }
            }
        }
        for (segment, times) in used {
            for condition in &segment.when {
                if let Test::Flag(prerequisite) = &condition.test {
                    found.push(Dependency {
                        flag: &prerequisite.flag,
                        segment: Some(segment.name.as_str()),
                        targeting,
                        times,
                    });
                }
            }
        }
    }
    found
}

/// The checks of prerequisites across a set of flags: each names a flag there and a value it
/// can have, none needs itself (through others or segments), and none nests deeper or fans
/// out further than the limits. For flags put together from several files, as the runtime puts a live file
/// together with the flags compiled into the binary; [`Schema::parse`] runs them on a file.
///
/// ```
/// let schema = flags_schema::Schema::parse("flags.toml", "").unwrap();
/// assert!(flags_schema::check_prerequisites(&schema).is_empty());
/// ```
pub fn check_prerequisites<'a>(schema: &'a Schema) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    // Each file's prerequisites were checked against its own flags; put together, a flag
    // may come from the other file (a pinned one, say) with other values.
    let damaged = Damaged::default();
    let known = Known {
        flags: schema
            .flags
            .iter()
            .map(|flag| (flag.name.as_str(), flag))
            .collect(),
        damaged: &damaged,
    };
    let in_conditions = |conditions: &'a [Condition]| {
        conditions
            .iter()
            .filter_map(|condition| match &condition.test {
                Test::Flag(prerequisite) => Some(prerequisite),
                Test::Attribute { .. } => None,
            })
    };
    for segment in &schema.segments {
        let context = format!("segment `{}`", segment.name);
        for prerequisite in in_conditions(&segment.when) {
            check_prerequisite(schema, &known, &context, None, prerequisite, &mut errors);
        }
    }
    for flag in &schema.flags {
        let context = format!("flag `{}`", flag.name);
        let in_rules = flag
            .all_rules()
            .flat_map(|(_, rule)| in_conditions(&rule.when));
        for prerequisite in flag.requires.iter().chain(in_rules) {
            check_prerequisite(
                schema,
                &known,
                &context,
                Some(flag),
                prerequisite,
                &mut errors,
            );
        }
    }
    check_cycles(schema, &mut errors);
    errors
}

/// A flag a flag needs (its position), where it is named, the segment it is needed through,
/// the targeting that needs it, and how many times (see [`Dependency`]).
type Edge<'a> = (usize, Span, Option<&'a str>, usize, u64);

/// Rejects flags that need themselves, through other flags or segments: none of them could be
/// evaluated first. (A flag naming itself directly is reported where it does.)
fn check_cycles(schema: &Schema, errors: &mut Vec<Diagnostic>) {
    let errors_before = errors.len();
    let index: HashMap<&str, usize> = schema
        .flags
        .iter()
        .enumerate()
        .map(|(position, flag)| (flag.name.as_str(), position))
        .collect();
    let segments: HashMap<&str, &Segment> = schema
        .segments
        .iter()
        .map(|segment| (segment.name.as_str(), segment))
        .collect();
    // Per flag, the flags it needs, with how many times an evaluation may evaluate each.
    let needs: Vec<Vec<Edge<'_>>> = schema
        .flags
        .iter()
        .enumerate()
        .map(|(position, flag)| {
            dependencies(&segments, flag)
                .into_iter()
                .filter_map(|dependency| {
                    let target = *index.get(dependency.flag.value.as_str())?;
                    // A flag naming itself directly is reported where it does.
                    let direct_self = target == position && dependency.segment.is_none();
                    (!direct_self).then_some((
                        target,
                        dependency.flag.span,
                        dependency.segment,
                        dependency.targeting,
                        dependency.times,
                    ))
                })
                .collect()
        })
        .collect();
    // An evaluation runs in one environment: a cycle is one only if every step of it runs
    // in the same environment (each flag's `requires`, and its rules there).
    let mut cycles = Cycles::default();
    let environments = Environments::of(schema);
    for &environment in &environments.names {
        let runs_here = |flag, targeting| environments.runs(environment, flag, targeting);
        // Each place once: environments that use the same segment would otherwise report
        // its cycle once each.
        let edges: Vec<Vec<Edge<'_>>> = needs
            .iter()
            .enumerate()
            .map(|(flag, needs)| {
                let mut seen: HashSet<(usize, Span)> = HashSet::default();
                needs
                    .iter()
                    .filter(|&&(.., targeting, _)| runs_here(flag, targeting))
                    .filter(|&&(target, span, ..)| seen.insert((target, span)))
                    .copied()
                    .collect()
            })
            .collect();
        find_cycles(schema, &edges, environment, &mut cycles);
    }
    for cycle in cycles.found {
        // A cycle of the base rules is every environment's; one of some environments'
        // rules names them.
        let place = if cycle.environments.contains(&None) {
            String::new()
        } else {
            let names: Vec<String> = cycle
                .environments
                .iter()
                .flatten()
                .map(|name| format!("`{name}`"))
                .collect();
            match names.as_slice() {
                [one] => format!(" in environment {one}"),
                _ => format!(" in environments {}", names.join(", ")),
            }
        };
        errors.push(
            Diagnostic::error(
                cycle.span,
                format!("prerequisite cycle{place}: {}", cycle.chain),
            )
            .with_help("no flag can be evaluated first; remove one of the requirements"),
        );
    }
    if errors.len() == errors_before {
        check_nesting(schema, &needs, errors);
    }
}

/// The prerequisite cycles found, each once (by the places of its edges: an environment's
/// search may find a cycle of every environment from another flag), with the environments
/// whose rules make it.
#[derive(Default)]
struct Cycles<'a> {
    found: Vec<Cycle<'a>>,
    by_places: HashMap<Vec<Span>, usize>,
}

struct Cycle<'a> {
    /// Where it closes, as first found.
    span: Span,
    /// `` `a` requires `b` requires `a` ``.
    chain: String,
    /// `None` for the base rules.
    environments: Vec<Option<&'a str>>,
}

/// Finds the cycles among `edges`, those of one environment (`None`: the base rules).
fn find_cycles<'a>(
    schema: &Schema,
    edges: &[Vec<Edge<'_>>],
    environment: Option<&'a str>,
    cycles: &mut Cycles<'a>,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; schema.flags.len()];
    // Iterative depth-first search: a long chain of prerequisites must not overflow the
    // stack of the compiler running the macro.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..schema.flags.len() {
        if marks[start] != Mark::New {
            continue;
        }
        path.push((start, 0));
        marks[start] = Mark::OnPath;
        while let Some(&mut (node, ref mut next_edge)) = path.last_mut() {
            let Some(&(target, span, ..)) = edges[node].get(*next_edge) else {
                marks[node] = Mark::Done;
                path.pop();
                continue;
            };
            *next_edge += 1;
            match marks[target] {
                Mark::New => {
                    marks[target] = Mark::OnPath;
                    path.push((target, 0));
                }
                Mark::OnPath => {
                    let first = path
                        .iter()
                        .position(|(flag, _)| *flag == target)
                        .unwrap_or(0);
                    // Each step of the cycle: a flag, and the edge it was left by.
                    let mut chain = String::new();
                    for &(flag, taken) in &path[first..] {
                        let name = &schema.flags[flag].name;
                        let via = taken
                            .checked_sub(1)
                            .and_then(|edge| edges[flag].get(edge))
                            .and_then(|&(_, _, segment, ..)| segment);
                        match via {
                            Some(segment) => {
                                chain.push_str(&format!(
                                    "`{name}` (through segment `{segment}`) requires "
                                ));
                            }
                            None => chain.push_str(&format!("`{name}` requires ")),
                        }
                    }
                    chain.push_str(&format!("`{}`", schema.flags[target].name));
                    let mut places: Vec<Span> = path[first..]
                        .iter()
                        .filter_map(|&(flag, taken)| {
                            let edge = edges[flag].get(taken.checked_sub(1)?)?;
                            Some(edge.1)
                        })
                        .collect();
                    places.sort_unstable();
                    match cycles.by_places.get(&places) {
                        Some(&known) => {
                            let environments = &mut cycles.found[known].environments;
                            if !environments.contains(&environment) {
                                environments.push(environment);
                            }
                        }
                        None => {
                            cycles.by_places.insert(places, cycles.found.len());
                            cycles.found.push(Cycle {
                                span,
                                chain,
                                environments: vec![environment],
                            });
                        }
                    }
                }
                Mark::Done => {}
            }
        }
    }
}

/// Each environment an evaluation may run in (`None`: one whose flags all run their base
/// rules), and which of a flag's dependencies run there: those of `requires` (targeting 0),
/// and those of the rules the flag has for that environment (see [`Dependency`]: 2 and on,
/// in the order of its environments with rules; any other environment runs the base rules, 1).
struct Environments<'s> {
    names: Vec<Option<&'s str>>,
    /// Per flag, the targeting of each environment it has rules for.
    own_rules: Vec<HashMap<&'s str, usize>>,
}

impl<'s> Environments<'s> {
    fn of(schema: &'s Schema) -> Environments<'s> {
        let overlays: Vec<Vec<&str>> = schema
            .flags
            .iter()
            .map(|flag| {
                flag.environments
                    .iter()
                    .filter(|environment| environment.rules.is_some())
                    .map(|environment| environment.name.value.as_str())
                    .collect()
            })
            .collect();
        let mut names: Vec<Option<&str>> = vec![None];
        let mut seen: HashSet<&str> = HashSet::default();
        for name in overlays.iter().flatten() {
            if seen.insert(name) {
                names.push(Some(*name));
            }
        }
        let own_rules = overlays
            .iter()
            .map(|names| {
                names
                    .iter()
                    .enumerate()
                    .map(|(position, name)| (*name, position + 2))
                    .collect()
            })
            .collect();
        Environments { names, own_rules }
    }

    /// Whether a dependency of `flag` by `targeting` runs in `environment`. Looked up, not
    /// tabled per environment: that would take environments times flags.
    fn runs(&self, environment: Option<&str>, flag: usize, targeting: usize) -> bool {
        let rules = environment
            .and_then(|name| self.own_rules.get(flag)?.get(name).copied())
            .unwrap_or(1);
        targeting == 0 || targeting == rules
    }
}

/// Rejects prerequisites nested deeper than the runtime follows them, or so often repeated
/// that one evaluation would take too many: either would make an evaluation wrong or slow
/// with a valid file. Needs the flags acyclic.
fn check_nesting(schema: &Schema, edges: &[Vec<Edge<'_>>], errors: &mut Vec<Diagnostic>) {
    // An evaluation runs in one environment: each flag's `requires`, and its rules there
    // (its own for that environment, or its base rules). Costs are worked out per
    // environment, so that rules of two environments never add up.
    let mut reported = vec![false; schema.flags.len()];
    let environments = Environments::of(schema);
    for &environment in &environments.names {
        let runs_here = |flag, targeting| environments.runs(environment, flag, targeting);
        check_nesting_in(
            schema,
            edges,
            &runs_here,
            environment,
            &mut reported,
            errors,
        );
    }
}

/// [`check_nesting`] in one environment, with the edges that run there; flags already
/// reported for another environment are not reported again.
fn check_nesting_in(
    schema: &Schema,
    edges: &[Vec<Edge<'_>>],
    runs_here: &dyn Fn(usize, usize) -> bool,
    environment: Option<&str>,
    reported: &mut [bool],
    errors: &mut Vec<Diagnostic>,
) {
    // Per flag: the longest chain of prerequisites under it (in flags), the one it starts
    // with, and how many flag evaluations evaluating it may take at worst.
    #[derive(Clone, Copy)]
    struct Cost {
        depth: usize,
        next: Option<usize>,
        evaluations: u64,
    }
    let mut costs: Vec<Option<Cost>> = vec![None; schema.flags.len()];
    // Iterative post-order: a flag's cost once all its prerequisites have theirs.
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..schema.flags.len() {
        stack.push(start);
        while let Some(&flag) = stack.last() {
            if costs[flag].is_some() {
                stack.pop();
                continue;
            }
            let pending: Vec<usize> = edges[flag]
                .iter()
                .filter(|&&(.., targeting, _)| runs_here(flag, targeting))
                .map(|&(target, ..)| target)
                .filter(|&target| costs[target].is_none())
                .collect();
            if !pending.is_empty() {
                stack.extend(pending);
                continue;
            }
            let mut cost = Cost {
                depth: 0,
                next: None,
                evaluations: 0,
            };
            for &(target, .., targeting, times) in &edges[flag] {
                if !runs_here(flag, targeting) {
                    continue;
                }
                let Some(below) = costs[target] else { continue };
                if below.depth + 1 > cost.depth {
                    cost.depth = below.depth + 1;
                    cost.next = Some(target);
                }
                // `requires` and the rules that run here: both are evaluated.
                let evaluations = below.evaluations.saturating_add(1).saturating_mul(times);
                cost.evaluations = cost.evaluations.saturating_add(evaluations);
            }
            costs[flag] = Some(cost);
            stack.pop();
        }
    }
    // Reported for the flags no other flag over the limit needs: the chain under one names
    // the others.
    let over = |cost: &Cost| {
        cost.depth > MAX_PREREQUISITE_DEPTH || cost.evaluations > MAX_PREREQUISITE_EVALUATIONS
    };
    let mut needed = vec![false; schema.flags.len()];
    for (flag, cost) in costs.iter().enumerate() {
        if cost.as_ref().is_some_and(over) {
            for &(target, .., targeting, _) in &edges[flag] {
                if runs_here(flag, targeting) {
                    needed[target] = true;
                }
            }
        }
    }
    let place = match environment {
        None => String::new(),
        Some(name) => format!(" in environment `{name}`"),
    };
    for (flag, cost) in costs.iter().enumerate() {
        let Some(cost) = cost.filter(|cost| over(cost) && !needed[flag] && !reported[flag]) else {
            continue;
        };
        reported[flag] = true;
        let name = &schema.flags[flag].name;
        let span = schema.flags[flag].span;
        if cost.depth > MAX_PREREQUISITE_DEPTH {
            let mut chain = format!("`{name}`");
            let mut at = cost.next;
            while let Some(next) = at {
                chain.push_str(&format!(" requires `{}`", schema.flags[next].name));
                at = costs[next].and_then(|cost| cost.next);
            }
            errors.push(
                Diagnostic::error(
                    span,
                    format!(
                        "flag `{name}`{place}: prerequisites nested {} deep, more than the \
                         {MAX_PREREQUISITE_DEPTH} an evaluation follows: {chain}",
                        cost.depth
                    ),
                )
                .with_help(
                    "past that depth a prerequisite would count as not met; require the \
                     flags deep in the chain directly instead",
                ),
            );
        } else {
            errors.push(
                Diagnostic::error(
                    span,
                    format!(
                        "flag `{name}`{place}: one evaluation may evaluate its prerequisites {} \
                         times, more than {MAX_PREREQUISITE_EVALUATIONS}",
                        cost.evaluations
                    ),
                )
                .with_help(
                    "each rule or segment that tests a flag evaluates it again, and that \
                     flag's own again under it; test each flag in fewer places",
                ),
            );
        }
    }
}
