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

/// Whether `text` has been interned.
#[cfg(test)]
pub(crate) fn is_interned(text: &str) -> bool {
    STRINGS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains_key(text)
}

#[cfg(test)]
mod tests {
    /// An admin endpoint's refused strings must not pile up for the life of the process.
    #[test]
    fn strings_set_by_name_are_kept_only_once_accepted() {
        let store = crate::Store::from_toml(
            "flags.toml",
            "[flags.greeting]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = \"Hello\"\n[flags.layout]\ndescription = \"d\"\nowner = \"o\"\n\
             permanent = true\nvariants = [\"classic\", \"one_page\"]\ndefault = \"classic\"\n\
             [flags.beta]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = false\n",
        )
        .unwrap();
        let refused = [
            ("no_such_flag", "refused-unknown-3f9a"),
            ("layout", "refused-variant-3f9a"),
            ("beta", "refused-type-3f9a"),
        ];
        for (flag, text) in refused {
            assert!(store.set_by_name(flag, text.to_owned()).is_err());
            assert!(!super::is_interned(text), "{text}");
        }
        store.set_by_name("layout", "one_page".to_owned()).unwrap();
        store
            .set_by_name("greeting", "accepted-3f9a".to_owned())
            .unwrap();
        assert!(super::is_interned("accepted-3f9a"));
    }

    #[test]
    fn equal_strings_share_one_copy() {
        let first = super::intern(&String::from("checkout_layout"));
        let second = super::intern(&String::from("checkout_layout"));
        assert!(std::ptr::eq(first, second));
    }
}
