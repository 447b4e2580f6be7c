//! The rustdoc of generated items: what the flag does, whose it is, until when, and how it
//! targets, so that an IDE hover answers the questions a reader has.

use flags_schema::{Date, Flag, FlagKind};

/// The documentation of a flag's accessor.
pub(crate) fn flag(flag: &Flag, today: Date) -> String {
    let mut doc = format!("{}\n\n", prose(&flag.description));
    doc.push_str(&format!("* Flag: `{}`\n", flag.name));
    doc.push_str(&format!("* Owner: {}\n", flag.owner));
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

/// A description as rustdoc should show it: a fenced block that names no language is marked
/// `text`, as rustdoc would otherwise compile and run it as a doctest of the crate.
pub(crate) fn prose(description: &str) -> String {
    let mut inside = false;
    description
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if !trimmed.starts_with("```") {
                return line.to_owned();
            }
            let opening = !inside;
            inside = !inside;
            if opening && trimmed.trim_start_matches('`').trim().is_empty() {
                format!("{line}text")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untagged_code_blocks_in_descriptions_are_text() {
        let description = "Before.\n```\nnot rust\n```\n  ```sql\nselect 1\n  ```\nAfter.";
        assert_eq!(
            prose(description),
            "Before.\n```text\nnot rust\n```\n  ```sql\nselect 1\n  ```\nAfter."
        );
    }
}
