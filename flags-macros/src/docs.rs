//! The rustdoc of generated items: what the flag does, whose it is, until when, and how it
//! targets, so that an IDE hover answers the questions a reader has.

use flags_schema::{Date, Flag, FlagKind};

/// The documentation of a flag's accessor.
pub(crate) fn flag(flag: &Flag, today: Date) -> String {
    let mut doc = format!("{}\n\n", flag.description);
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

/// The first line of a description outside any fenced block, for one line of a list: a
/// fence there would not be one, and what it held would show as prose.
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
}
