//! `cargo flags list`: every flag, its state in every environment, and how much code uses it,
//! for the people who ship with us (support, operations, marketing, product).

use std::collections::HashMap;

use flags_schema::{Flag, Outcome, Percent, Schema, Targeting, Value};
use serde::Serialize;

use crate::check;
use crate::project::Project;

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The flag.
    pub name: String,
    /// `bool`, `int`, `float`, `string` or `variant`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who to ask.
    pub owner: String,
    /// `YYYY-MM-DD`, `permanent`, or `none` (a flag read with `--lenient` that lacks its date).
    pub expires: String,
    /// The state in each environment (`base` when none are declared): `on`, `off`, a value,
    /// `25%`, `split` or `targeted`.
    pub state: Vec<(String, String)>,
    /// The widest rollout of its rules, if any.
    pub rollout: Option<String>,
    /// How many places in the code use it.
    pub references: usize,
    /// The `flags.toml` it is declared in.
    pub file: String,
    /// What it does.
    pub description: String,
}

/// The rows of every `flags.toml` in the project.
pub fn rows(project: &Project) -> Vec<Row> {
    let mut rows = Vec::new();
    let mentions = project.mentions();
    for (group, mentions) in project
        .groups
        .iter()
        .zip(&mentions)
        .filter(|(group, _)| project.is_selected(group))
    {
        let mut references: HashMap<&str, usize> = HashMap::new();
        for (_, found) in mentions {
            let certain = project.certain(found);
            let mention = certain.as_ref().unwrap_or(&found.mention);
            if let check::Resolved::Flag(flag) = check::resolve(&group.schema, mention) {
                *references.entry(flag).or_default() += 1;
            }
        }
        for flag in &group.schema.flags {
            rows.push(Row {
                name: flag.name.clone(),
                kind: flag.kind.short_name().to_owned(),
                owner: flag.owner.clone(),
                expires: match (&flag.expires, flag.permanent) {
                    (Some(expires), _) => expires.value.to_string(),
                    (None, true) => "permanent".to_owned(),
                    // Only `--lenient` reads a flag that has neither.
                    (None, false) => "none".to_owned(),
                },
                state: states(&group.schema, flag),
                rollout: widest_rollout(flag),
                references: references.get(flag.name.as_str()).copied().unwrap_or(0),
                file: group.display.clone(),
                description: flag.description.clone(),
            });
        }
    }
    rows
}

fn states(schema: &Schema, flag: &Flag) -> Vec<(String, String)> {
    if schema.environments.is_empty() {
        return vec![("base".to_owned(), state(flag, flag.targeting(None)))];
    }
    schema
        .environments
        .iter()
        .map(|env| {
            (
                env.value.clone(),
                state(flag, flag.targeting(Some(&env.value))),
            )
        })
        .collect()
}

/// A word or two for the state of a flag in one environment.
fn state(flag: &Flag, targeting: Targeting<'_>) -> String {
    if flag.pinned {
        return format!("pinned {}", short(&flag.default.value));
    }
    if let Some(value) = check::uniform(flag, targeting) {
        return short(&value);
    }
    if !flag.window.is_always() {
        return "scheduled".to_owned();
    }
    // Its rules decide only when its prerequisites hold.
    if !flag.requires.is_empty() {
        let names: Vec<String> = flag
            .requires
            .iter()
            .map(|prerequisite| match &prerequisite.is.value {
                Value::Bool(true) => prerequisite.flag.value.clone(),
                other => format!("{} = {}", prerequisite.flag.value, short(other)),
            })
            .collect();
        return format!("requires {}", names.join(" and "));
    }
    match targeting.rules {
        [rule] if rule.matches_everyone() => match &rule.outcome {
            Outcome::Serve(value) => short(&value.value),
            Outcome::Rollout { percent, serve } => {
                format!("{} {}", percent.value, short(&serve.value))
            }
            Outcome::Split(_) => "split".to_owned(),
        },
        _ => "targeted".to_owned(),
    }
}

fn short(value: &Value) -> String {
    match value {
        Value::Bool(true) => "on".to_owned(),
        Value::Bool(false) => "off".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn widest_rollout(flag: &Flag) -> Option<String> {
    let mut widest: Option<Percent> = None;
    let mut split = false;
    for (_, rule) in flag.all_rules() {
        match &rule.outcome {
            Outcome::Rollout { percent, .. } => {
                widest = Some(widest.map_or(percent.value, |w| w.max(percent.value)));
            }
            Outcome::Split(_) => split = true,
            Outcome::Serve(_) => {}
        }
    }
    match (widest, split) {
        (Some(percent), _) => Some(percent.to_string()),
        (None, true) => Some("split".to_owned()),
        (None, false) => None,
    }
}

/// An output format of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned table.
    Human,
    /// A JSON array.
    Json,
    /// A Markdown table, for wikis and release notes.
    Markdown,
}

const HEADERS: [&str; 7] = [
    "flag", "type", "owner", "expires", "state", "rollout", "refs",
];

/// Renders the rows.
pub fn render(format: Format, rows: &[Row]) -> String {
    match format {
        Format::Json => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    serde_json::json!({
                        "name": row.name,
                        "type": row.kind,
                        "owner": row.owner,
                        "expires": row.expires,
                        "state": row
                            .state
                            .iter()
                            .map(|(environment, state)| (environment.clone(), serde_json::json!(state)))
                            .collect::<serde_json::Map<_, _>>(),
                        "rollout": row.rollout,
                        "references": row.references,
                        "file": row.file,
                        "description": row.description,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".to_owned())
            )
        }
        Format::Human => table(rows, false),
        Format::Markdown => table(rows, true),
    }
}

fn cells(row: &Row) -> [String; 7] {
    let state = row
        .state
        .iter()
        .map(|(env, state)| {
            if env == "base" {
                state.clone()
            } else {
                format!("{env}: {state}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    [
        row.name.clone(),
        row.kind.clone(),
        row.owner.clone(),
        row.expires.clone(),
        state,
        row.rollout.clone().unwrap_or_else(|| "-".to_owned()),
        row.references.to_string(),
    ]
}

fn table(rows: &[Row], markdown: bool) -> String {
    // A cell is one line, and in Markdown shows its text as written: no `|` ends it, and no
    // `*`, `_`, `<`, backtick... formats it.
    let clean = |cell: String| -> String {
        let mut clean = String::with_capacity(cell.len());
        let chars: Vec<char> = cell.chars().collect();
        for (at, &c) in chars.iter().enumerate() {
            // Inside a word (`new_search`), `_` emphasises nothing.
            let inside_word = |at: usize| {
                at > 0
                    && chars[at - 1].is_alphanumeric()
                    && chars.get(at + 1).is_some_and(|next| next.is_alphanumeric())
            };
            match c {
                c if c.is_control() => clean.push(' '),
                '_' if markdown && !inside_word(at) => {
                    clean.push('\\');
                    clean.push(c);
                }
                '\\' | '|' | '`' | '*' | '[' | ']' | '<' | '>' | '~' | '#' | '&' if markdown => {
                    clean.push('\\');
                    clean.push(c);
                }
                c => clean.push(c),
            }
        }
        clean
    };
    let cells: Vec<[String; 7]> = rows.iter().map(|row| cells(row).map(clean)).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String]| -> String {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        if markdown {
            format!("| {} |\n", padded.join(" | "))
        } else {
            format!("{}\n", padded.join("  ").trim_end())
        }
    };
    let headers: Vec<String> = HEADERS.iter().map(|header| (*header).to_owned()).collect();
    let mut out = line(&headers);
    if markdown {
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
    }
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markdown shows every cell as written: nothing in it formats, links or ends the cell.
    #[test]
    fn markdown_cells_show_their_text_as_written() {
        let row = Row {
            name: "new_search".to_owned(),
            kind: "string".to_owned(),
            owner: "<ops> *core* _x_ a|b c\\|d `e` [f](g) ~~h~~".to_owned(),
            expires: "permanent".to_owned(),
            state: vec![("base".to_owned(), "a\nb".to_owned())],
            rollout: None,
            references: 0,
            file: "flags.toml".to_owned(),
            description: String::new(),
        };
        let rendered = render(Format::Markdown, &[row]);
        let body = rendered.lines().nth(2).unwrap();
        assert_eq!(
            body,
            "| new_search | string | \\<ops\\> \\*core\\* \\_x\\_ a\\|b c\\\\\\|d \\`e\\` \
             \\[f\\](g) \\~\\~h\\~\\~ | permanent | a b   | -       | 0    |"
        );
    }
}
