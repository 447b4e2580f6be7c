//! One-line descriptions of targeting, for rustdoc on generated items and for `cargo flags list`.

use std::fmt::Write;

use crate::model::*;

const SHOWN_ITEMS: usize = 5;

impl Flag {
    /// The flag's targeting in plain lines: prerequisites, window, rules in order, the default,
    /// then what each environment changes.
    ///
    /// ```
    /// let schema = flags_schema::Schema::parse("flags.toml", r#"
    /// [flags.beta]
    /// description = "Beta"
    /// owner = "web"
    /// expires = 2030-01-01
    /// default = false
    /// [[flags.beta.rules]]
    /// when = [{ attribute = "country", in = ["EE", "FI"] }]
    /// rollout = 25
    /// serve = true
    /// "#).unwrap();
    /// assert_eq!(
    ///     schema.flag("beta").unwrap().targeting_summary(),
    ///     ["1. `country` in [\"EE\", \"FI\"]: 25% get true", "otherwise: false"],
    /// );
    /// ```
    pub fn targeting_summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.pinned {
            lines.push(format!("pinned at compile time to {}", self.default.value));
            return lines;
        }
        for prerequisite in &self.requires {
            lines.push(format!(
                "requires `{}` = {}",
                prerequisite.flag.value, prerequisite.is.value
            ));
        }
        if let Some(window) = window_summary(&self.window) {
            lines.push(format!("active {window}"));
        }
        push_rules(&mut lines, "", &self.rules, &self.default.value);
        for env in &self.environments {
            let prefix = format!("in {}: ", env.name.value);
            match (&env.rules, &env.default) {
                (Some(rules), default) => push_rules(
                    &mut lines,
                    &prefix,
                    rules,
                    &default.as_ref().unwrap_or(&self.default).value,
                ),
                (None, Some(default)) => {
                    lines.push(format!("{prefix}otherwise: {}", default.value));
                }
                (None, None) => {}
            }
        }
        lines
    }
}

fn push_rules(lines: &mut Vec<String>, prefix: &str, rules: &[Rule], default: &Value) {
    for (index, rule) in rules.iter().enumerate() {
        lines.push(format!("{prefix}{}. {}", index + 1, rule.summary()));
    }
    lines.push(format!("{prefix}otherwise: {default}"));
}

impl Rule {
    /// The rule in one line: who matches, then what they get.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.users.is_empty() {
            parts.push(format!("users {}", list(self.users.iter())));
        }
        match self.segments.as_slice() {
            [] => {}
            [one] => parts.push(format!("segment `{}`", one.value)),
            many => parts.push(format!(
                "any of segments {}",
                many.iter()
                    .map(|segment| format!("`{}`", segment.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        parts.extend(self.when.iter().map(Condition::summary));
        let mut out = if parts.is_empty() {
            "everyone".to_owned()
        } else {
            parts.join(" and ")
        };
        if let Some(window) = window_summary(&self.window) {
            let _ = write!(out, ", {window}");
        }
        out.push_str(": ");
        out.push_str(&self.outcome_summary());
        out
    }

    fn outcome_summary(&self) -> String {
        let bucket = self
            .bucket_by
            .as_ref()
            .map(|attribute| format!(" by `{attribute}`"))
            .unwrap_or_default();
        match &self.outcome {
            Outcome::Serve(value) => value.value.to_string(),
            Outcome::Rollout { percent, serve } => {
                format!("{} get {}{bucket}", percent.value, serve.value)
            }
            Outcome::Split(arms) => format!(
                "split{bucket} {}",
                arms.value
                    .iter()
                    .map(|arm| format!("{} {}", arm.value, arm.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Condition {
    /// The condition in a few words, such as `` `country` in ["EE", "FI"] ``.
    pub fn summary(&self) -> String {
        let text = match &self.test {
            Test::Flag(prerequisite) => format!(
                "flag `{}` is {}",
                prerequisite.flag.value, prerequisite.is.value
            ),
            Test::Attribute {
                attribute,
                case_insensitive,
                operator,
            } => {
                let operand = match operator {
                    Operator::In(values) | Operator::NotIn(values) => list_values(values),
                    Operator::Eq(value) => value.to_string(),
                    Operator::StartsWith(text)
                    | Operator::EndsWith(text)
                    | Operator::Contains(text) => format!("{text:?}"),
                    Operator::Matches(regex) => format!("/{}/", regex.as_str()),
                    Operator::Lt(number)
                    | Operator::Le(number)
                    | Operator::Gt(number)
                    | Operator::Ge(number) => number.to_string(),
                    Operator::Before(instant) | Operator::After(instant) => instant.to_string(),
                    Operator::SemverEq(version)
                    | Operator::SemverLt(version)
                    | Operator::SemverLe(version)
                    | Operator::SemverGt(version)
                    | Operator::SemverGe(version) => version.to_string(),
                    Operator::Cidr(networks) => list(networks.iter()),
                    Operator::Within(fence) => {
                        format!("{} km of ({}, {})", fence.radius_km, fence.lat, fence.lon)
                    }
                };
                let verb = match operator {
                    Operator::In(_) => "in",
                    Operator::NotIn(_) => "not in",
                    Operator::Eq(_) => "=",
                    Operator::StartsWith(_) => "starts with",
                    Operator::EndsWith(_) => "ends with",
                    Operator::Contains(_) => "contains",
                    Operator::Matches(_) => "matches",
                    Operator::Lt(_) => "<",
                    Operator::Le(_) => "<=",
                    Operator::Gt(_) => ">",
                    Operator::Ge(_) => ">=",
                    Operator::Before(_) => "before",
                    Operator::After(_) => "after",
                    Operator::SemverEq(_) => "version =",
                    Operator::SemverLt(_) => "version <",
                    Operator::SemverLe(_) => "version <=",
                    Operator::SemverGt(_) => "version >",
                    Operator::SemverGe(_) => "version >=",
                    Operator::Cidr(_) => "in network",
                    Operator::Within(_) => "within",
                };
                let case = if *case_insensitive { " (any case)" } else { "" };
                format!("`{attribute}` {verb} {operand}{case}")
            }
        };
        if self.negate {
            format!("not ({text})")
        } else {
            text
        }
    }
}

fn window_summary(window: &Window) -> Option<String> {
    match (&window.from, &window.until) {
        (None, None) => None,
        (Some(from), None) => Some(format!("from {}", from.value)),
        (None, Some(until)) => Some(format!("until {}", until.value)),
        (Some(from), Some(until)) => Some(format!("from {} until {}", from.value, until.value)),
    }
}

fn list_values(values: &ListValues) -> String {
    match values {
        ListValues::Strings(items) => list(items.iter().map(|item| format!("{item:?}"))),
        ListValues::Ints(items) => list(items.iter()),
    }
}

fn list<T: ToString>(items: impl ExactSizeIterator<Item = T>) -> String {
    let total = items.len();
    let mut shown: Vec<String> = items
        .take(SHOWN_ITEMS)
        .map(|item| item.to_string())
        .collect();
    if total > SHOWN_ITEMS {
        shown.push(format!("and {} more", total - SHOWN_ITEMS));
    }
    format!("[{}]", shown.join(", "))
}
