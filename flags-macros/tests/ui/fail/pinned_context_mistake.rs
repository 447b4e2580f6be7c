//! A pinned flag's `context = EXPR` is compiled: a mistake in it is an error now.

flags_runtime::flags!();

use flags_runtime::{Context, feature_flag};

struct User {
    id: String,
}

fn flag_context(user: &User) -> Context<'_> {
    Context::new(user.id.as_str())
}

#[feature_flag(shipped, fallback = search_legacy, context = flag_contxt(user))]
fn search(user: &User) -> &'static str {
    let _ = (user, flag_context);
    "new"
}

fn search_legacy(_user: &User) -> &'static str {
    "old"
}

fn main() {}
