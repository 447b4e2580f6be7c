//! From TOML text to the model: every key and value is checked where it is written, and
//! every problem is collected, so one run shows them all.
//!
//! References between items (segments, environments, prerequisites) are checked afterwards,
//! in `validate`, once everything is read.

use std::fmt;
use std::ops::Range;

use bumpalo::Bump;
use foldhash::{HashMap, HashSet};
use ipnet::IpNet;
use regex::RegexBuilder;
use semver::Version;
use toml_datetime::Offset;

use crate::datetime::{Date, Timestamp};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::*;
use crate::names;
use crate::tree::{self, SyntaxError, Table};

type TomlValue<'i> = tree::Item<tree::Value<'i>>;
type TomlKey<'i> = tree::Key<'i>;

/// The code of errors about missing metadata (owner, description, expiry), which lenient
/// readers accept.
pub(crate) const INCOMPLETE: &str = "incomplete";

const ROOT_KEYS: &[&str] = &["environments", "segments", "flags"];

/// How large one `matches` pattern may compile (the `regex` crate allows 10 MiB): every
/// compile of the crate and every reload builds them all.
const REGEX_SIZE_LIMIT: usize = 512 * 1024;
const SEGMENT_KEYS: &[&str] = &["description", "users", "exclude", "when"];
const FLAG_KEYS: &[&str] = &[
    "description",
    "owner",
    "expires",
    "permanent",
    "pinned",
    "default",
    "variants",
    "requires",
    "from",
    "until",
    "salt",
    "rules",
    "environments",
];
const ENVIRONMENT_KEYS: &[&str] = &["default", "rules"];
const RULE_KEYS: &[&str] = &[
    "description",
    "users",
    "segment",
    "when",
    "from",
    "until",
    "serve",
    "rollout",
    "split",
    "bucket_by",
];
const OPERATORS: &[&str] = &[
    "in",
    "not_in",
    "eq",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
    "lt",
    "le",
    "gt",
    "ge",
    "before",
    "after",
    "semver_eq",
    "semver_lt",
    "semver_le",
    "semver_gt",
    "semver_ge",
    "cidr",
    "within",
];
/// The keys of an attribute condition besides its operator.
const CONDITION_KEYS: &[&str] = &["attribute", "negate", "case_insensitive", "flag"];
const STRING_OPERATORS: &[&str] = &[
    "in",
    "not_in",
    "eq",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
];

/// What reading a file found.
pub(crate) struct Parsed {
    /// Valid only when `errors` is empty; otherwise the parts that could be read, with
    /// placeholders, so that references can still be checked and every error reported at once.
    pub(crate) schema: Schema,
    pub(crate) errors: Vec<Diagnostic>,
    /// The TOML itself is malformed: nothing else is checked.
    pub(crate) syntax_failed: bool,
    pub(crate) damaged: Damaged,
}

/// Names whose declarations had errors, already reported: the checks that refer to them stay
/// quiet rather than add errors that the first one explains.
#[derive(Default)]
pub(crate) struct Damaged {
    /// Flags whose type could not be inferred: values compared with them are not checked.
    pub(crate) untyped_flags: HashSet<String>,
    /// Flags whose kind could not be read (neither `variants` nor a readable `default`): in
    /// the schema they are placeholder boolean flags.
    pub(crate) kindless_flags: HashSet<String>,
    /// Flags and segments that could not be read at all (not a table, say): not in the
    /// schema, yet not unknown either.
    pub(crate) unreadable_flags: HashSet<String>,
    pub(crate) unreadable_segments: HashSet<String>,
    /// The top-level `environments` or `segments` could not be read: no name is unknown.
    pub(crate) unreadable_environments: bool,
    pub(crate) unreadable_segment_table: bool,
    /// The numbers, as written, of rules read after a rule of the same list that could not
    /// be: the schema's list skips that one, so a rule's position there is not its number.
    pub(crate) rule_numbers: HashMap<Span, usize>,
}

impl Damaged {
    /// The number, counted from 1 as the file writes it, of the rule at `index` of its list.
    pub(crate) fn rule_number(&self, rule: &Rule, index: usize) -> usize {
        self.rule_numbers
            .get(&rule.span)
            .copied()
            .unwrap_or(index + 1)
    }
}

pub(crate) fn parse(text: &str) -> Parsed {
    if let Some(error) = too_long(text.len()) {
        return Parsed {
            schema: Schema::default(),
            errors: vec![error],
            syntax_failed: true,
            damaged: Damaged::default(),
        };
    }
    let bump = Bump::new();
    let (root, syntax_errors) = tree::parse(text, &bump);
    if !syntax_errors.is_empty() {
        return Parsed {
            schema: Schema::default(),
            errors: syntax_errors_of(text, &syntax_errors),
            syntax_failed: true,
            damaged: Damaged::default(),
        };
    }
    let mut reader = Reader::default();
    let schema = reader.document(root);
    Parsed {
        schema,
        errors: reader.errors,
        syntax_failed: false,
        damaged: reader.damaged,
    }
}

/// The error for a file of `length` bytes, if the tree, which keeps 32-bit offsets, cannot
/// hold it.
fn too_long(length: usize) -> Option<Diagnostic> {
    u32::try_from(length).is_err().then(|| {
        Diagnostic::error(
            0..0,
            format!("the file is {length} bytes long; files of 4 GiB or more are not read"),
        )
    })
}

/// A header line without the comment after it: up to its closing bracket (or brackets),
/// skipping brackets inside quoted keys (`["a]b"]`).
fn header_of(line: &str) -> &str {
    let closing = if line.starts_with("[[") { "]]" } else { "]" };
    let mut quote = None;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(open), c) if c == open && !escaped => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, ']') if line[at..].starts_with(closing) => return &line[..at + closing.len()],
            _ => {}
        }
        escaped = false;
    }
    line
}

/// How a table's name was first given a value, when not by a header.
enum Written {
    InlineTable,
    Array,
    DottedKeys,
    /// A string, a number...
    Value,
}

/// Whether a line (trimmed) is a table's header: `[a.b]` or `[[a.b]]` and at most a comment
/// after, not an array of inline tables or arrays written on its own line.
fn is_header_line(line: &str) -> bool {
    let header = header_of(line);
    let rest = line.get(header.len()..).unwrap_or("").trim_start();
    let inside = header.trim_start_matches('[').trim_end_matches(']').trim();
    line.starts_with('[')
        && (rest.is_empty() || rest.starts_with('#'))
        && !inside.is_empty()
        && is_key_path(inside)
}

/// Whether `text` is a dotted key (`flags.beta`, `a."b c".d`): bare keys and quoted ones,
/// dots and spaces; an array's items have commas, braces or other values.
fn is_key_path(text: &str) -> bool {
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(open), c) if c == open && !escaped => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '\t') => {
            }
            (None, _) => return false,
        }
        escaped = false;
    }
    quote.is_none()
}

/// The table a header line names, without brackets, spaces or quotes.
fn header_path(line: &str) -> String {
    header_of(line)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '[' | ']' | '"' | '\''))
        .collect()
}

/// Whether two header lines name the same table, however bracketed and spaced.
fn same_path(first: &str, second: &str) -> bool {
    header_path(first) == header_path(second)
}

/// How the key or value at `earlier` defines its name: by the text that follows the key (`=`
/// or `.`), or, for the value of an array of tables, by the value's first character.
fn written_as(text: &str, earlier: &Range<usize>) -> Written {
    let value = |value: &str| match value.trim_start().chars().next() {
        Some('{') => Written::InlineTable,
        Some('[') => Written::Array,
        _ => Written::Value,
    };
    let at = |offset: usize| text.get(offset..).unwrap_or("");
    let after = at(earlier.end).trim_start_matches([' ', '\t']);
    if let Some(assigned) = after.strip_prefix('=') {
        value(assigned)
    } else if after.starts_with('.') {
        Written::DottedKeys
    } else {
        value(at(earlier.start))
    }
}

/// The help for a header below a key written whole (an inline table, an array, dotted keys).
const WHOLE: &str = "a key written whole takes no more keys: write it under headers of its own, \
                     or move these keys into it";

/// TOML's errors, reworded; a table declared twice is one error, not one per key it repeats.
fn syntax_errors_of(text: &str, errors: &[SyntaxError]) -> Vec<Diagnostic> {
    let bytes = text.as_bytes();
    let line_of = |offset: usize| {
        bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count()
    };
    // A byte order mark is no part of the first line's text.
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .collect();
    let mut duplicated_tables = Vec::new();
    let mut diagnostics = Vec::new();
    // A string left open before `\r\n` is reported at the `\r` and again at the `\n`: one
    // error, at the line's end as with `\n` alone.
    let at_line_end =
        |start: usize| bytes.get(start) == Some(&b'\n') && start > 0 && bytes[start - 1] == b'\r';
    let reported_at = |start: usize| {
        errors
            .iter()
            .any(|error| error.span.as_ref().is_some_and(|span| span.start == start))
    };
    for error in errors {
        let mut span = error.span.clone().unwrap_or(0..0);
        if bytes.get(span.start) == Some(&b'\r') && at_line_end(span.start + 1) {
            if reported_at(span.start + 1) {
                continue;
            }
        } else if at_line_end(span.start) && reported_at(span.start - 1) {
            span = span.start - 1..span.start;
        }
        // `[a.b.c]` below a `b` written whole (`b = { .. }`, `b = "x"`): toml speaks of
        // dotted keys, where the user wrote a header.
        let header_line = lines
            .get(line_of(span.start))
            .map(|line| line.trim())
            .filter(|line| is_header_line(line));
        if let (Some(header_line), Some(earlier)) = (header_line, &error.earlier)
            && error.message.starts_with("cannot extend value of type")
        {
            let header = header_of(header_line);
            let key = text.get(span.clone()).unwrap_or("");
            let line = line_of(earlier.start) + 1;
            let (written, help) = match written_as(text, earlier) {
                Written::Value => (
                    "as a value",
                    "a key holds one value: rename the table, or remove that key",
                ),
                Written::InlineTable => ("as an inline table", WHOLE),
                Written::Array => ("as an array", WHOLE),
                Written::DottedKeys => ("with dotted keys", WHOLE),
            };
            diagnostics.push(
                Diagnostic::error(
                    span,
                    format!(
                        "table `{header}` goes inside `{key}`, written {written} on line {line}"
                    ),
                )
                .with_help(help),
            );
            continue;
        }
        if error.message != "duplicate key" {
            let message = match error.message.as_str() {
                "recursion limit" => format!(
                    "a dotted key of more than {} parts is not read",
                    tree::NESTING_LIMIT
                ),
                "cannot recurse further; max recursion depth met" => format!(
                    "arrays and inline tables nested more than {} deep are not read",
                    tree::NESTING_LIMIT
                ),
                message => format!("invalid TOML: {message}"),
            };
            let open_string = match error.message.as_str() {
                "invalid basic string, expected `\"`" => Some(("\"", "\"\"\"")),
                "invalid literal string, expected `'`" => Some(("'", "'''")),
                _ => None,
            };
            let diagnostic = match open_string {
                Some((quote, multiline)) => Diagnostic::error(
                    span,
                    "invalid TOML: this string is not closed before the end of its line",
                )
                .with_help(format!(
                    "close it with `{quote}`; text over several lines goes between `{multiline}`"
                )),
                None => Diagnostic::error(span, message),
            };
            diagnostics.push(diagnostic);
            continue;
        }
        let line = line_of(span.start);
        let line_text = lines.get(line).map_or("", |text| text.trim());
        if is_header_line(line_text) {
            let header = header_of(line_text);
            duplicated_tables.push(line);
            let is_array = |header: &str| header.starts_with("[[");
            let mut array_header = None;
            let mut header_below = None;
            let earlier = error.earlier.as_ref().map(|earlier| {
                let line = line_of(earlier.start);
                let earlier_text = lines.get(line).map_or("", |text| text.trim_start());
                let is_header = is_header_line(earlier_text.trim_end());
                if is_header
                    && is_array(earlier_text) != is_array(line_text)
                    && same_path(earlier_text, line_text)
                {
                    array_header = Some(if is_array(line_text) {
                        line_text
                    } else {
                        earlier_text
                    });
                } else if is_header
                    && is_array(line_text)
                    && header_path(earlier_text)
                        .starts_with(&format!("{}.", header_path(line_text)))
                {
                    header_below = Some(header_of(earlier_text));
                }
                (line + 1, (!is_header).then(|| written_as(text, earlier)))
            });
            // `[[x.rules]]` then `[x.rules]` (or the other way round): a bracket missing, not
            // two tables to merge, which would join two rules into one.
            let array_help;
            let (message, help) = match (earlier, array_header, header_below) {
                // `[x.rules.first]` before any `[[x.rules]]`: it made `x.rules` a table.
                (Some((line, None)), None, Some(below)) => {
                    array_help = format!(
                        "write the array's items first: a header below it, such as `{below}`, \
                         then belongs to the item before it"
                    );
                    (
                        format!(
                            "`{header}` adds an item to an array, but `{below}` on line {line} \
                             made it a table"
                        ),
                        array_help.as_str(),
                    )
                }
                (Some((line, None)), Some(array), _) => {
                    let array = header_of(array);
                    if is_array(line_text) {
                        array_help = format!(
                            "write that header `{array}` too: each item of an array of tables \
                             has its own header, with two brackets"
                        );
                        (
                            format!(
                                "`{header}` adds an item to an array, but line {line} made it \
                                 a table"
                            ),
                            array_help.as_str(),
                        )
                    } else {
                        array_help = format!(
                            "write this header `{array}`: each item of an array of tables has \
                             its own header, with two brackets"
                        );
                        (
                            format!(
                                "table `{header}` is already an array of tables on line {line}"
                            ),
                            array_help.as_str(),
                        )
                    }
                }
                (earlier, ..) => match earlier {
                    Some((line, Some(Written::InlineTable))) => (
                        format!(
                            "table `{header}` is already written as an inline table on line {line}"
                        ),
                        "an inline table is whole where it is written: move these keys into it, or \
                     replace it with this header",
                    ),
                    Some((line, Some(Written::Array))) => (
                        format!("table `{header}` is already written as an array on line {line}"),
                        "write the list one way: every item in that array, or each under its own \
                     `[[...]]` header",
                    ),
                    Some((line, Some(Written::DottedKeys))) => (
                        format!(
                            "table `{header}` is already written with dotted keys on line {line}"
                        ),
                        "write the table one way: under this header, or with dotted keys in its parent",
                    ),
                    Some((line, Some(Written::Value))) => (
                        format!("table `{header}` is already given a value on line {line}"),
                        "a key holds one value: rename the table, or remove that key",
                    ),
                    Some((_, None)) | None => (
                        format!("table `{header}` is declared twice"),
                        "each table may appear once: merge the two",
                    ),
                },
            };
            let diagnostic = Diagnostic::error(span, message).with_help(help);
            diagnostics.push(diagnostic);
            continue;
        }
        let table = (0..line)
            .rev()
            .find(|&index| is_header_line(lines[index].trim()));
        if table.is_some_and(|table| duplicated_tables.contains(&table)) {
            continue;
        }
        let key = text.get(span.clone()).unwrap_or("").trim();
        diagnostics.push(
            Diagnostic::error(span, format!("key `{key}` is declared twice in this table"))
                .with_help("remove one of them"),
        );
    }
    diagnostics
}

#[derive(Default)]
struct Reader {
    errors: Vec<Diagnostic>,
    damaged: Damaged,
    /// Whether the top level has `environments`.
    environments_declared: bool,
}

/// "an item of `segment`" in the context of a list: `flag `a`, rule 1: `segment`` reads
/// `flag `a`, rule 1: an item of `segment``. Written out only for a message.
struct ItemOf<'a>(&'a dyn fmt::Display);

impl fmt::Display for ItemOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.0.to_string();
        match what.rsplit_once(": ") {
            Some((context, list)) => write!(f, "{context}: an item of {list}"),
            None => write!(f, "an item of {what}"),
        }
    }
}

/// What the values of the flag being read must be; `None` when its default is unusable, so
/// that the rest of the flag is still checked without a cascade of type errors.
struct FlagContext<'a> {
    name: &'a str,
    kind: Option<&'a FlagKind>,
}

impl Reader {
    fn error(&mut self, span: impl Into<Span>, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    fn document(&mut self, root: &Table<'_>) -> Schema {
        self.check_keys(root, ROOT_KEYS, &"the top level of flags.toml");
        self.misspelt_root_keys(root);
        let mut schema = Schema::default();
        self.environments_declared = root.get("environments").is_some();
        if let Some(value) = root.get("environments") {
            self.damaged.unreadable_environments =
                !matches!(value.get_ref(), tree::Value::Array(_));
            schema.environments = self.environments(value);
        }
        if let Some(value) = root.get("segments") {
            self.damaged.unreadable_segment_table =
                !matches!(value.get_ref(), tree::Value::Table(_));
        }
        if let Some(value) = root.get("segments")
            && let Some(table) = self.table(value, &"`segments`")
        {
            for (key, value) in table.iter() {
                match self.segment(key, value) {
                    Some(segment) => schema.segments.push(segment),
                    None => {
                        let name = (*key.get_ref()).to_owned();
                        self.damaged.unreadable_segments.insert(name);
                    }
                }
            }
        }
        if let Some(value) = root.get("flags")
            && let Some(table) = self.table(value, &"`flags`")
        {
            for (key, value) in table.iter() {
                match self.flag(key, value) {
                    Some(flag) => schema.flags.push(flag),
                    None => {
                        let name = (*key.get_ref()).to_owned();
                        self.damaged.unreadable_flags.insert(name);
                    }
                }
            }
        }
        schema
    }

    /// A misspelt `[segment.beta]`, `[flag.beta]` or `environment = [...]` is one error
    /// (the unknown key), not one more at every use of what it declares.
    fn misspelt_root_keys(&mut self, root: &Table<'_>) {
        for (key, value) in root.iter() {
            let name = *key.get_ref();
            if ROOT_KEYS.contains(&name) {
                continue;
            }
            let Some(meant) = names::suggest(name, ROOT_KEYS.iter().copied()) else {
                continue;
            };
            let declared = || match value.get_ref() {
                tree::Value::Table(table) => table
                    .iter()
                    .map(|(key, _)| (*key.get_ref()).to_owned())
                    .collect(),
                _ => Vec::new(),
            };
            match meant {
                // Only if there is no list to check against.
                "environments" if root.get(meant).is_some() => {}
                "environments" => self.damaged.unreadable_environments = true,
                "segments" => self.damaged.unreadable_segments.extend(declared()),
                _ => self.damaged.unreadable_flags.extend(declared()),
            }
        }
    }

    fn environments(&mut self, value: &TomlValue<'_>) -> Vec<Spanned<String>> {
        // The names that are strings, even if others are not: flags' overlays on them are
        // then not reported as unknown.
        let what = "`environments`";
        let items = self.array(value, &what).unwrap_or_default();
        if items.is_empty() && matches!(value.get_ref(), tree::Value::Array(_)) {
            // The flags' environment sections then name no declared environment: one error.
            self.damaged.unreadable_environments = true;
            self.push(
                Diagnostic::error(value.span(), "`environments` is empty")
                    .with_help("list the environments that flags set values for"),
            );
        }
        let names: Vec<Spanned<String>> = items
            .iter()
            .filter_map(|item| self.string(item, &ItemOf(&what)))
            .collect();
        let mut unique: Vec<Spanned<String>> = Vec::new();
        let mut seen: HashSet<String> = HashSet::default();
        for name in names {
            if name.value.is_empty() {
                self.error(name.span, "an environment name cannot be empty");
            } else if !seen.insert(name.value.clone()) {
                self.error(
                    name.span,
                    format!("environment `{}` is declared twice", name.value),
                );
            } else {
                unique.push(name);
            }
        }
        unique
    }

    fn segment(&mut self, key: &TomlKey<'_>, value: &TomlValue<'_>) -> Option<Segment> {
        let name = *key.get_ref();
        let context = format_args!("segment `{name}`");
        let table = self.table(value, &context)?;
        self.check_keys(table, SEGMENT_KEYS, &context);
        let description = self.optional_string(table, "description", &context);
        let users = self.string_list(table, "users", &context);
        let exclude = self.string_list(table, "exclude", &context);
        let when = self.conditions(table, &context);
        // A `users` or `when` that is there but unreadable has its own error already.
        if table.get("users").is_none() && table.get("when").is_none() {
            self.push(
                Diagnostic::error(key.span(), format!("{context} has no members"))
                    .with_help("list keys with `users = [...]`, or conditions with `when = [...]`"),
            );
        }
        Some(Segment {
            name: name.to_owned(),
            span: key.span().into(),
            description: description.map(|text| text.value),
            users,
            exclude,
            when,
        })
    }

    fn flag(&mut self, key: &TomlKey<'_>, value: &TomlValue<'_>) -> Option<Flag> {
        let name = *key.get_ref();
        let name_span = Span::from(key.span());
        let context = format_args!("flag `{name}`");
        self.check_flag_name(name, name_span);
        let table = self.table(value, &context)?;
        self.check_keys(table, FLAG_KEYS, &context);

        let description = self.required_text(
            table,
            "description",
            name_span,
            &context,
            "say what changes for users: `description = \"...\"`",
        );
        let owner = self.required_text(
            table,
            "owner",
            name_span,
            &context,
            "name the team or person to ask: `owner = \"growth-team\"`",
        );
        let permanent = self.optional_bool(table, "permanent", &context);
        let pinned = self.optional_bool(table, "pinned", &context);
        let expires = table
            .get("expires")
            .and_then(|value| self.date(value, &format_args!("{context}: `expires`"), "expires"));
        // A `permanent` that is there but not a boolean has its own error already.
        let permanent_read = table
            .get("permanent")
            .is_none_or(|value| matches!(value.get_ref(), tree::Value::Boolean(_)));
        match (&expires, permanent) {
            (None, false) if table.get("expires").is_none() && permanent_read => self.push(
                Diagnostic::error(name_span, format!("{context} has no `expires` date"))
                    .with_help(
                        "add `expires = YYYY-MM-DD` (the day it becomes stale), or \
                         `permanent = true` for an operational flag",
                    )
                    .with_code(INCOMPLETE),
            ),
            (Some(expires), true) => self.push(
                Diagnostic::error(
                    expires.span,
                    format!("{context} is permanent but has an `expires` date"),
                )
                .with_help("a permanent flag never expires: remove `expires` or `permanent`"),
            ),
            _ => {}
        }

        let kind = self.flag_kind(table, name_span, &context);
        let default = match (table.get("default"), &kind) {
            // Reported with the kind: a variant flag's default must be a string.
            (Some(value), Some(FlagKind::Variants(_)))
                if !matches!(value.get_ref(), tree::Value::String(_)) =>
            {
                None
            }
            (Some(value), Some(_)) => {
                let flag = FlagContext {
                    name,
                    kind: kind.as_ref(),
                };
                self.flag_value(value, &flag, &context, &"`default`")
            }
            _ => None,
        };
        let flag = FlagContext {
            name,
            kind: kind.as_ref(),
        };
        let requires = table
            .get("requires")
            .map(|value| self.requires(value, &context))
            .unwrap_or_default();
        let window = self.window(table, &context);
        let salt = self
            .optional_string(table, "salt", &context)
            .map(|salt| salt.value);
        let rules = table
            .get("rules")
            .map(|value| self.rules(value, &flag, None))
            .unwrap_or_default();
        let environments = table
            .get("environments")
            .map(|value| self.flag_environments(value, &flag))
            .unwrap_or_default();

        if kind.is_none() {
            self.damaged.kindless_flags.insert(name.to_owned());
        }
        if kind.is_none() || default.is_none() {
            self.damaged.untyped_flags.insert(name.to_owned());
        }
        // Placeholders stand in for what could not be read; they are never seen, because
        // the file is rejected with the errors already reported.
        Some(Flag {
            name: name.to_owned(),
            span: name_span,
            description: description.unwrap_or_default(),
            owner: owner.unwrap_or_default(),
            expires,
            permanent,
            pinned,
            kind: kind.unwrap_or(FlagKind::Bool),
            default: default.unwrap_or_else(|| Spanned::new(Value::Bool(false), name_span)),
            requires,
            window,
            salt,
            rules,
            environments,
        })
    }

    fn check_flag_name(&mut self, name: &str, span: Span) {
        if !names::is_snake_case(name) {
            let snake = names::to_snake_case(name);
            let usable = names::is_snake_case(&snake) && !names::is_keyword(&snake);
            let help = if usable && names::RESERVED.contains(&snake.as_str()) {
                format!("its snake_case form, `{snake}`, is reserved: choose another name")
            } else if usable {
                format!("write it in snake_case: `{snake}`")
            } else {
                "use lowercase letters, digits and single underscores, starting with a letter"
                    .to_owned()
            };
            self.push(
                Diagnostic::error(
                    span,
                    format!("flag name `{name}` is not a snake_case Rust identifier"),
                )
                .with_help(help),
            );
        } else if names::is_keyword(name) {
            self.push(
                Diagnostic::error(span, format!("flag name `{name}` is a Rust keyword")).with_help(
                    format!(
                        "the generated `flags::{name}()` would not compile; choose another name"
                    ),
                ),
            );
        } else if names::RESERVED.contains(&name) {
            self.push(
                Diagnostic::error(span, format!("flag name `{name}` is reserved")).with_help(
                    format!(
                        "`flags::{name}()` is generated for every flags.toml; choose another name"
                    ),
                ),
            );
        }
    }

    /// The kind follows from `default`, and from `variants` when present.
    fn flag_kind(
        &mut self,
        table: &Table<'_>,
        name_span: Span,
        context: &dyn fmt::Display,
    ) -> Option<FlagKind> {
        let variants = table
            .get("variants")
            .map(|value| self.variants(value, context));
        let Some(default) = table.get("default") else {
            let help = match &variants {
                Some(Some(variants)) => format!(
                    "the default is served when no rule matches: one of the variants, \
                     `default = \"{}\"`",
                    variants
                        .first()
                        .map_or("", |variant| variant.value.as_str())
                ),
                _ => "the default is served when no rule matches, and its type is the \
                      flag's type: `default = false`"
                    .to_owned(),
            };
            self.push(
                Diagnostic::error(name_span, format!("{context} has no `default`")).with_help(help),
            );
            // The variants still give the type, for the checks of the rest and for the
            // macros, which define the enum beside this error.
            return variants.flatten().map(FlagKind::Variants);
        };
        match (default.get_ref(), variants) {
            (_, Some(None)) => None,
            (tree::Value::String(_), Some(Some(variants))) => Some(FlagKind::Variants(variants)),
            (_, Some(Some(variants))) => {
                self.push(
                    Diagnostic::error(
                        default.span(),
                        format!(
                            "{context}: the default of a variant flag must be one of its \
                             variants, found {}",
                            describe(default.get_ref())
                        ),
                    )
                    .with_help("write the variant's name as a string: `default = \"classic\"`"),
                );
                Some(FlagKind::Variants(variants))
            }
            (tree::Value::Boolean(_), None) => Some(FlagKind::Bool),
            (tree::Value::Integer(_), None) => Some(FlagKind::Int),
            (tree::Value::Float(_), None) => Some(FlagKind::Float),
            (tree::Value::String(_), None) => Some(FlagKind::String),
            (other, None) => {
                self.push(
                    Diagnostic::error(
                        default.span(),
                        format!(
                            "{context}: a default must be a boolean, integer, float or string, \
                             found {}",
                            describe(other)
                        ),
                    )
                    .with_help("the type of `default` is the type of the flag"),
                );
                None
            }
        }
    }

    fn variants(
        &mut self,
        value: &TomlValue<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Vec<Spanned<String>>> {
        let (variants, all_strings) =
            self.strings(value, &format_args!("`variants` of {context}"))?;
        if variants.is_empty() && all_strings {
            self.error(
                value.span(),
                format!("{context}: `variants` is empty; a variant flag needs at least one"),
            );
            return None;
        }
        if let Some(beyond) = variants.get(crate::MAX_VARIANTS) {
            self.error(
                beyond.span,
                format!(
                    "{context}: {} variants, more than the {} a flag may have",
                    variants.len(),
                    crate::MAX_VARIANTS
                ),
            );
            return None;
        }
        let mut ok = true;
        let camel: Vec<String> = variants
            .iter()
            .map(|variant| names::upper_camel(&variant.value))
            .collect();
        // The first variant of each enum name, by a map: a scan of the earlier ones would
        // take quadratic time in the number of variants.
        let mut first_named: HashMap<&str, usize> =
            HashMap::with_capacity_and_hasher(camel.len(), Default::default());
        for (index, variant) in variants.iter().enumerate() {
            let first = *first_named.entry(camel[index].as_str()).or_insert(index);
            if names::is_keyword(&variant.value) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        variant.span,
                        format!("{context}: variant `{}` is a Rust keyword", variant.value),
                    )
                    .with_help(
                        "`#[feature_flag(flag = variant)]` names variants as identifiers; choose \
                         another name",
                    ),
                );
            } else if !names::is_snake_case(&variant.value) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        variant.span,
                        format!(
                            "{context}: variant `{}` is not a snake_case identifier",
                            variant.value
                        ),
                    )
                    .with_help(
                        "variants become enum variants (`one_page` becomes `OnePage`): use \
                         lowercase letters, digits and single underscores",
                    ),
                );
            } else if let Some(first) = (first != index).then(|| &variants[first]) {
                ok = false;
                let message = if first.value == variant.value {
                    format!("{context}: variant `{}` is declared twice", variant.value)
                } else {
                    format!(
                        "{context}: variants `{}` and `{}` both become `{}`",
                        first.value, variant.value, camel[index]
                    )
                };
                self.error(variant.span, message);
            }
        }
        (ok && all_strings).then_some(variants)
    }

    /// A value of the flag being read, checked against its kind; `context` says where it is
    /// (the flag, an environment of it, a rule).
    fn flag_value(
        &mut self,
        value: &TomlValue<'_>,
        flag: &FlagContext<'_>,
        context: &dyn fmt::Display,
        what: &dyn fmt::Display,
    ) -> Option<Spanned<Value>> {
        let scalar = self.scalar(value, &format_args!("{context}: {what}"))?;
        let kind = flag.kind?;
        if kind.accepts(&scalar.value) {
            return Some(scalar);
        }
        match (kind, &scalar.value) {
            (FlagKind::Variants(variants), Value::String(name)) => {
                let known = variants.iter().map(|variant| variant.value.as_str());
                let help = match names::suggest(name, known.clone()) {
                    Some(similar) => format!("a variant with a similar name exists: `{similar}`"),
                    None => format!("the variants are {}", names::list(known)),
                };
                self.push(
                    Diagnostic::error(
                        scalar.span,
                        format!("{context}: `{name}` is not a variant of the flag"),
                    )
                    .with_help(help),
                );
            }
            (kind, found) => {
                let mut diagnostic = Diagnostic::error(
                    scalar.span,
                    format!(
                        "{context}: {what} is {}, but the flag's `default` is {}",
                        found.describe(),
                        kind.describe()
                    ),
                )
                .with_label(format!("expected {}", kind.describe()));
                if let (FlagKind::Float, Value::Int(int)) = (kind, found) {
                    diagnostic = diagnostic.with_help(format!("write it as a float: `{int}.0`"));
                }
                self.push(diagnostic);
            }
        }
        None
    }

    fn requires(&mut self, value: &TomlValue<'_>, context: &dyn fmt::Display) -> Vec<Prerequisite> {
        let Some(table) = self.table(value, &format_args!("`requires` of {context}")) else {
            return Vec::new();
        };
        if table.is_empty() {
            self.push(
                Diagnostic::error(value.span(), format!("{context}: `requires` is empty"))
                    .with_help("name the flags it needs, `requires = { other_flag = true }`, or leave it out"),
            );
        }
        let mut requires = Vec::new();
        for (key, value) in table.iter() {
            if let Some(is) = self.scalar(value, &format_args!("{context}: required value")) {
                requires.push(Prerequisite {
                    flag: Spanned::new(key.get_ref().to_string(), key.span()),
                    is,
                });
            }
        }
        requires
    }

    fn window(&mut self, table: &Table<'_>, context: &dyn fmt::Display) -> Window {
        let from = table
            .get("from")
            .and_then(|value| self.timestamp(value, &format_args!("{context}: `from`"), "from"));
        let until = table
            .get("until")
            .and_then(|value| self.timestamp(value, &format_args!("{context}: `until`"), "until"));
        if let (Some(from), Some(until)) = (&from, &until)
            && from.value >= until.value
        {
            self.push(
                Diagnostic::error(
                    until.span,
                    format!(
                        "{context}: `until` ({}) is not after `from` ({})",
                        until.value, from.value
                    ),
                )
                .with_help("the window starts at `from` and ends just before `until`"),
            );
        }
        Window { from, until }
    }

    /// The rules of a flag, or of one of its environments (named in every message).
    fn rules(
        &mut self,
        value: &TomlValue<'_>,
        flag: &FlagContext<'_>,
        environment: Option<&str>,
    ) -> Vec<Rule> {
        let context = match environment {
            None => format!("flag `{}`", flag.name),
            Some(environment) => format!("flag `{}`, environment `{environment}`", flag.name),
        };
        if let tree::Value::Table(table) = value.get_ref() {
            // `[flags.x.rules]`: one bracket short of an array of tables; `rules = { .. }`:
            // of an array.
            let header = match environment {
                None => format!("[[flags.{}.rules]]", flag.name),
                Some(environment) => {
                    format!("[[flags.{}.environments.{environment}.rules]]", flag.name)
                }
            };
            let help = if table.is_inline() {
                "rules are a list: `rules = [{ ... }, { ... }]`".to_owned()
            } else {
                format!(
                    "each rule is a table of the array: write its header `{header}`, with two \
                     brackets"
                )
            };
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("`rules` of {context} must be an array of tables, found a table"),
                )
                .with_help(help),
            );
            return Vec::new();
        }
        let Some(items) = self.array(value, &format_args!("`rules` of {context}")) else {
            return Vec::new();
        };
        let mut rules = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            if let Some(rule) = self.rule(item, flag, &context, index) {
                if rules.len() != index {
                    self.damaged.rule_numbers.insert(rule.span, index + 1);
                }
                rules.push(rule);
            }
        }
        rules
    }

    fn rule(
        &mut self,
        value: &TomlValue<'_>,
        flag: &FlagContext<'_>,
        targeting: &str,
        index: usize,
    ) -> Option<Rule> {
        let context = format_args!("{targeting}, rule {}", index + 1);
        let table = self.table(value, &context)?;
        self.check_keys(table, RULE_KEYS, &context);
        let span = Span::from(value.span());
        let description = self
            .optional_string(table, "description", &context)
            .map(|text| text.value);
        let users = self.string_list(table, "users", &context);
        let segments = match table.get("segment") {
            None => Vec::new(),
            Some(value) => match value.get_ref() {
                tree::Value::String(name) => vec![Spanned::new(name.to_string(), value.span())],
                tree::Value::Array(_) => {
                    // An item that is not a string says so; the others are still checked.
                    let names = self
                        .strings(value, &format_args!("{context}: `segment`"))
                        .map(|(names, _)| names)
                        .unwrap_or_default();
                    let empty =
                        matches!(value.get_ref(), tree::Value::Array(items) if items.is_empty());
                    if empty {
                        self.push(
                            Diagnostic::error(
                                value.span(),
                                format!("{context}: `segment` list is empty"),
                            )
                            .with_help("name at least one segment, or leave `segment` out"),
                        );
                    }
                    names
                }
                other => {
                    self.error(
                        value.span(),
                        format!(
                            "{context}: `segment` must be a segment's name or a list of them, \
                             found {}",
                            describe(other)
                        ),
                    );
                    Vec::new()
                }
            },
        };
        let when = self.conditions(table, &context);
        let window = self.window(table, &context);
        let bucket_by = self.optional_string(table, "bucket_by", &context);
        let outcome = self.outcome(table, span, flag, &context);
        if let Some(bucket_by) = &bucket_by
            && !matches!(
                outcome,
                Some(Outcome::Rollout { .. }) | Some(Outcome::Split(_))
            )
            && outcome.is_some()
        {
            self.push(
                Diagnostic::error(
                    bucket_by.span,
                    format!("{context}: `bucket_by` without `rollout` or `split` has no effect"),
                )
                .with_help("remove `bucket_by`, or serve a `rollout` or a `split`"),
            );
        }
        Some(Rule {
            span,
            description,
            users,
            segments,
            when,
            window,
            bucket_by: bucket_by.map(|attribute| attribute.value),
            // A placeholder for an outcome already reported as wrong.
            outcome: outcome.unwrap_or(Outcome::Serve(Spanned::new(Value::Bool(false), span))),
        })
    }

    fn outcome(
        &mut self,
        table: &Table<'_>,
        rule_span: Span,
        flag: &FlagContext<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Outcome> {
        let serve = table.get("serve");
        let rollout = table.get("rollout");
        let split = table.get("split");
        match (serve, rollout, split) {
            (_, _, Some(split)) if serve.is_some() || rollout.is_some() => {
                let other = if serve.is_some() { "serve" } else { "rollout" };
                self.push(
                    Diagnostic::error(
                        split.span(),
                        format!("{context}: `split` cannot be combined with `{other}`"),
                    )
                    .with_help(
                        "a rule serves one value (`serve`), a percentage of its matches \
                         (`rollout` + `serve`), or weighted values (`split`)",
                    ),
                );
                None
            }
            (_, _, Some(split)) => self.split(split, flag, context).map(Outcome::Split),
            (Some(serve), None, None) => self
                .flag_value(serve, flag, context, &"`serve`")
                .map(Outcome::Serve),
            (Some(serve), Some(rollout), None) => {
                let percent = self.percent(rollout, context, &"rollout");
                let serve = self.flag_value(serve, flag, context, &"`serve`");
                Some(Outcome::Rollout {
                    percent: percent?,
                    serve: serve?,
                })
            }
            (None, Some(rollout), None) => {
                self.push(
                    Diagnostic::error(
                        rollout.span(),
                        format!("{context}: `rollout` without `serve`"),
                    )
                    .with_help("say what the rolled-out contexts get: `serve = true`"),
                );
                None
            }
            (None, None, None) => {
                self.push(
                    Diagnostic::error(rule_span, format!("{context} serves nothing")).with_help(
                        "add `serve = ...`, `rollout = ...` with `serve = ...`, or `split = { ... }`",
                    ),
                );
                None
            }
        }
    }

    fn split(
        &mut self,
        value: &TomlValue<'_>,
        flag: &FlagContext<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Spanned<Vec<SplitArm>>> {
        let table = self.table(value, &format_args!("{context}: `split`"))?;
        if table.is_empty() {
            self.push(
                Diagnostic::error(value.span(), format!("{context}: `split` is empty")).with_help(
                    "give each value its weight: `split = { classic = 50, one_page = 50 }`",
                ),
            );
            return None;
        }
        let mut arms = Vec::new();
        let mut ok = true;
        for (key, weight) in table.iter() {
            // `0.5 = 50` and `v1.2 = 50` are dotted keys, tables in TOML (`0.25` and `0.75`
            // one table `0` of two): each key written so is reported.
            if let tree::Value::Table(inner) = weight.get_ref()
                && inner.is_dotted()
            {
                let mut dotted = Vec::new();
                dotted_keys(key.get_ref(), key.span(), weight, &mut dotted);
                for (written, last) in dotted {
                    // Written without spaces or quotes, the key ends its last part (quoted,
                    // the underline is shorter, never outside the table). A key with other
                    // than ASCII in it is underlined from its last part: counted back in
                    // decoded bytes, the start could fall inside a character of the file.
                    let start = if written.is_ascii() {
                        last.start
                            .saturating_sub(written.len().saturating_sub(last.end - last.start))
                    } else {
                        last.start
                    };
                    self.push(
                        Diagnostic::error(
                            Span::new(start.max(key.span().start), last.end),
                            format!(
                                "{context}: split key `{written}` has a dot, which TOML reads \
                                 as a table"
                            ),
                        )
                        .with_help(format!("quote it: `\"{written}\" = ...`")),
                    );
                }
                ok = false;
                continue;
            }
            let value = self.split_key(key, flag, context);
            let weight = self.percent(weight, context, &"split weight");
            match (value, weight) {
                (Some(value), Some(weight)) => arms.push(SplitArm {
                    value,
                    weight: weight.value,
                    span: Span::new(key.span().start, weight.span.end),
                }),
                _ => ok = false,
            }
        }
        // Keys differ as TOML reads them, yet may be one value of the flag (`1` and `01`).
        // Told apart by how TOML writes each value, which is one text per value.
        let mut seen = HashSet::default();
        for arm in &arms {
            if !seen.insert(arm.value.to_string()) {
                self.push(
                    Diagnostic::error(
                        arm.span,
                        format!("{context}: split value {} is listed twice", arm.value),
                    )
                    .with_help("give each value one weight"),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        // In 64 bits: tens of thousands of arms add up to more than 32 bits hold.
        let total: u64 = arms
            .iter()
            .map(|arm: &SplitArm| u64::from(arm.weight.thousandths()))
            .sum();
        if total != u64::from(Percent::ALL.thousandths()) {
            let total = u32::try_from(total)
                .ok()
                .and_then(Percent::from_thousandths)
                .map_or_else(
                    || format!("{}", total as f64 / 1000.0),
                    |p| p.to_string().trim_end_matches('%').to_owned(),
                );
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("{context}: split weights add up to {total}, not 100"),
                )
                .with_help(
                    "every context gets one of the values, so the weights must add up to 100",
                ),
            );
            return None;
        }
        Some(Spanned::new(arms, value.span()))
    }

    /// A split key is written as a TOML key, so it is a string; it is read as the flag's type.
    fn split_key(
        &mut self,
        key: &TomlKey<'_>,
        flag: &FlagContext<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Value> {
        let text = *key.get_ref();
        let kind = flag.kind?;
        let value = match kind {
            FlagKind::Bool => text.parse().ok().map(Value::Bool),
            FlagKind::Int => text.parse().ok().map(Value::Int),
            FlagKind::Float => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::Float),
            FlagKind::String | FlagKind::Variants(_) => Some(Value::String(text.to_owned())),
        };
        let Some(value) = value else {
            self.error(
                key.span(),
                format!(
                    "{context}: split key `{text}` is not {}, the type of the flag",
                    kind.describe()
                ),
            );
            return None;
        };
        if kind.accepts(&value) {
            return Some(value);
        }
        let known = kind.variants().iter().map(|variant| variant.value.as_str());
        let help = match names::suggest(text, known.clone()) {
            Some(similar) => format!("a variant with a similar name exists: `{similar}`"),
            None => format!("the variants are {}", names::list(known)),
        };
        self.push(
            Diagnostic::error(
                key.span(),
                format!("{context}: `{text}` is not a variant of the flag"),
            )
            .with_help(help),
        );
        None
    }

    fn percent(
        &mut self,
        value: &TomlValue<'_>,
        context: &dyn fmt::Display,
        what: &dyn fmt::Display,
    ) -> Option<Spanned<Percent>> {
        // The number as written where it is too big to be exact as a float.
        let (number, shown) = match value.get_ref() {
            tree::Value::Integer(int) => match int.to_i64() {
                Some(int) => (Some(int as f64), Some(int.to_string())),
                None => (Some(f64::INFINITY), None),
            },
            tree::Value::Float(float) => (float.parse::<f64>().ok(), None),
            other => {
                self.push(
                    Diagnostic::error(
                        value.span(),
                        format!(
                            "{context}: {what} must be a number, found {}",
                            describe(other)
                        ),
                    )
                    .with_help("write a percentage as a number: `25` or `12.5`"),
                );
                return None;
            }
        };
        let Some(number) = number.filter(|number| !number.is_nan()) else {
            self.error(value.span(), format!("{context}: {what} is not a number"));
            return None;
        };
        if !(0.0..=100.0).contains(&number) {
            let shown = match shown {
                Some(shown) => format!(" {shown}"),
                None if number.is_finite() => format!(" {number}"),
                None => String::new(),
            };
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("{context}: {what}{shown} is outside 0..=100"),
                )
                .with_help("a percentage is between 0 and 100"),
            );
            return None;
        }
        // Decimals are counted in the text: a float near a step of 0.001 (`25.0000000001`,
        // `1e-12`) is not one.
        let decimals = match value.get_ref() {
            tree::Value::Float(text) => decimal_places(text),
            _ => 0,
        };
        let thousandths = number * 1000.0;
        if decimals > 3 || (thousandths - thousandths.round()).abs() > 1e-9 {
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("{context}: {what} {number} has more than 3 decimals"),
                )
                .with_help("percentages go in steps of 0.001"),
            );
            return None;
        }
        let percent = Percent::from_thousandths(thousandths.round() as u32)?;
        Some(Spanned::new(percent, value.span()))
    }

    fn flag_environments(
        &mut self,
        value: &TomlValue<'_>,
        flag: &FlagContext<'_>,
    ) -> Vec<EnvironmentValues> {
        let context = format_args!("flag `{}`", flag.name);
        if let tree::Value::Array(_) = value.get_ref() {
            // The file's list of environments, written after a flag's header.
            let help = if self.environments_declared {
                format!(
                    "a flag's values per environment are tables: \
                     `[flags.{}.environments.staging]`",
                    flag.name
                )
            } else {
                self.top_level_key("environments")
            };
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("`environments` of {context} must be a table, found an array"),
                )
                .with_help(help),
            );
            return Vec::new();
        }
        let Some(table) = self.table(value, &format_args!("`environments` of {context}")) else {
            return Vec::new();
        };
        let mut environments = Vec::new();
        for (key, value) in table.iter() {
            let env_context = format_args!("{context}, environment `{}`", key.get_ref());
            let Some(env_table) = self.table(value, &env_context) else {
                continue;
            };
            self.check_keys(env_table, ENVIRONMENT_KEYS, &env_context);
            let default = env_table
                .get("default")
                .and_then(|value| self.flag_value(value, flag, &env_context, &"`default`"));
            let rules = env_table
                .get("rules")
                .map(|value| self.rules(value, flag, Some(key.get_ref())));
            if env_table.is_empty() {
                self.push(
                    Diagnostic::error(key.span(), format!("{env_context} changes nothing"))
                        .with_help("set `default = ...` or `rules`, or remove the table"),
                );
            }
            environments.push(EnvironmentValues {
                name: Spanned::new(key.get_ref().to_string(), key.span()),
                default,
                rules,
            });
        }
        environments
    }

    fn conditions(&mut self, table: &Table<'_>, context: &dyn fmt::Display) -> Vec<Condition> {
        let Some(value) = table.get("when") else {
            return Vec::new();
        };
        let Some(items) = self.array(value, &format_args!("{context}: `when`")) else {
            return Vec::new();
        };
        if items.is_empty() {
            self.push(
                Diagnostic::error(value.span(), format!("{context}: `when` is empty"))
                    .with_help("list conditions, or remove `when` to match every context"),
            );
        }
        items
            .iter()
            .filter_map(|item| self.condition(item, context))
            .collect()
    }

    fn condition(
        &mut self,
        value: &TomlValue<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Condition> {
        let span = Span::from(value.span());
        let table = self.table(value, &format_args!("{context}: a condition"))?;
        let negate = self.optional_bool(table, "negate", context);
        let where_ = format_args!("a condition of {context}");
        if let Some(prerequisite) = table.get("flag") {
            self.check_keys(table, &["flag", "negate"], &where_);
            let prerequisite = self.prerequisite(prerequisite, context)?;
            return Some(Condition {
                span,
                negate,
                test: Test::Flag(prerequisite),
            });
        }
        let all_known = self.check_keys_of(table, &[CONDITION_KEYS, OPERATORS], &where_);
        let case_insensitive = self.optional_bool(table, "case_insensitive", context);
        let attribute = match table.get("attribute") {
            Some(value) => {
                self.string(value, &format_args!("{context}: `attribute`"))?
                    .value
            }
            // The unknown key, already reported, is the misspelt `attribute`; a missing
            // operator is still worth saying.
            // A misspelt `flag`: the condition is a prerequisite, whose key is reported.
            None if misspells(table, &["flag"], CONDITION_KEYS, OPERATORS) => return None,
            None if misspells(table, &["attribute"], CONDITION_KEYS, OPERATORS) => {
                let operators = table
                    .iter()
                    .any(|(key, _)| OPERATORS.contains(key.get_ref()));
                if !operators && !misspells(table, OPERATORS, CONDITION_KEYS, OPERATORS) {
                    self.push(
                        Diagnostic::error(span, format!("{context}: condition has no operator"))
                            .with_help(format!("add one of {}", names::list(OPERATORS))),
                    );
                }
                return None;
            }
            None => {
                self.push(
                    Diagnostic::error(span, format!("{context}: condition has no `attribute`"))
                        .with_help(
                            "name the context attribute it tests: \
                             `{ attribute = \"country\", in = [\"EE\"] }`",
                        ),
                );
                return None;
            }
        };
        let mut operators = table
            .iter()
            .filter(|(key, _)| OPERATORS.contains(key.get_ref()));
        let (key, operand) = match (operators.next(), operators.next()) {
            // The unknown key, already reported, is the misspelt operator: a near miss of
            // one, or a key with an operand rather than the `true` of a misspelt `negate`.
            (None, _)
                if !all_known
                    && (misspells(table, OPERATORS, CONDITION_KEYS, OPERATORS)
                        || table.iter().any(|(key, value)| {
                            !CONDITION_KEYS.contains(key.get_ref())
                                && !matches!(value.get_ref(), tree::Value::Boolean(_))
                        })) =>
            {
                return None;
            }
            (None, _) => {
                self.push(
                    Diagnostic::error(
                        span,
                        format!("{context}: condition on `{attribute}` has no operator"),
                    )
                    .with_help(format!("add one of {}", names::list(OPERATORS))),
                );
                return None;
            }
            (Some(only), None) => only,
            (Some(first), Some(second)) => {
                self.push(
                    Diagnostic::error(
                        second.0.span(),
                        format!(
                            "{context}: condition on `{attribute}` has two operators, `{}` and `{}`",
                            first.0.get_ref(),
                            second.0.get_ref()
                        ),
                    )
                    .with_help("write one condition per operator; all conditions must hold"),
                );
                return None;
            }
        };
        let operator_name = *key.get_ref();
        if case_insensitive && !STRING_OPERATORS.contains(&operator_name) {
            self.push(
                Diagnostic::error(
                    span,
                    format!("{context}: `case_insensitive` does not apply to `{operator_name}`"),
                )
                .with_help(format!(
                    "it applies to the string operators {}",
                    names::list(STRING_OPERATORS)
                )),
            );
        }
        let what = format_args!("{context}: `{operator_name}`");
        let operator = self.operator(operator_name, operand, case_insensitive, &what)?;
        let compared = match &operator {
            Operator::In(ListValues::Ints(_)) | Operator::NotIn(ListValues::Ints(_)) => {
                Some("integers")
            }
            Operator::Eq(value) if !matches!(value, Value::String(_)) => Some(value.describe()),
            _ => None,
        };
        if case_insensitive && let Some(compared) = compared {
            self.push(
                Diagnostic::error(
                    operand.span(),
                    format!("{what}: `case_insensitive` applies to strings, not to {compared}"),
                )
                .with_help("remove `case_insensitive`, or compare with strings"),
            );
        }
        Some(Condition {
            span,
            negate,
            test: Test::Attribute {
                attribute,
                case_insensitive,
                operator,
            },
        })
    }

    fn operator(
        &mut self,
        name: &str,
        operand: &TomlValue<'_>,
        case_insensitive: bool,
        what: &dyn fmt::Display,
    ) -> Option<Operator> {
        Some(match name {
            "in" => Operator::In(self.list_values(operand, what)?),
            "not_in" => Operator::NotIn(self.list_values(operand, what)?),
            "eq" => Operator::Eq(self.scalar(operand, what)?.value),
            "starts_with" => Operator::StartsWith(self.string(operand, what)?.value),
            "ends_with" => Operator::EndsWith(self.string(operand, what)?.value),
            "contains" => Operator::Contains(self.string(operand, what)?.value),
            "matches" => {
                let pattern = self.string(operand, what)?;
                match RegexBuilder::new(&pattern.value)
                    .case_insensitive(case_insensitive)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                {
                    Ok(regex) => Operator::Matches(regex),
                    Err(regex::Error::CompiledTooBig(limit)) => {
                        self.push(
                            Diagnostic::error(
                                pattern.span,
                                format!(
                                    "{what}: regex `{}` compiles to more than {} KiB",
                                    pattern.value,
                                    limit / 1024
                                ),
                            )
                            .with_help(
                                "repeat less (`\\w{100}` is a hundred copies of every letter \
                                 of Unicode), or use ASCII classes: `(?-u:\\w)`",
                            ),
                        );
                        return None;
                    }
                    Err(error) => {
                        let detail = error.to_string();
                        let reason = detail
                            .lines()
                            .rev()
                            .find(|line| line.starts_with("error:"))
                            .map_or(detail.as_str(), |line| {
                                line.trim_start_matches("error:").trim()
                            });
                        self.push(
                            Diagnostic::error(
                                pattern.span,
                                format!("{what}: invalid regex `{}`: {reason}", pattern.value),
                            )
                            .with_help("the syntax is that of the `regex` crate"),
                        );
                        return None;
                    }
                }
            }
            "lt" => Operator::Lt(self.number(operand, what)?),
            "le" => Operator::Le(self.number(operand, what)?),
            "gt" => Operator::Gt(self.number(operand, what)?),
            "ge" => Operator::Ge(self.number(operand, what)?),
            "before" => Operator::Before(self.timestamp(operand, what, name)?.value),
            "after" => Operator::After(self.timestamp(operand, what, name)?.value),
            "semver_eq" => Operator::SemverEq(self.version(operand, what)?),
            "semver_lt" => Operator::SemverLt(self.version(operand, what)?),
            "semver_le" => Operator::SemverLe(self.version(operand, what)?),
            "semver_gt" => Operator::SemverGt(self.version(operand, what)?),
            "semver_ge" => Operator::SemverGe(self.version(operand, what)?),
            "cidr" => Operator::Cidr(self.networks(operand, what)?),
            "within" => Operator::Within(self.geofence(operand, what)?),
            _ => return None,
        })
    }

    fn prerequisite(
        &mut self,
        value: &TomlValue<'_>,
        context: &dyn fmt::Display,
    ) -> Option<Prerequisite> {
        let what = format_args!("{context}: `flag`");
        let table = self.table(value, &what)?;
        self.check_keys(table, &["name", "is"], &what);
        let (Some(name), Some(is)) = (table.get("name"), table.get("is")) else {
            // A misspelt `name` or `is` is reported as such already; one that is neither
            // there nor misspelt is not.
            let missing: Vec<&str> = ["name", "is"]
                .into_iter()
                .filter(|key| table.get(key).is_none())
                .collect();
            let unsaid: Vec<&str> = missing
                .iter()
                .copied()
                .filter(|key| !misspells(table, &[key], &["name", "is"], &[]))
                .collect();
            if unsaid.is_empty() {
                return None;
            }
            let message = match &unsaid[..] {
                [only] => format!("{what} has no `{only}`"),
                _ => format!("{what} needs `name` and `is`"),
            };
            self.push(
                Diagnostic::error(value.span(), message)
                    .with_help("write `flag = { name = \"other_flag\", is = true }`"),
            );
            return None;
        };
        let flag = self.string(name, &format_args!("{what}: `name`"));
        let is = self.scalar(is, &format_args!("{what}: `is`"));
        Some(Prerequisite {
            flag: flag?,
            is: is?,
        })
    }

    fn list_values(
        &mut self,
        value: &TomlValue<'_>,
        what: &dyn fmt::Display,
    ) -> Option<ListValues> {
        let items = self.array(value, what)?;
        if items.is_empty() {
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!("{what} list is empty, so it matches nothing"),
                )
                .with_help("list at least one value"),
            );
            return None;
        }
        match items[0].get_ref() {
            tree::Value::String(_) | tree::Value::Integer(_) => {}
            first => {
                let help = match first {
                    tree::Value::Float(_) => "compare a float with `lt`, `le`, `gt` or `ge`",
                    _ => "a list holds only strings or only integers",
                };
                self.push(
                    Diagnostic::error(
                        items[0].span(),
                        format!(
                            "{what} lists strings or integers, but this item is {}",
                            describe(first)
                        ),
                    )
                    .with_help(help),
                );
                return None;
            }
        }
        match items[0].get_ref() {
            tree::Value::Integer(_) => {
                let mut ints = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match item.get_ref() {
                        tree::Value::Integer(int) => {
                            match self.integer_value(int, item.span(), what) {
                                Some(int) => ints.push(int),
                                None => ok = false,
                            }
                        }
                        other => {
                            self.mixed_list(item.span(), what, "integers", other);
                            ok = false;
                        }
                    }
                }
                ok.then_some(ListValues::Ints(ints))
            }
            _ => {
                let mut strings = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match item.get_ref() {
                        tree::Value::String(text) => strings.push(text.to_string()),
                        other => {
                            self.mixed_list(item.span(), what, "strings", other);
                            ok = false;
                        }
                    }
                }
                ok.then_some(ListValues::Strings(strings))
            }
        }
    }

    fn mixed_list(
        &mut self,
        span: std::ops::Range<usize>,
        what: &dyn fmt::Display,
        expected: &str,
        found: &tree::Value<'_>,
    ) {
        self.push(
            Diagnostic::error(
                span,
                format!(
                    "{what} lists {expected}, but this item is {}",
                    describe(found)
                ),
            )
            .with_help("a list holds only strings or only integers"),
        );
    }

    fn number(&mut self, value: &TomlValue<'_>, what: &dyn fmt::Display) -> Option<Number> {
        match value.get_ref() {
            tree::Value::Integer(int) => {
                self.integer_value(int, value.span(), what).map(Number::Int)
            }
            tree::Value::Float(float) => match float.parse::<f64>() {
                Ok(number) if number.is_finite() => Some(Number::Float(number)),
                _ => {
                    self.error(value.span(), format!("{what} is not a finite number"));
                    None
                }
            },
            other => {
                self.error(
                    value.span(),
                    format!("{what} needs a number, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn version(&mut self, value: &TomlValue<'_>, what: &dyn fmt::Display) -> Option<Version> {
        let text = self.string(value, what)?;
        match Version::parse(&text.value) {
            Ok(version) => Some(version),
            Err(error) => {
                self.push(
                    Diagnostic::error(
                        text.span,
                        format!("{what}: invalid semantic version `{}`: {error}", text.value),
                    )
                    .with_help("write a full version such as `2.4.0` or `3.0.0-beta.1`"),
                );
                None
            }
        }
    }

    fn networks(&mut self, value: &TomlValue<'_>, what: &dyn fmt::Display) -> Option<Vec<IpNet>> {
        let texts = match value.get_ref() {
            tree::Value::String(text) => vec![Spanned::new(text.to_string(), value.span())],
            tree::Value::Array(_) => {
                let (texts, all_strings) = self.strings(value, what)?;
                if !all_strings {
                    // The networks that are strings are still checked.
                    self.networks_of(texts, what);
                    return None;
                }
                texts
            }
            other => {
                self.push(
                    Diagnostic::error(
                        value.span(),
                        format!(
                            "{what} must be a network or a list of them, found {}",
                            describe(other)
                        ),
                    )
                    .with_help("write `cidr = \"10.0.0.0/8\"` or `cidr = [\"10.0.0.0/8\", ...]`"),
                );
                return None;
            }
        };
        if texts.is_empty() {
            self.error(
                value.span(),
                format!("{what} list is empty, so it matches nothing"),
            );
            return None;
        }
        self.networks_of(texts, what)
    }

    /// The networks (or single addresses) `texts` write, each bad one reported.
    fn networks_of(
        &mut self,
        texts: Vec<Spanned<String>>,
        what: &dyn fmt::Display,
    ) -> Option<Vec<IpNet>> {
        let mut networks = Vec::new();
        let mut ok = true;
        for text in texts {
            let parsed = text
                .value
                .parse::<IpNet>()
                .ok()
                .or_else(|| text.value.parse::<std::net::IpAddr>().ok().map(IpNet::from));
            match parsed {
                Some(network) => networks.push(network),
                None => {
                    self.push(
                        Diagnostic::error(
                            text.span,
                            format!("{what}: invalid CIDR `{}`", text.value),
                        )
                        .with_help("write a network such as `10.0.0.0/8` or `2001:db8::/32`"),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        Some(networks)
    }

    fn geofence(&mut self, value: &TomlValue<'_>, what: &dyn fmt::Display) -> Option<GeoFence> {
        let table = self.table(value, what)?;
        self.check_keys(table, &["lat", "lon", "radius_km"], what);
        let mut coordinate = |key: &str, range: std::ops::RangeInclusive<f64>| {
            let Some(item) = table.get(key) else {
                // A misspelt one is reported as such already.
                if misspells(table, &[key], &["lat", "lon", "radius_km"], &[]) {
                    return None;
                }
                self.push(
                    Diagnostic::error(value.span(), format!("{what} has no `{key}`")).with_help(
                        "write `within = { lat = 59.437, lon = 24.754, radius_km = 25 }`",
                    ),
                );
                return None;
            };
            let number = match self.number(item, &format_args!("{what}: `{key}`"))? {
                Number::Int(int) => int as f64,
                Number::Float(float) => float,
            };
            if !range.contains(&number) {
                self.error(
                    item.span(),
                    format!(
                        "{what}: `{key}` {number} is outside {}..={}",
                        range.start(),
                        range.end()
                    ),
                );
                return None;
            }
            Some(number)
        };
        let lat = coordinate("lat", -90.0..=90.0);
        let lon = coordinate("lon", -180.0..=180.0);
        let radius_km = coordinate("radius_km", 0.0..=20_038.0);
        Some(GeoFence {
            lat: lat?,
            lon: lon?,
            radius_km: radius_km?,
        })
    }

    fn date(
        &mut self,
        value: &TomlValue<'_>,
        what: &dyn fmt::Display,
        key: &str,
    ) -> Option<Spanned<Date>> {
        let help = format_args!("write a TOML date without quotes: `{key} = 2027-03-01`");
        let date = match value.get_ref() {
            tree::Value::Datetime(datetime) if datetime.time.is_none() => datetime
                .date
                .and_then(|date| Date::new(i32::from(date.year), date.month, date.day)),
            tree::Value::String(text) if Date::parse(text).is_some() => {
                self.push(
                    Diagnostic::error(value.span(), format!("{what} is a string, not a date"))
                        .with_help(help.to_string()),
                );
                return None;
            }
            other => {
                self.push(
                    Diagnostic::error(
                        value.span(),
                        format!("{what} must be a date, found {}", describe(other)),
                    )
                    .with_help(help.to_string()),
                );
                return None;
            }
        };
        match date {
            Some(date) => Some(Spanned::new(date, value.span())),
            None => {
                self.error(value.span(), format!("{what} is not a valid date"));
                None
            }
        }
    }

    fn timestamp(
        &mut self,
        value: &TomlValue<'_>,
        what: &dyn fmt::Display,
        key: &str,
    ) -> Option<Spanned<Timestamp>> {
        let help = format_args!(
            "write a TOML datetime without quotes, with its offset: `{key} = 2026-12-01T09:00:00Z`"
        );
        let tree::Value::Datetime(datetime) = value.get_ref() else {
            self.push(
                Diagnostic::error(
                    value.span(),
                    format!(
                        "{what} must be a datetime, found {}",
                        describe(value.get_ref())
                    ),
                )
                .with_help(help.to_string()),
            );
            return None;
        };
        let Some(date) = datetime
            .date
            .and_then(|date| Date::new(i32::from(date.year), date.month, date.day))
        else {
            self.push(
                Diagnostic::error(value.span(), format!("{what} has no valid date"))
                    .with_help(help.to_string()),
            );
            return None;
        };
        let timestamp = match (datetime.time, datetime.offset) {
            (None, _) => Some(date.start_utc()),
            (Some(_), None) => {
                self.push(
                    Diagnostic::error(value.span(), format!("{what} has no UTC offset")).with_help(
                        "add `Z` for UTC or an offset such as `+02:00`, so that every \
                             server switches at the same instant",
                    ),
                );
                return None;
            }
            (Some(time), Some(_)) if time.nanosecond.unwrap_or(0) % 1_000_000 != 0 => {
                self.push(
                    Diagnostic::error(
                        value.span(),
                        format!("{what} is more precise than a millisecond"),
                    )
                    .with_help("instants are kept to the millisecond: write at most 3 decimals"),
                );
                return None;
            }
            (Some(time), Some(offset)) => {
                let minutes = match offset {
                    Offset::Z => 0,
                    Offset::Custom { minutes } => minutes,
                };
                Timestamp::from_parts(
                    date,
                    time.hour,
                    time.minute,
                    time.second.unwrap_or(0),
                    time.nanosecond.unwrap_or(0),
                    minutes,
                )
            }
        };
        match timestamp {
            Some(timestamp) => Some(Spanned::new(timestamp, value.span())),
            None => {
                self.error(value.span(), format!("{what} is not a valid datetime"));
                None
            }
        }
    }

    // ---- generic readers ------------------------------------------------------------------

    /// Reports every key not in `allowed`; returns whether all were allowed.
    fn check_keys(
        &mut self,
        table: &Table<'_>,
        allowed: &[&str],
        context: &dyn fmt::Display,
    ) -> bool {
        self.check_keys_of(table, &[allowed], context)
    }

    /// The help for a key of the file's top level (`environments`, ...) written under a
    /// header.
    fn top_level_key(&mut self, name: &str) -> String {
        if name == "environments" && !self.environments_declared {
            // The flags' environment sections then name no declared environment: this one
            // error says why.
            self.damaged.unreadable_environments = true;
        }
        format!(
            "`{name}` is a top-level key: write it above the first `[table]` header, where it \
             belongs to the file"
        )
    }

    /// [`Reader::check_keys`] with the allowed keys in several lists.
    fn check_keys_of(
        &mut self,
        table: &Table<'_>,
        allowed: &[&[&str]],
        context: &dyn fmt::Display,
    ) -> bool {
        let allowed = || allowed.iter().flat_map(|keys| keys.iter().copied());
        let mut all_known = true;
        for (key, _) in table.iter() {
            let name = *key.get_ref();
            if allowed().any(|known| known == name) {
                continue;
            }
            all_known = false;
            // `lte` is one edit from `lt`, `nin` from `in`: the nearest name is wrong.
            let elsewhere = spelt_elsewhere(name, allowed);
            let help = match (
                negated(name, allowed),
                elsewhere,
                names::suggest(name, allowed()),
            ) {
                // `not_ends_with` is one edit from `ends_with`, which means the opposite.
                (Some(positive), ..) => format!(
                    "to match what `{positive}` does not, write `{positive}` with `negate = true`"
                ),
                (None, Some(help), _) => help,
                (None, None, Some(similar)) => {
                    format!("a key with a similar name exists: `{similar}`")
                }
                // `environments = [...]` after a header belongs to that table.
                (None, None, None) if ROOT_KEYS.contains(&name) => self.top_level_key(name),
                (None, None, None) => format!("expected one of {}", names::list(allowed())),
            };
            self.push(
                Diagnostic::error(key.span(), format!("unknown key `{name}` in {context}"))
                    .with_help(help),
            );
        }
        all_known
    }

    fn table<'v, 'i>(
        &mut self,
        value: &'v TomlValue<'i>,
        what: &dyn fmt::Display,
    ) -> Option<&'v Table<'i>> {
        match value.get_ref() {
            tree::Value::Table(table) => Some(table),
            other => {
                self.error(
                    value.span(),
                    format!("{what} must be a table, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn array<'v, 'i>(
        &mut self,
        value: &'v TomlValue<'i>,
        what: &dyn fmt::Display,
    ) -> Option<&'v [TomlValue<'i>]> {
        match value.get_ref() {
            tree::Value::Array(items) => Some(&items[..]),
            other => {
                let error = Diagnostic::error(
                    value.span(),
                    format!("{what} must be an array, found {}", describe(other)),
                );
                self.push(match other {
                    tree::Value::Table(_) => error,
                    _ => error.with_help("a list of one is written in brackets: `[value]`"),
                });
                None
            }
        }
    }

    fn string(
        &mut self,
        value: &TomlValue<'_>,
        what: &dyn fmt::Display,
    ) -> Option<Spanned<String>> {
        match value.get_ref() {
            tree::Value::String(text) => Some(Spanned::new(text.to_string(), value.span())),
            other => {
                self.error(
                    value.span(),
                    format!("{what} must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// The strings of an array, and whether every item was one; the others are reported,
    /// and the strings still checked by the caller.
    fn strings(
        &mut self,
        value: &TomlValue<'_>,
        what: &dyn fmt::Display,
    ) -> Option<(Vec<Spanned<String>>, bool)> {
        let items = self.array(value, what)?;
        let mut strings = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match self.string(item, &ItemOf(what)) {
                Some(text) => strings.push(text),
                None => ok = false,
            }
        }
        Some((strings, ok))
    }

    fn string_list(
        &mut self,
        table: &Table<'_>,
        key: &str,
        context: &dyn fmt::Display,
    ) -> Vec<String> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let what = format_args!("{context}: `{key}`");
        let Some(items) = self.array(value, &what) else {
            return Vec::new();
        };
        if items.is_empty() {
            // An empty list would read as no list at all: in a rule, every context.
            self.push(
                Diagnostic::error(value.span(), format!("{what} list is empty"))
                    .with_help(format!("list at least one key, or leave `{key}` out")),
            );
        }
        let mut strings = Vec::with_capacity(items.len());
        for item in items {
            if let Some(text) = self.string(item, &ItemOf(&what)) {
                strings.push(text.value);
            }
        }
        strings
    }

    fn optional_string(
        &mut self,
        table: &Table<'_>,
        key: &str,
        context: &dyn fmt::Display,
    ) -> Option<Spanned<String>> {
        let value = table.get(key)?;
        self.string(value, &format_args!("{context}: `{key}`"))
    }

    fn required_text(
        &mut self,
        table: &Table<'_>,
        key: &str,
        missing_span: Span,
        context: &dyn fmt::Display,
        help: &str,
    ) -> Option<String> {
        let Some(value) = table.get(key) else {
            self.push(
                Diagnostic::error(missing_span, format!("{context} has no `{key}`"))
                    .with_help(help)
                    .with_code(INCOMPLETE),
            );
            return None;
        };
        let text = self.string(value, &format_args!("{context}: `{key}`"))?;
        if text.value.trim().is_empty() {
            self.push(
                Diagnostic::error(text.span, format!("{context}: `{key}` is empty"))
                    .with_help(help)
                    .with_code(INCOMPLETE),
            );
            return None;
        }
        Some(text.value)
    }

    fn optional_bool(&mut self, table: &Table<'_>, key: &str, context: &dyn fmt::Display) -> bool {
        let Some(value) = table.get(key) else {
            return false;
        };
        match value.get_ref() {
            tree::Value::Boolean(flag) => *flag,
            other => {
                self.error(
                    value.span(),
                    format!(
                        "{context}: `{key}` must be true or false, found {}",
                        describe(other)
                    ),
                );
                false
            }
        }
    }

    fn scalar(&mut self, value: &TomlValue<'_>, what: &dyn fmt::Display) -> Option<Spanned<Value>> {
        let scalar = match value.get_ref() {
            tree::Value::Boolean(flag) => Value::Bool(*flag),
            tree::Value::Integer(int) => Value::Int(self.integer_value(int, value.span(), what)?),
            tree::Value::Float(float) => match float.parse::<f64>() {
                Ok(number) if number.is_finite() => Value::Float(number),
                _ => {
                    self.error(value.span(), format!("{what} is not a finite number"));
                    return None;
                }
            },
            tree::Value::String(text) => Value::String(text.to_string()),
            other => {
                self.error(
                    value.span(),
                    format!(
                        "{what} must be a boolean, integer, float or string, found {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        Some(Spanned::new(scalar, value.span()))
    }

    fn integer_value(
        &mut self,
        int: &tree::Integer<'_>,
        span: std::ops::Range<usize>,
        what: &dyn fmt::Display,
    ) -> Option<i64> {
        let parsed = int.to_i64();
        if parsed.is_none() {
            self.push(
                Diagnostic::error(span, format!("{what}: the integer does not fit in 64 bits"))
                    .with_help(format!("integers go from {} to {}", i64::MIN, i64::MAX)),
            );
        }
        parsed
    }
}

/// How many decimal places the TOML float `text` has, as written: `2.5e1` none,
/// `0.1250` three, `1e-12` twelve.
fn decimal_places(text: &str) -> usize {
    // Underscores only separate digits; most floats have none, and are not copied.
    let text = if text.contains('_') {
        std::borrow::Cow::Owned(text.replace('_', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        // An exponent past `i64` is past every float too: a tiny one has places beyond count.
        Some((mantissa, exponent)) => (
            mantissa,
            exponent
                .parse::<i64>()
                .unwrap_or(if exponent.starts_with('-') {
                    i64::MIN
                } else {
                    i64::MAX
                }),
        ),
        None => (&*text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Zero has no places, however written (`0e-5`).
    if whole
        .chars()
        .chain(fraction.chars())
        .all(|c| !c.is_ascii_digit() || c == '0')
    {
        return 0;
    }
    // Trailing zeros, even of the whole part (`25000e-4` is 2.5), add no place.
    let zeros = whole
        .chars()
        .chain(fraction.chars())
        .rev()
        .take_while(|c| *c == '0')
        .count();
    let places = i64::try_from(fraction.len())
        .unwrap_or(i64::MAX)
        .saturating_sub(exponent)
        .saturating_sub(i64::try_from(zeros).unwrap_or(i64::MAX));
    usize::try_from(places).unwrap_or(0)
}

/// The operator that `name` spells negated (`not_contains`, `ends_with_not`, `neq`,
/// `semver_ne`), when it is allowed and so is `negate`: the way to write its opposite.
fn negated<'k, Keys: Iterator<Item = &'k str>>(
    name: &str,
    allowed: impl Fn() -> Keys,
) -> Option<&'k str> {
    if !allowed().any(|key| key == "negate") {
        return None;
    }
    let positive = match name {
        "ne" | "neq" | "not_equal" => "eq",
        "semver_ne" | "semver_neq" => "semver_eq",
        _ => name
            .strip_prefix("not_")
            .or_else(|| name.strip_suffix("_not"))?,
    };
    allowed().find(|key| *key == positive)
}

/// The help for a key as other tools spell it (`lte`, `nin`), where the nearest key by
/// spelling means something else (`lt`, `in`).
fn spelt_elsewhere<'k, Keys: Iterator<Item = &'k str>>(
    name: &str,
    allowed: impl Fn() -> Keys,
) -> Option<String> {
    let allows = |key: &str| allowed().any(|allowed| allowed == key);
    let ours: &[&str] = match name {
        "lte" | "leq" => &["le"],
        "gte" | "geq" => &["ge"],
        "semver_lte" | "semver_leq" => &["semver_le"],
        "semver_gte" | "semver_geq" => &["semver_ge"],
        "nin" | "notin" => &["not_in"],
        "include" | "includes" => &["users", "contains"],
        "is" | "name" if allows("flag") => {
            return Some(
                "a prerequisite is written `flag = { name = \"...\", is = ... }`".to_owned(),
            );
        }
        _ => return None,
    };
    let key = ours.iter().find(|key| allows(key))?;
    Some(format!("here it is written `{key}`"))
}

/// The keys of a split written with dots, as written, each with the span of its last part:
/// the leaves below `value`, the table a dotted key `written` makes.
fn dotted_keys(
    written: &str,
    last: Range<usize>,
    value: &TomlValue<'_>,
    keys: &mut Vec<(String, Range<usize>)>,
) {
    match value.get_ref() {
        tree::Value::Table(inner) if inner.is_dotted() => {
            for (part, value) in inner.iter() {
                dotted_keys(
                    &format!("{written}.{}", part.get_ref()),
                    part.span(),
                    value,
                    keys,
                );
            }
        }
        _ => keys.push((written.to_owned(), last)),
    }
}

/// Whether an unknown key of `table` (one in neither `known` nor `also`) is a near miss of
/// one of `meant`: reported as unknown with "did you mean", it needs no second error.
fn misspells(table: &Table<'_>, meant: &[&str], known: &[&str], also: &[&str]) -> bool {
    table.iter().any(|(key, _)| {
        let name = *key.get_ref();
        !known.contains(&name)
            && !also.contains(&name)
            && names::suggest(name, known.iter().chain(also).copied())
                .is_some_and(|similar| meant.contains(&similar))
    })
}

fn describe(value: &tree::Value<'_>) -> &'static str {
    match value {
        tree::Value::String(_) => "a string",
        tree::Value::Integer(_) => "an integer",
        tree::Value::Float(_) => "a float",
        tree::Value::Boolean(_) => "a boolean",
        tree::Value::Datetime(_) => "a datetime",
        tree::Value::Array(_) => "an array",
        tree::Value::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::too_long;

    // On a 32-bit target no `str` can be that long.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn files_of_4_gib_or_more_are_refused() {
        let largest = usize::try_from(u32::MAX).unwrap_or(usize::MAX);
        assert!(too_long(largest).is_none());
        let error = too_long(largest + 1).map(|error| error.message);
        assert_eq!(
            error.as_deref(),
            Some("the file is 4294967296 bytes long; files of 4 GiB or more are not read")
        );
    }
}
