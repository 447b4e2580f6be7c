//! Names: what a flag or variant may be called, what the generated Rust items are called,
//! and "did you mean" suggestions. The macros and the CLI use these so they agree.

/// Names a flag may not have although they are snake_case and not keywords: the items
/// `flags!()` generates beside the flags (`flags::store()`, `flags::all()`).
pub const RESERVED: &[&str] = &["store", "all"];

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `name` is a Rust keyword (strict, reserved or edition 2024).
///
/// ```
/// assert!(flags_schema::names::is_keyword("match"));
/// assert!(!flags_schema::names::is_keyword("checkout"));
/// ```
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether `name` is a snake_case identifier: lowercase ASCII letters, digits and single
/// underscores, starting with a letter and not ending with an underscore.
///
/// ```
/// use flags_schema::names::is_snake_case;
///
/// assert!(is_snake_case("new_checkout_v2"));
/// assert!(!is_snake_case("NewCheckout"));
/// assert!(!is_snake_case("new-checkout"));
/// assert!(!is_snake_case("new__checkout"));
/// ```
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

/// A best-effort snake_case form of a name, for suggestions: `NewCheckout` and
/// `new-checkout` become `new_checkout`; an acronym stays one word, as rustc's
/// `non_snake_case` lint has it.
///
/// ```
/// assert_eq!(flags_schema::names::to_snake_case("NewCheckout"), "new_checkout");
/// assert_eq!(flags_schema::names::to_snake_case("new-checkout"), "new_checkout");
/// assert_eq!(flags_schema::names::to_snake_case("enableSSO"), "enable_sso");
/// assert_eq!(flags_schema::names::to_snake_case("HTTPServer"), "http_server");
/// ```
pub fn to_snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            // A word starts at a capital after a lowercase letter or digit, or at the last
            // capital of an acronym that a lowercase letter follows (`HTTPServer`).
            let after_word = index
                .checked_sub(1)
                .and_then(|before| chars.get(before))
                .is_some_and(|before| before.is_ascii_lowercase() || before.is_ascii_digit());
            let ends_acronym = index > 0
                && chars.get(index - 1).is_some_and(char::is_ascii_uppercase)
                && chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
            if (after_word || ends_acronym) && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else if c == '-' || c == ' ' {
            snake.push('_');
        } else {
            snake.push(c);
        }
    }
    snake
}

/// The UpperCamelCase form of a snake_case name: the generated enum of a variant flag, or
/// one of its variants.
///
/// ```
/// assert_eq!(flags_schema::names::upper_camel("checkout_layout"), "CheckoutLayout");
/// assert_eq!(flags_schema::names::upper_camel("v2_page"), "V2Page");
/// ```
pub fn upper_camel(name: &str) -> String {
    let mut camel = String::with_capacity(name.len());
    for part in name.split('_') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            camel.push(first.to_ascii_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// The SCREAMING_CASE form of a flag name: the generated `FlagKey` constant.
///
/// ```
/// assert_eq!(flags_schema::names::screaming("checkout_layout"), "CHECKOUT_LAYOUT");
/// ```
pub fn screaming(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// The name of the generated detail accessor of a flag.
///
/// ```
/// assert_eq!(flags_schema::names::detail_accessor("beta"), "beta_detail");
/// ```
pub fn detail_accessor(flag: &str) -> String {
    format!("{flag}_detail")
}

/// The candidate closest to `input`, if it is close enough to be a likely typo: an edit
/// distance of at most a third of the length (at least 1), or equal ignoring case and
/// `_`/`-`, like rustc's suggestions.
///
/// ```
/// let flags = ["new_registration_flow", "checkout_layout"];
/// assert_eq!(
///     flags_schema::suggest("new_registraton_flow", flags),
///     Some("new_registration_flow"),
/// );
/// assert_eq!(flags_schema::suggest("search", flags), None);
/// ```
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normalized = normalize(input);
    let length = input.chars().count();
    let limit = (length / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == input {
            continue;
        }
        // Lengths that differ by more than the limit cannot be within it: skipped without
        // computing a distance, which takes the product of the lengths.
        let near = candidate.chars().count().abs_diff(length) <= limit;
        let distance = if normalized_length(candidate) == normalized.len()
            && normalize(candidate) == normalized
        {
            0
        } else if near {
            strsim::levenshtein(input, candidate)
        } else {
            continue;
        };
        if distance <= limit && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The length in bytes of `normalize(name)`, without building it.
fn normalized_length(name: &str) -> usize {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase().len_utf8())
        .sum()
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `a`, `b` and `c` as "`a`, `b`, `c`", for messages.
pub(crate) fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
