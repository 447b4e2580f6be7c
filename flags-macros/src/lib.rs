//! The macros of compile-time checked feature flags; use them through `flags_runtime`, which
//! re-exports them.
//!
//! * `flags!()` reads `flags.toml` at compile time and generates a typed module `flags`.
//! * `#[feature_flag(name, fallback = old_fn)]` branches a function on a flag.
//!
//! A flag that does not exist, a variant that was renamed or a malformed `flags.toml` is a
//! compile error at the token that names it; an expired flag is a warning at every use.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod ctxt;
mod docs;
mod fallback;
mod feature_flag;
mod load;
mod module;
mod names;

use proc_macro::TokenStream;

/// Generates the typed module `flags` from `flags.toml`.
///
/// `flags!("path/to/flags.toml")` reads the given file, relative to the calling file like
/// `include_str!`. `flags!()` reads the file `FLAGS_TOML` names in the build's environment
/// (relative to the crate's folder), else the nearest `flags.toml` upward from the file that
/// calls it (for a crate's own sources, the folder of its `Cargo.toml` comes first).
/// `#[feature_flag]` finds its file as `flags!()` does, so a crate that uses it names a file
/// elsewhere with `FLAGS_TOML` (in `.cargo/config.toml`'s `[env]`) rather than in
/// `flags!("...")`. The module holds, for every flag:
///
/// * an accessor, `flags::new_registration_flow(&ctx) -> bool` (`i64`, `f64`, `&'static str`,
///   or a generated enum for variant flags), documented with the flag's description, owner,
///   expiry and targeting;
/// * `flags::new_registration_flow_detail(&ctx)`, the value with its [reason];
/// * `flags::NEW_REGISTRATION_FLOW`, a typed key for overrides and kill switches;
///
/// and `flags::store()` (the runtime store) and `flags::all()` (every flag's metadata).
/// An expired flag's items are `#[deprecated]`, so every use warns. Editing `flags.toml`
/// recompiles the crate.
///
/// ```
/// flags_runtime::flags!();
///
/// let ctx = flags_runtime::Context::new("u-1001").with("country", "DE");
/// let page_size: i64 = flags::search_page_size(&ctx);
/// assert_eq!(page_size, 20);
/// let layout: flags::CheckoutLayout = flags::checkout_layout(&ctx.clone().with("account_id", "a-1"));
/// println!("{layout}");
/// ```
///
/// [reason]: https://docs.rs/flags-runtime/latest/flags_runtime/enum.Reason.html
#[proc_macro]
pub fn flags(input: TokenStream) -> TokenStream {
    let caller = proc_macro::Span::call_site().local_file();
    module::expand(input.into(), caller.as_deref()).into()
}

/// Runs the function's body when a flag is on, and calls the fallback otherwise.
///
/// * `#[feature_flag(new_registration_flow, fallback = register_legacy)]`: a boolean flag.
/// * `#[feature_flag(checkout_layout = one_page, fallback = classic_checkout)]`: one variant.
/// * `context = EXPR`: where the `Context` comes from, when it is not an argument of type
///   `Context`/`&Context` (`context = user.flag_context()`).
/// * `module = path::to::flags`: where `flags!()` put its module, when not at the crate root.
///
/// The fallback is called with the same arguments (`Self::old` for methods; a plain name in a
/// method means `Self::name`). The signature, attributes, docs, `async` and generics stay as
/// written. A pinned flag calls the chosen path directly. Both paths return one type: with
/// `-> impl Trait`, the fallback must return the body's type by name (two `impl Trait`
/// functions return two hidden types, which rustc reports as "`if` and `else` have
/// incompatible types").
///
/// ```
/// flags_runtime::flags!();
/// use flags_runtime::{feature_flag, Context};
///
/// #[feature_flag(new_registration_flow, fallback = register_legacy)]
/// fn register(ctx: &Context, email: &str) -> String {
///     format!("two-step registration for {email}")
/// }
///
/// fn register_legacy(_ctx: &Context, email: &str) -> String {
///     format!("one-step registration for {email}")
/// }
///
/// fn main() {
///     let tester = Context::new("u-1001");
///     assert_eq!(register(&tester, "ada@example.com"), "two-step registration for ada@example.com");
/// }
/// ```
#[proc_macro_attribute]
pub fn feature_flag(args: TokenStream, item: TokenStream) -> TokenStream {
    let caller = proc_macro::Span::call_site().local_file();
    feature_flag::expand(args.into(), item.into(), caller.as_deref()).into()
}
