//! The rustdoc of generated items: what the flag does, whose it is, until when, and how it
//! targets, so that an IDE hover answers the questions a reader has.

use flags_schema::{Date, Flag, FlagKind};

/// The documentation of a flag's accessor.
pub(crate) fn flag(flag: &Flag, today: Date) -> String {
    let mut doc = format!("{}\n\n", prose(&flag.description));
    doc.push_str(&format!("* Flag: `{}`\n", flag.name));
    doc.push_str(&format!("* Owner: {}\n", one_line(&flag.owner)));
    match &flag.expires {
        Some(expires) if flag.is_expired(today) => {
            doc.push_str(&format!("* Expires: {} (**expired**)\n", expires.value));
        }
        Some(expires) => doc.push_str(&format!("* Expires: {}\n", expires.value)),
        None => doc.push_str("* Permanent\n"),
    }
    let kind = match &flag.kind {
        FlagKind::Variants(variants) => format!(
            "one of {}",
            variants
                .iter()
                .map(|variant| format!("`{}`", variant.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        kind => format!("`{}`", kind.short_name()),
    };
    doc.push_str(&format!(
        "* Type: {kind}, default `{}`\n",
        flag.default.value
    ));
    if flag.pinned {
        doc.push_str("* Pinned: fixed at compile time; live changes cannot alter it\n");
    }
    doc.push_str("\n# Targeting\n\n");
    for line in flag.targeting_summary() {
        doc.push_str(&format!("* {line}\n"));
    }
    doc
}

/// The note of `#[deprecated]` on an expired flag's items.
pub(crate) fn expired(flag: &Flag, expires: Date) -> String {
    format!(
        "feature flag `{}` expired on {expires} (owner: {}): remove the flag and the code path \
         it no longer needs, or extend `expires` in flags.toml",
        flag.name, flag.owner
    )
}

/// A description as rustdoc should show it, with nothing rustdoc would run as a doctest of
/// the user's crate: a fenced block (``` or ~~~) that names no language is marked `text`, and
/// a line indented as code (four spaces, outside a fence) is not indented.
pub(crate) fn prose(description: &str) -> String {
    // The open fence: its character, its length, and whether its lines were indented (and
    // so are not, here), its closing fence with them.
    let mut open: Option<(char, usize, bool)> = None;
    description
        .lines()
        .map(|line| {
            let indented = indentation(line) >= 4;
            match open {
                None => {
                    // Outside a fence, a line indented as code is not indented (and may open
                    // a fence).
                    let line = if indented { line.trim_start() } else { line };
                    match fence(line) {
                        Some((mark, length, info)) => {
                            open = Some((mark, length, indented));
                            if is_rust(info) {
                                let fence_end = line.len() - line.trim_start().len() + length;
                                format!("{}text", &line[..fence_end])
                            } else {
                                line.to_owned()
                            }
                        }
                        None => line.to_owned(),
                    }
                }
                Some((mark, length, flattened)) => {
                    let candidate = if flattened { line.trim_start() } else { line };
                    match fence(candidate) {
                        Some((closing, count, "")) if closing == mark && count >= length => {
                            open = None;
                            candidate.to_owned()
                        }
                        _ => line.to_owned(),
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first line of a description outside any fenced block, for one line of a list: a
/// fence there would not be one, and what it held would run as a doctest.
pub(crate) fn summary(description: &str) -> String {
    let mut open: Option<(char, usize)> = None;
    for line in description.lines() {
        let line = line.trim();
        match (open, fence(line)) {
            (None, Some((mark, length, _))) => open = Some((mark, length)),
            (Some((mark, length)), Some((closing, count, "")))
                if closing == mark && count >= length =>
            {
                open = None;
            }
            (None, None) if !line.is_empty() => return line.to_owned(),
            _ => {}
        }
    }
    String::new()
}

/// One line, for a list item: the lines of `text` joined by spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How far a line is indented, a tab reaching the next multiple of four (CommonMark).
fn indentation(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

/// Whether rustdoc takes a fenced block with this info string for Rust (and so runs it), by
/// its own rule: a `rust` tag, or a test attribute (`no_run`, `edition2021`, `E0277`...)
/// before any other language, or no other language at all.
fn is_rust(info: &str) -> bool {
    let mut rust_tags = false;
    let mut other_tags = false;
    for token in info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|token| !token.is_empty())
    {
        let error_code = token.len() == 5
            && token.starts_with('E')
            && token[1..].chars().all(|c| c.is_ascii_digit());
        match token {
            "rust" => rust_tags = true,
            "should_panic" | "no_run" | "ignore" => rust_tags = !other_tags,
            "test_harness" | "compile_fail" | "standalone_crate" => {
                rust_tags = !other_tags || rust_tags;
            }
            _ if token.starts_with("edition") || token.starts_with("ignore-") || error_code => {
                rust_tags = !other_tags || rust_tags;
            }
            // Classes and attributes (`{.class}`, `class=...`) say nothing of the language.
            _ if token.starts_with('{') || token.starts_with('.') || token.contains('=') => {}
            _ => other_tags = true,
        }
    }
    rust_tags || !other_tags
}

/// A code fence (CommonMark): at most three spaces, then three or more backticks or tildes,
/// then an info string (for backticks, one without backticks). Its character, length, info.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let mark = trimmed
        .chars()
        .next()
        .filter(|mark| matches!(mark, '`' | '~'))?;
    let length = trimmed.chars().take_while(|c| *c == mark).count();
    let info = trimmed[length..].trim();
    (length >= 3 && !(mark == '`' && info.contains('`'))).then_some((mark, length, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_first_line_outside_fences() {
        assert_eq!(
            summary("```\ncurl https://example.com\n```\nRoutes beta users.\nMore."),
            "Routes beta users."
        );
        assert_eq!(summary("\n    Indented first.\n"), "Indented first.");
        assert_eq!(summary("~~~\nonly code\n~~~"), "");
        assert_eq!(one_line("web\n```\nteam"), "web ``` team");
    }

    #[test]
    fn nothing_in_a_description_becomes_a_doctest() {
        let description = "Before.\n```\nnot rust\n```\n  ```sql\nselect 1\n  ```\n\
                           ~~~\ntilde\n~~~\n````\n```\n````\n```inline``` is code\n\
                           \n    indented\n    ```\n    select 1\n    ```\n```rust\nlet a = 1;\n```\n\
                           ```no_run,edition2021\nlet b = 2;\n```\n  \t```\nc\n```\n```rust,foo\nd\n```\n\
                           ```toml,no_run\ne = 1\n```\nAfter.";
        assert_eq!(
            prose(description),
            "Before.\n```text\nnot rust\n```\n  ```sql\nselect 1\n  ```\n\
             ~~~text\ntilde\n~~~\n````text\n```\n````\n```inline``` is code\n\
             \nindented\n```text\n    select 1\n```\n```text\nlet a = 1;\n```\n\
             ```text\nlet b = 2;\n```\n```text\nc\n```\n```text\nd\n```\n\
             ```toml,no_run\ne = 1\n```\nAfter."
        );
    }
}
