//! Free functions: boolean and variant flags, `context = EXPR`, `module = PATH`, pinned flags,
//! visibility, attributes and documentation kept.

flags_runtime::flags!();
use flags_runtime::{Context, feature_flag};

/// Registers a user.
#[feature_flag(new_registration_flow, fallback = register_legacy)]
#[must_use]
pub(crate) fn register(ctx: &Context, email: &str) -> String {
    format!("two-step {email}")
}

fn register_legacy(_ctx: &Context, email: &str) -> String {
    format!("one-step {email}")
}

#[feature_flag(checkout_layout = one_page, fallback = classic)]
fn one_page(ctx: &Context<'_>) -> &'static str {
    "one page"
}

#[feature_flag(checkout_layout = Express, fallback = classic)]
fn express(ctx: Context) -> &'static str {
    "express"
}

fn classic<'a>(_ctx: impl std::borrow::Borrow<Context<'a>>) -> &'static str {
    "classic"
}

struct User {
    id: String,
}

impl User {
    fn flag_context(&self) -> Context<'_> {
        Context::new(self.id.as_str())
    }
}

#[feature_flag(new_registration_flow, fallback = greet_legacy, context = user.flag_context())]
fn greet(user: &User) -> String {
    format!("welcome, {}", user.id)
}

fn greet_legacy(user: &User) -> String {
    format!("hello, {}", user.id)
}

mod nested {
    use flags_runtime::{Context, feature_flag};

    #[feature_flag(new_registration_flow, fallback = off, module = crate::flags)]
    pub fn on(ctx: &mut Context) -> bool {
        true
    }

    fn off(_ctx: &mut Context) -> bool {
        false
    }
}

#[feature_flag(shipped, fallback = old_search)]
fn new_search(query: &str) -> String {
    format!("new search for {query}")
}

fn old_search(query: &str) -> String {
    format!("old search for {query}")
}

#[feature_flag(retired, fallback = control)]
fn experiment() -> u8 {
    1
}

fn control() -> u8 {
    0
}

#[feature_flag(pinned_layout = b, fallback = layout_a)]
fn layout_b() -> char {
    'b'
}

fn layout_a() -> char {
    'a'
}

/// The runtime's `Context` through an alias of the crate.
mod aliased {
    use flags_runtime as fr;
    use flags_runtime::feature_flag;

    #[feature_flag(new_registration_flow, fallback = greet_legacy)]
    pub fn greet(ctx: &fr::Context) -> &'static str {
        "hello again"
    }

    fn greet_legacy(_ctx: &fr::Context) -> &'static str {
        "hello"
    }
}

/// Another crate's `Context` beside the runtime's: the runtime's is the flag's.
mod two_contexts {
    use flags_runtime::{Context, feature_flag};

    mod egui {
        pub struct Context;
    }

    #[feature_flag(new_registration_flow, fallback = draw_legacy)]
    pub fn draw(_ui: &egui::Context, ctx: &Context) -> &'static str {
        "new"
    }

    fn draw_legacy(_ui: &egui::Context, _ctx: &Context) -> &'static str {
        "old"
    }

    pub fn draw_for(ctx: &Context) -> &'static str {
        draw(&egui::Context, ctx)
    }
}

// The other crate's `Context` imported by name, the runtime's named by its path: the path
// decides.
mod imported_other_context {
    use flags_runtime::feature_flag;

    mod egui {
        pub struct Context;
    }
    use egui::Context;

    #[feature_flag(new_registration_flow, fallback = draw_legacy)]
    pub fn draw(_ui: &Context, ctx: &flags_runtime::Context) -> &'static str {
        "new"
    }

    fn draw_legacy(_ui: &Context, _ctx: &flags_runtime::Context) -> &'static str {
        "old"
    }

    pub fn draw_for(ctx: &flags_runtime::Context) -> &'static str {
        draw(&Context, ctx)
    }
}

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    assert_eq!(two_contexts::draw_for(&tester), "new");
    assert_eq!(two_contexts::draw_for(&visitor), "old");
    assert_eq!(imported_other_context::draw_for(&tester), "new");
    assert_eq!(imported_other_context::draw_for(&visitor), "old");
    assert_eq!(aliased::greet(&tester), "hello again");
    assert_eq!(aliased::greet(&visitor), "hello");
    assert_eq!(
        register(&tester, "ada@example.com"),
        "two-step ada@example.com"
    );
    assert_eq!(
        register(&visitor, "ada@example.com"),
        "one-step ada@example.com"
    );

    assert_eq!(one_page(&Context::new("one-page-user")), "one page");
    assert_eq!(one_page(&Context::new("express-user")), "classic");
    assert_eq!(express(Context::new("express-user")), "express");
    assert_eq!(express(Context::new("one-page-user")), "classic");

    assert_eq!(
        greet(&User {
            id: "tester".into()
        }),
        "welcome, tester"
    );
    assert_eq!(
        greet(&User {
            id: "visitor".into()
        }),
        "hello, visitor"
    );

    assert!(nested::on(&mut Context::new("tester")));
    assert!(!nested::on(&mut Context::new("visitor")));

    assert_eq!(new_search("rust"), "new search for rust");
    assert_eq!(experiment(), 0);
    assert_eq!(layout_b(), 'b');
}
