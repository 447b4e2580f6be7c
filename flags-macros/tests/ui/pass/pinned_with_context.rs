//! A pinned flag with `context = EXPR`: the expression is still compiled (its helper is no
//! dead code, and a mistake in it shows now, not on the day the flag is unpinned), and the
//! pinned path is taken without evaluating it.
#![deny(warnings)]

flags_runtime::flags!();

use flags_runtime::{Context, feature_flag};

struct User {
    id: String,
}

fn flag_context(user: &User) -> Context<'_> {
    Context::new(user.id.as_str())
}

#[feature_flag(shipped, fallback = search_legacy, context = flag_context(user))]
fn search(user: &User) -> &'static str {
    let _ = user;
    "new"
}

fn search_legacy(_user: &User) -> &'static str {
    "old"
}

fn main() {
    let user = User {
        id: "u-1".to_owned(),
    };
    assert_eq!(search(&user), "new");
}
