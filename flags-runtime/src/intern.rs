//! Strings that live as long as the process, so evaluation can hand out `&'static str`.
//!
//! Flag names, variant names and string values are interned when definitions are loaded,
//! never on the evaluation path. Memory grows only with the number of *distinct* strings ever
//! loaded: reloading the same file a million times interns nothing new.

use hashbrown::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

static STRINGS: LazyLock<Mutex<HashMap<&'static str, &'static String>>> =
    LazyLock::new(Mutex::default);

/// The process-wide copy of `text`, as a thin pointer (the evaluator's values stay small).
pub(crate) fn intern_string(text: &str) -> &'static String {
    let mut strings = STRINGS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = strings.get(text) {
        return existing;
    }
    let leaked: &'static String = Box::leak(Box::new(text.to_owned()));
    strings.insert(leaked.as_str(), leaked);
    leaked
}

/// The process-wide copy of `text`.
pub(crate) fn intern(text: &str) -> &'static str {
    intern_string(text).as_str()
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_strings_share_one_copy() {
        let first = super::intern(&String::from("checkout_layout"));
        let second = super::intern(&String::from("checkout_layout"));
        assert!(std::ptr::eq(first, second));
    }
}
