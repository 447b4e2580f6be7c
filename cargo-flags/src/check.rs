//! `cargo flags check`: stale flags, each finding located.

use std::collections::{HashMap, HashSet};

use flags_schema::{
    Date, Flag, FlagKind, Located, Outcome, Percent, Schema, Severity, Span, Value, names,
};
use serde::Serialize;

use crate::project::{Group, Project};
use crate::scan::{FileScan, Found, Mention, Place};

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Past its `expires` date.
    Expired,
    /// Expires within `--warn-days`.
    Expiring,
    /// Declared, never referenced.
    Unused,
    /// Referenced, not declared.
    Undeclared,
    /// Serves one value to everyone, everywhere: ready to remove.
    Released,
    /// A fallback that only released or pinned flags still name, and nothing calls.
    OrphanedFallback,
    /// Missing owner, description or expiry (`--lenient`).
    Incomplete,
    /// A Rust file that does not parse: its references are not counted.
    Unparsable,
    /// A `flags.toml` that does not parse or validate: nothing was checked.
    Invalid,
    /// A split after a partial rollout on the same buckets: it serves the contexts the
    /// rollout leaves out other shares than its weights.
    SkewedSplit,
}

impl Kind {
    /// Every kind, for SARIF's rule list.
    pub const ALL: [Kind; 10] = [
        Kind::Expired,
        Kind::Expiring,
        Kind::Unused,
        Kind::Undeclared,
        Kind::Released,
        Kind::OrphanedFallback,
        Kind::Incomplete,
        Kind::Unparsable,
        Kind::Invalid,
        Kind::SkewedSplit,
    ];

    /// The kebab-case name, as in JSON and SARIF.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Expired => "expired",
            Kind::Expiring => "expiring",
            Kind::Unused => "unused",
            Kind::Undeclared => "undeclared",
            Kind::Released => "released",
            Kind::OrphanedFallback => "orphaned-fallback",
            Kind::Incomplete => "incomplete",
            Kind::Unparsable => "unparsable",
            Kind::Invalid => "invalid",
            Kind::SkewedSplit => "skewed-split",
        }
    }

    /// What the kind means, for SARIF's rule list.
    pub fn description(self) -> &'static str {
        match self {
            Kind::Expired => "The flag is past its expiry date.",
            Kind::Expiring => "The flag expires soon.",
            Kind::Unused => "The flag is declared but no code reads it.",
            Kind::Undeclared => "Code refers to a flag that flags.toml does not declare.",
            Kind::Released => "The flag serves one value to everyone: remove it and the dead path.",
            Kind::OrphanedFallback => {
                "A fallback function that only released or pinned flags name."
            }
            Kind::Incomplete => "The flag has no owner, description or expiry.",
            Kind::Unparsable => {
                "A Rust file could not be parsed; its flag references are not counted."
            }
            Kind::Invalid => "A flags.toml does not parse or validate; nothing was checked.",
            Kind::SkewedSplit => {
                "A split after a partial rollout on the same buckets serves the contexts the \
                 rollout leaves out other shares than its weights."
            }
        }
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: Kind,
    /// The flag (or name) concerned.
    pub flag: String,
    /// Where, and the message.
    #[serde(flatten)]
    pub located: Located,
}

/// How `check` judges.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The day to judge expiry on.
    pub today: Date,
    /// Warn this many days before expiry.
    pub warn_days: i64,
}

/// A resolved reference of a flag.
struct Use<'a> {
    file: &'a FileScan,
    place: Place,
    mention: &'a Mention,
}

/// Every finding in the project, sorted by file and place.
pub fn check(project: &Project, settings: Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut fallback_calls: HashMap<&str, usize> = HashMap::new();
    for file in &project.files {
        for (name, count) in &file.names {
            *fallback_calls.entry(name.as_str()).or_default() += count;
        }
        if let Some((message, place)) = &file.parse_error {
            findings.push(at_source(
                project,
                file,
                *place,
                Kind::Unparsable,
                "",
                Severity::Warning,
                format!("cannot parse this file: {message}"),
                Some("flags used in this file are not counted until it parses".to_owned()),
            ));
        }
    }
    for &index in &project.ungrouped {
        let file = &project.files[index];
        // As in a group: names through another module called `flags` that are no flags'
        // here, and by-name calls with names no flag can have (`get_by_name("Content-Type")`)
        // are not about flags.
        let spelt = |found: &&crate::scan::Found| match &found.mention {
            Mention::Path { imported, .. } => !imported,
            Mention::ByName { flag } => names::is_snake_case(flag),
            Mention::Attribute { .. } => true,
        };
        // By a `flags!("...")` in its module, or by a library's flags.toml (`app::flags`).
        let answered_elsewhere = |(position, found): &(usize, &crate::scan::Found)| {
            project.answered_in_its_module(index, *position)
                || found
                    .via
                    .as_ref()
                    .is_some_and(|via| project.libraries.contains_key(via))
        };
        for (_, found) in file
            .found
            .iter()
            .enumerate()
            .filter(|found| !answered_elsewhere(found))
            .filter(|(_, found)| spelt(found))
        {
            let name = mentioned_name(&found.mention);
            findings.push(at_source(
                project,
                file,
                found.place,
                Kind::Undeclared,
                &name,
                Severity::Error,
                format!("feature flag `{name}` has no flags.toml"),
                Some("no flags.toml was found in this file's folder or above it".to_owned()),
            ));
        }
    }
    let mentions = project.mentions();
    for (position, (group, mentions)) in project.groups.iter().zip(&mentions).enumerate() {
        check_group(
            project,
            group,
            project
                .libraries
                .values()
                .any(|&library| library == position),
            mentions,
            settings,
            &fallback_calls,
            &mut findings,
        );
    }
    // Every file counted as a use; only the selected packages' files, and the flags.toml
    // files they use, are reported on.
    let reported: HashSet<String> = project
        .files
        .iter()
        .zip(&project.selected)
        .filter(|(_, selected)| **selected)
        .map(|(file, _)| project.display(&file.path))
        .chain(
            project
                .groups
                .iter()
                .filter(|group| project.is_selected(group))
                .map(|group| group.display.clone()),
        )
        .collect();
    findings.retain(|finding| reported.contains(&finding.located.path));
    findings.sort_by(|a, b| {
        (&a.located.path, a.located.line, a.located.column, a.kind).cmp(&(
            &b.located.path,
            b.located.line,
            b.located.column,
            b.kind,
        ))
    });
    findings
}

/// Checks the flags of one flags.toml against `mentions`: the mentions of its files, and of
/// other crates' files through this crate's module, each with its file's position.
fn check_group(
    project: &Project,
    group: &Group,
    // Whether a library's module reads it, which any crate of the workspace may use.
    of_a_library: bool,
    mentions: &[(usize, &Found)],
    settings: Settings,
    fallback_calls: &HashMap<&str, usize>,
    findings: &mut Vec<Finding>,
) {
    let schema = &group.schema;
    let mut uses: HashMap<&str, Vec<Use<'_>>> = HashMap::new();
    for &(index, found) in mentions {
        let file = &project.files[index];
        let certain = project.certain(found);
        {
            match resolve(schema, certain.as_ref().unwrap_or(&found.mention)) {
                Resolved::Flag(flag) => uses.entry(flag).or_default().push(Use {
                    file,
                    place: found.place,
                    mention: &found.mention,
                }),
                Resolved::Generated => {}
                Resolved::Unknown(name) => {
                    let help = match names::suggest(&name, schema.flag_names()) {
                        Some(similar) => format!("a flag with a similar name exists: `{similar}`"),
                        None => format!("declare it in {}", group.display),
                    };
                    findings.push(at_source(
                        project,
                        file,
                        found.place,
                        Kind::Undeclared,
                        &name,
                        Severity::Error,
                        format!("undeclared feature flag `{name}`"),
                        Some(help),
                    ));
                }
            }
        }
    }

    for incomplete in &group.incomplete {
        findings.push(Finding {
            kind: Kind::Incomplete,
            flag: flag_of_message(&incomplete.message),
            located: incomplete.clone(),
        });
    }

    let needed_by = prerequisite_of(schema);
    // A file that cannot be parsed may read the flags: one of the group's, or for a library's
    // flags, any.
    let unparsable = group
        .files
        .iter()
        .map(|&index| &project.files[index])
        .chain(project.files.iter().filter(|_| of_a_library))
        .find(|file| file.parse_error.is_some());
    for flag in &schema.flags {
        let flag_uses = uses.get(flag.name.as_str()).map_or(&[][..], Vec::as_slice);
        let needers = needed_by
            .get(flag.name.as_str())
            .map_or(&[][..], Vec::as_slice);
        if let Some(expires) = &flag.expires {
            let days = settings.today.days_until(expires.value);
            if days < 0 {
                let help = match flag_uses.first() {
                    Some(first) => format!(
                        "remove the flag and the code it guards ({} {}, first at {}:{})",
                        flag_uses.len(),
                        plural(flag_uses.len(), "use", "uses"),
                        project.display(&first.file.path),
                        first.place.line
                    ),
                    None if needers.is_empty() => {
                        "remove it from flags.toml; no code uses it".to_owned()
                    }
                    None => format!(
                        "remove it from flags.toml, and the prerequisites on it in {}",
                        needers.join(", ")
                    ),
                };
                findings.push(at_schema(
                    group,
                    expires.span,
                    Kind::Expired,
                    flag,
                    Severity::Error,
                    format!(
                        "flag `{}` expired on {} ({} {} ago; owner: {})",
                        flag.name,
                        expires.value,
                        -days,
                        plural((-days) as usize, "day", "days"),
                        flag.owner
                    ),
                    Some(help),
                ));
            } else if days <= settings.warn_days {
                findings.push(at_schema(
                    group,
                    expires.span,
                    Kind::Expiring,
                    flag,
                    Severity::Warning,
                    format!(
                        "flag `{}` expires on {} (in {days} {}; owner: {})",
                        flag.name,
                        expires.value,
                        plural(days as usize, "day", "days"),
                        flag.owner
                    ),
                    Some("finish the rollout and remove the flag, or extend `expires`".to_owned()),
                ));
            }
        }
        // A flag other flags require is in use, even if no code reads it (a master switch).
        if flag_uses.is_empty() && needers.is_empty() {
            // A file that cannot be parsed may be the one that uses it.
            let (severity, help) = match unparsable {
                Some(file) => (
                    Severity::Warning,
                    format!(
                        "{} cannot be parsed, and may use it; once it parses, remove the flag \
                         from flags.toml if it is still unused",
                        project.display(&file.path)
                    ),
                ),
                None => (
                    Severity::Error,
                    format!(
                        "remove it from flags.toml, or read it: `flags::{}(&ctx)`",
                        flag.name
                    ),
                ),
            };
            findings.push(at_schema(
                group,
                flag.span,
                Kind::Unused,
                flag,
                severity,
                format!("flag `{}` is declared but never used", flag.name),
                Some(help),
            ));
        }
        skewed_splits(group, flag, findings);
        if let Some(value) = released_value(schema, flag) {
            findings.push(at_schema(
                group,
                flag.span,
                Kind::Released,
                flag,
                Severity::Warning,
                if flag.pinned {
                    format!(
                        "flag `{}` is pinned to {}: ready to remove",
                        flag.name,
                        describe(flag, &value)
                    )
                } else {
                    format!(
                        "flag `{}` serves {} to everyone in every environment: ready to remove",
                        flag.name,
                        describe(flag, &value)
                    )
                },
                Some(path_to_keep(project, flag, &value, flag_uses, needers)),
            ));
            orphaned_fallbacks(
                project,
                flag,
                &value,
                flag_uses,
                fallback_calls,
                &uses,
                schema,
                findings,
            );
        }
    }
}

pub(crate) enum Resolved<'a> {
    Flag(&'a str),
    /// `flags::store`, `flags::all`: generated items, not flags.
    Generated,
    Unknown(String),
}

/// Which flag a mention names in `schema`, by the naming rules of the generated module.
pub(crate) fn resolve<'a>(schema: &'a Schema, mention: &Mention) -> Resolved<'a> {
    let found = |name: &str| {
        schema
            .flag(name)
            .map(|flag| Resolved::Flag(flag.name.as_str()))
    };
    match mention {
        // A by-name method of something else (`headers.get_by_name("Content-Type")`) takes
        // names no flag can have; such a name is a flag's only if it nearly is one.
        Mention::ByName { flag }
            if !names::is_snake_case(flag)
                && schema.flag(&names::to_snake_case(flag)).is_none()
                && names::suggest(flag, schema.flag_names()).is_none() =>
        {
            Resolved::Generated
        }
        Mention::Attribute { flag, .. } | Mention::ByName { flag } => {
            found(flag).unwrap_or_else(|| Resolved::Unknown(flag.clone()))
        }
        Mention::Path { name, .. } if names::RESERVED.contains(&name.as_str()) => {
            Resolved::Generated
        }
        // Any name in a file that imports `flags::*`: a flag's only if it is one.
        Mention::Path {
            imported: true,
            name,
            ..
        } => match resolve_path(schema, name) {
            Resolved::Unknown(_) => Resolved::Generated,
            resolved => resolved,
        },
        Mention::Path { name, .. } => resolve_path(schema, name),
    }
}

/// Which flag `flags::name` names: an accessor, detail accessor, key or enum.
fn resolve_path<'a>(schema: &'a Schema, name: &str) -> Resolved<'a> {
    let found = |name: &str| {
        schema
            .flag(name)
            .map(|flag| Resolved::Flag(flag.name.as_str()))
    };
    let enum_named = |name: &str| {
        schema
            .flags
            .iter()
            .find(|flag| matches!(flag.kind, FlagKind::Variants(_)) && flag.enum_name() == name)
            .map(|flag| Resolved::Flag(flag.name.as_str()))
    };
    let first = name.chars().next().unwrap_or('_');
    if first.is_ascii_uppercase() && name.chars().all(|c| !c.is_ascii_lowercase()) {
        // A key (`AB_C`), or the enum of a flag whose name has one letter per word (`a_b`
        // makes `AB`).
        found(&name.to_ascii_lowercase())
            .or_else(|| enum_named(name))
            .unwrap_or_else(|| Resolved::Unknown(name.to_ascii_lowercase()))
    } else if first.is_ascii_uppercase() {
        enum_named(name).unwrap_or_else(|| Resolved::Unknown(names::to_snake_case(name)))
    } else if let Some(flag) = found(name) {
        flag
    } else if let Some(flag) = name.strip_suffix("_detail").and_then(found) {
        flag
    } else {
        Resolved::Unknown(name.to_owned())
    }
}

fn mentioned_name(mention: &Mention) -> String {
    match mention {
        Mention::Attribute { flag, .. } | Mention::ByName { flag } => flag.clone(),
        Mention::Path { name, .. } => name.clone(),
    }
}

/// The one value every context gets in `targeting`, if there is one.
pub(crate) fn uniform(flag: &Flag, targeting: flags_schema::Targeting<'_>) -> Option<Value> {
    let default = &targeting.default.value;
    let mut value: Option<&Value> = None;
    for rule in targeting.rules {
        let served = rule.outcome.single_value().or(match &rule.outcome {
            flags_schema::Outcome::Rollout { serve, .. } => Some(&serve.value),
            _ => None,
        })?;
        if value.is_some_and(|value| value != served) {
            return None;
        }
        value = Some(served);
        // A rollout or split by an attribute skips the contexts that lack it.
        let reaches_everyone = rule.matches_everyone()
            && (rule.bucket_by.is_none()
                || matches!(rule.outcome, flags_schema::Outcome::Serve(_)));
        if reaches_everyone && rule.outcome.single_value().is_some() {
            // Everyone reaches this rule or an earlier one, all serving the same value.
            let gated = !flag.requires.is_empty() || !flag.window.is_always();
            return (!gated || served == default).then(|| served.clone());
        }
    }
    // Whoever matches no rule gets the default.
    match value {
        Some(value) if value != default => None,
        _ => Some(default.clone()),
    }
}

/// The value a released flag serves, if it is released: pinned, or one value for everyone in
/// every environment that some rule (or a `true` default) rolled out. A permanent flag is an
/// operational setting that serves one value until someone changes it: never released,
/// pinned or not.
fn released_value(schema: &Schema, flag: &Flag) -> Option<Value> {
    if flag.permanent {
        return None;
    }
    if flag.pinned {
        return Some(flag.default.value.clone());
    }
    let environments = std::iter::once(None).chain(
        schema
            .environments
            .iter()
            .map(|env| Some(env.value.as_str())),
    );
    let mut value: Option<Value> = None;
    for environment in environments {
        let served = uniform(flag, flag.targeting(environment))?;
        if value.as_ref().is_some_and(|value| *value != served) {
            return None;
        }
        value = Some(served);
    }
    let value = value?;
    let rolled_out = flag.all_rules().next().is_some() || value == Value::Bool(true);
    rolled_out.then_some(value)
}

fn describe(flag: &Flag, value: &Value) -> String {
    match (&flag.kind, value) {
        (FlagKind::Variants(_), Value::String(variant)) => format!("variant `{variant}`"),
        _ => format!("`{value}`"),
    }
}

/// Whether the new body of a `#[feature_flag]` runs when the flag serves `value`.
fn body_runs(value: &Value, variant: Option<&str>) -> bool {
    match (value, variant) {
        (Value::Bool(on), None) => *on,
        (Value::String(served), Some(variant)) => {
            served == variant || names::upper_camel(served) == variant
        }
        _ => false,
    }
}

/// Per flag, what requires it: the flags (`flag `x``) and segments (`segment `s``) that
/// name it in `requires` or in a `flag = { ... }` condition, each once.
fn prerequisite_of(schema: &Schema) -> HashMap<&str, Vec<String>> {
    let mut needed_by: HashMap<&str, Vec<String>> = HashMap::new();
    let mut add = |needed: &str, by: String| {
        let Some(needed) = schema.flag(needed) else {
            return;
        };
        let list = needed_by.entry(needed.name.as_str()).or_default();
        if !list.contains(&by) {
            list.push(by);
        }
    };
    let flag_conditions = |conditions: &[flags_schema::Condition]| {
        conditions
            .iter()
            .filter_map(|condition| match &condition.test {
                flags_schema::Test::Flag(prerequisite) => Some(prerequisite.flag.value.clone()),
                _ => None,
            })
            .collect::<Vec<String>>()
    };
    for segment in &schema.segments {
        for needed in flag_conditions(&segment.when) {
            add(&needed, format!("segment `{}`", segment.name));
        }
    }
    for flag in &schema.flags {
        let by = format!("flag `{}`", flag.name);
        for prerequisite in &flag.requires {
            add(&prerequisite.flag.value, by.clone());
        }
        let overlays = flag
            .environments
            .iter()
            .filter_map(|environment| environment.rules.as_deref());
        for rules in std::iter::once(&flag.rules[..]).chain(overlays) {
            for rule in rules {
                for needed in flag_conditions(&rule.when) {
                    add(&needed, by.clone());
                }
            }
        }
    }
    needed_by
}

fn path_to_keep(
    project: &Project,
    flag: &Flag,
    value: &Value,
    uses: &[Use<'_>],
    needers: &[String],
) -> String {
    let mut steps = Vec::new();
    for used in uses {
        if let Mention::Attribute {
            function,
            fallback,
            variant,
            ..
        } = used.mention
        {
            let at = format!("{}:{}", project.display(&used.file.path), used.place.line);
            let fallback = fallback.as_deref().unwrap_or("its fallback");
            if body_runs(value, variant.as_deref()) {
                steps.push(format!(
                    "keep the body of `{function}` ({at}) and delete `{fallback}`"
                ));
            } else {
                steps.push(format!(
                    "replace `{function}` ({at}) by its fallback `{fallback}`"
                ));
            }
        }
    }
    let reads = uses
        .iter()
        .filter(|used| !matches!(used.mention, Mention::Attribute { .. }))
        .count();
    if reads > 0 {
        steps.push(format!(
            "replace the {reads} {} of `flags::{}` by {}",
            plural(reads, "read", "reads"),
            flag.name,
            describe(flag, value)
        ));
    }
    if !needers.is_empty() {
        steps.push(format!(
            "drop the prerequisites on it in {} (it is {} now)",
            needers.join(", "),
            describe(flag, value)
        ));
    }
    steps.push("then remove the flag from flags.toml".to_owned());
    steps.join("; ")
}

#[allow(clippy::too_many_arguments)]
fn orphaned_fallbacks(
    project: &Project,
    flag: &Flag,
    value: &Value,
    flag_uses: &[Use<'_>],
    fallback_calls: &HashMap<&str, usize>,
    all_uses: &HashMap<&str, Vec<Use<'_>>>,
    schema: &Schema,
    findings: &mut Vec<Finding>,
) {
    for used in flag_uses {
        let Mention::Attribute {
            fallback: Some(fallback),
            fallback_place: Some(place),
            variant,
            ..
        } = used.mention
        else {
            continue;
        };
        if !body_runs(value, variant.as_deref()) {
            continue;
        }
        if fallback_calls.get(fallback.as_str()).copied().unwrap_or(0) > 0 {
            continue;
        }
        // Still the live fallback of a flag that is not released: not orphaned.
        let still_needed = all_uses.iter().any(|(other, uses)| {
            uses.iter().any(|other_use| match other_use.mention {
                Mention::Attribute {
                    fallback: Some(other_fallback),
                    variant,
                    ..
                } if other_fallback == fallback => schema
                    .flag(other)
                    .and_then(|other| released_value(schema, other))
                    .is_none_or(|served| !body_runs(&served, variant.as_deref())),
                _ => false,
            })
        });
        if still_needed {
            continue;
        }
        findings.push(at_source(
            project,
            used.file,
            *place,
            Kind::OrphanedFallback,
            &flag.name,
            Severity::Warning,
            format!(
                "`{fallback}` is only the fallback of flag `{}`, which is {}: it never runs",
                flag.name,
                if flag.pinned { "pinned" } else { "released" }
            ),
            Some(format!("delete `{fallback}` when you remove the flag")),
        ));
    }
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// Splits that follow a partial rollout bucketed the same way. A context the rollout's rule
/// matches but leaves out has a bucket at or above its percentage, so a split that every
/// context reaches gives such contexts only the values weighted above that line: an A/B test
/// skewed for them. (Rollouts after rollouts nest on purpose: 25% of one country, then 10% of
/// everyone, is 25% of that country.)
fn skewed_splits(group: &Group, flag: &Flag, findings: &mut Vec<Finding>) {
    let overlays = flag.environments.iter().filter_map(|environment| {
        Some((Some(&environment.name.value), environment.rules.as_deref()?))
    });
    for (environment, rules) in std::iter::once((None, &flag.rules[..])).chain(overlays) {
        let name = |position: usize| match environment {
            None => format!("rule {}", position + 1),
            Some(environment) => format!("environment `{environment}`, rule {}", position + 1),
        };
        for (later, rule) in rules.iter().enumerate() {
            let Outcome::Split(arms) = &rule.outcome else {
                continue;
            };
            if !rule.matches_everyone() {
                continue;
            }
            // `bucket_by = "key"` buckets as no `bucket_by` does.
            let bucket = |rule: &flags_schema::Rule| {
                rule.bucket_by
                    .clone()
                    .filter(|attribute| attribute != "key")
            };
            // The highest line of the partial rollouts before it on the same buckets: the
            // contexts those rules all match reach the split only from above it. A rule
            // before it that takes every context leaves it none to split.
            let mut rollout: Option<(usize, Percent, u32)> = None;
            let mut reachable = true;
            for (earlier, before) in rules[..later].iter().enumerate() {
                match &before.outcome {
                    // Everyone with the attribute it buckets by (everyone, by the key) is
                    // taken; the others lack the split's attribute too, if it is the same.
                    Outcome::Rollout { percent, .. }
                        if percent.value == Percent::ALL && before.matches_everyone() =>
                    {
                        reachable = bucket(before).is_some() && bucket(before) != bucket(rule);
                    }
                    Outcome::Rollout { percent, .. } if bucket(before) == bucket(rule) => {
                        let line = percent.value.thousandths();
                        if line > 0
                            && percent.value != Percent::ALL
                            && rollout.is_none_or(|(_, _, highest)| line > highest)
                        {
                            rollout = Some((earlier, percent.value, line));
                        }
                    }
                    Outcome::Serve(_) | Outcome::Split(_) if before.matches_everyone() => {
                        reachable = false;
                    }
                    _ => {}
                }
                if !reachable {
                    break;
                }
            }
            let (true, Some((earlier, percent, line))) = (reachable, rollout) else {
                continue;
            };
            // What the split serves the contexts above the line, against its weights: the
            // values weighted below the line lose their buckets there.
            let all = Percent::ALL.thousandths();
            let above = u64::from(all - line);
            let mut start = 0;
            let (mut shares, mut weights) = (Vec::new(), Vec::new());
            for arm in &arms.value {
                let end = start + arm.weight.thousandths();
                let kept = u64::from(end.saturating_sub(start.max(line)));
                let share = u32::try_from((kept * u64::from(all) + above / 2) / above)
                    .ok()
                    .and_then(Percent::from_thousandths)
                    .unwrap_or(Percent::ALL);
                let value = match &arm.value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                shares.push(format!("`{value}` {share}"));
                weights.push(arm.weight.to_string());
                start = end;
            }
            findings.push(at_schema(
                group,
                arms.span,
                Kind::SkewedSplit,
                flag,
                Severity::Warning,
                format!(
                    "flag `{}`, {}: contexts that rule {} matches but leaves out of its {percent} \
                     rollout have buckets of {percent} and more, so this split serves them {} \
                     (weights {})",
                    flag.name,
                    name(later),
                    earlier + 1,
                    shares.join(", "),
                    weights.join(", ")
                ),
                Some(format!(
                    "serve those contexts from rule {} with a split of its own, or bucket the \
                     two rules by different attributes (`bucket_by`)",
                    earlier + 1
                )),
            ));
        }
    }
}

/// The errors of invalid flags.toml files, as findings.
pub fn invalid(files: &[flags_schema::Diagnostics]) -> Vec<Finding> {
    files
        .iter()
        .flat_map(flags_schema::Diagnostics::located)
        .map(|located| Finding {
            kind: Kind::Invalid,
            flag: flag_of_message(&located.message),
            located,
        })
        .collect()
}

/// The flag a schema message is about (`flag `x` has no ...`), or nothing when it is about
/// something else (a segment, a key, the file).
fn flag_of_message(message: &str) -> String {
    if !message.starts_with("flag `") {
        return String::new();
    }
    message.split('`').nth(1).unwrap_or_default().to_owned()
}

fn at_schema(
    group: &Group,
    span: Span,
    kind: Kind,
    flag: &Flag,
    severity: Severity,
    message: String,
    help: Option<String>,
) -> Finding {
    let diagnostic = flags_schema::Diagnostic {
        severity,
        message,
        span,
        label: None,
        help,
        code: Some(kind.name()),
    };
    Finding {
        kind,
        flag: flag.name.clone(),
        located: diagnostic.locate(&group.source),
    }
}

#[allow(clippy::too_many_arguments)]
fn at_source(
    project: &Project,
    file: &FileScan,
    place: Place,
    kind: Kind,
    flag: &str,
    severity: Severity,
    message: String,
    help: Option<String>,
) -> Finding {
    Finding {
        kind,
        flag: flag.to_owned(),
        located: Located {
            path: project.display(&file.path),
            line: place.line,
            column: place.column,
            end_line: place.end_line,
            end_column: place.end_column,
            byte_start: place.byte_start,
            byte_end: place.byte_end,
            severity,
            message,
            help,
            label: None,
            source_line: file.line(place.line).to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag_of(resolved: Resolved<'_>) -> String {
        match resolved {
            Resolved::Flag(flag) => flag.to_owned(),
            Resolved::Generated => "(generated)".to_owned(),
            Resolved::Unknown(name) => format!("unknown {name}"),
        }
    }

    /// A by-name call with a name no flag can have is another API's, unless the name is
    /// nearly a flag's: then it is a typo.
    #[test]
    fn by_name_calls_with_names_no_flag_has_are_not_about_flags() {
        let text = "[flags.new_checkout]\ndescription = \"d\"\nowner = \"o\"\n\
                    permanent = true\ndefault = false\n";
        let schema = Schema::parse("flags.toml", text).unwrap();
        let by_name = |name: &str| {
            flag_of(resolve(
                &schema,
                &Mention::ByName {
                    flag: name.to_owned(),
                },
            ))
        };
        assert_eq!(by_name("Content-Type"), "(generated)");
        assert_eq!(by_name("new-checkout"), "unknown new-checkout");
        assert_eq!(by_name("NewCheckout"), "unknown NewCheckout");
        assert_eq!(by_name("new_chekout"), "unknown new_chekout");
        assert_eq!(by_name("new_checkout"), "new_checkout");
    }

    /// The findings on a workspace of two packages: the library `app`, whose flags.toml
    /// declares `beta`, of this `lib.rs`, and the binary `admin`, with no flags.toml, of this
    /// `main.rs`.
    fn app_and_admin(name: &str, app_lib: &str, admin_main: &str) -> Vec<(Kind, String, Severity)> {
        let root = std::env::temp_dir().join(format!("cargo-flags-{name}-{}", std::process::id()));
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "app/flags.toml",
            "[flags.beta]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = false\n",
        );
        write("app/src/lib.rs", app_lib);
        write("admin/src/main.rs", admin_main);
        let package = |name: &str, root_file: &str, library: bool| crate::project::Package {
            name: name.to_owned(),
            dir: root.join(name),
            targets: vec![root.join(root_file)],
            library: library.then(|| (name.to_owned(), root.join(root_file))),
            renamed: Vec::new(),
            selected: true,
        };
        let packages = [
            package("app", "app/src/lib.rs", true),
            package("admin", "admin/src/main.rs", false),
        ];
        let project = Project::from_packages(root.clone(), &packages, false).unwrap();
        let settings = Settings {
            today: Date::new(2026, 11, 27).unwrap(),
            warn_days: 14,
        };
        let findings = check(&project, settings)
            .into_iter()
            .map(|finding| (finding.kind, finding.flag, finding.located.severity))
            .collect();
        std::fs::remove_dir_all(&root).unwrap();
        findings
    }

    /// A crate with no flags.toml of its own may use a library's flags, by name on the
    /// library's store (an admin endpoint, say): they are the library's.
    #[test]
    fn a_crate_without_flags_may_use_a_librarys() {
        let findings = app_and_admin(
            "admin",
            "flags_runtime::flags!();\n",
            "fn main() {\n    let _ = app::flags::store().kill_by_name(\"beta\");\n    \
             let _ = app::flags::store().kill_by_name(\"gamma\");\n}\n",
        );
        assert_eq!(
            findings,
            [(Kind::Undeclared, "gamma".to_owned(), Severity::Error)]
        );
    }

    /// A library's flag no file reads is unused, but only a warning while a file of any
    /// crate (which may read the library's module) does not parse.
    #[test]
    fn a_file_that_does_not_parse_may_read_a_librarys_flags() {
        let findings = app_and_admin("unparsable", "flags_runtime::flags!();\n", "fn main( {\n");
        assert_eq!(
            findings,
            [
                (Kind::Unparsable, String::new(), Severity::Warning),
                (Kind::Unused, "beta".to_owned(), Severity::Warning)
            ]
        );
    }

    /// A library's `flags` is its generated module only if its root calls `flags!()`: not
    /// when an inner module does, beside command-line options called `flags`.
    #[test]
    fn a_library_generates_its_flags_only_from_its_root() {
        let findings = app_and_admin(
            "inner",
            "pub mod flags { #[derive(Default)] pub struct Args; }\n\
             pub mod features {\n    flags_runtime::flags!();\n    \
             pub fn on(ctx: &flags_runtime::Context) -> bool { flags::beta(ctx) }\n}\n",
            "fn main() { let _ = app::flags::Args::default(); }\n",
        );
        assert_eq!(findings, []);
    }

    /// Keys are all capitals; so is the enum of a flag with one letter per word (`a_b`
    /// makes `AB`, `v_2` makes `V2`).
    #[test]
    fn capitals_name_a_key_or_an_enum() {
        let text = "[flags.a_b]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
                    variants = [\"x\", \"y\"]\ndefault = \"x\"\n\
                    [flags.v_2]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
                    variants = [\"x\", \"y\"]\ndefault = \"x\"\n";
        let schema = Schema::parse("flags.toml", text).unwrap();
        let resolved: Vec<String> = ["A_B", "AB", "V2", "V_2", "ZZ"]
            .into_iter()
            .map(|name| flag_of(resolve_path(&schema, name)))
            .collect();
        assert_eq!(resolved, ["a_b", "a_b", "v_2", "v_2", "unknown zz"]);
    }
}
