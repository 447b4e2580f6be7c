//! Inner attributes atop the body, arguments behind `#[cfg]`, `unsafe fn` with an unsafe
//! fallback (no warning in edition 2024), a generic fallback named by one segment in a
//! method, and variant flags (one called `context`), all warning-free under `-D warnings`.
#![deny(warnings)]

flags_runtime::flags!();

use flags_runtime::{Context, feature_flag};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context, email: &str) -> String {
    #![allow(clippy::needless_return)]
    return format!("two-step {email}");
}

fn register_legacy(_ctx: &Context, email: &str) -> String {
    format!("one-step {email}")
}

#[feature_flag(new_registration_flow, fallback = tag_legacy)]
fn tag(
    ctx: &Context,
    #[cfg(any())] missing: u8,
    #[cfg(all())] present: u8,
    #[cfg(any())] (a, b): (u8, u8),
) -> u8 {
    present + 1
}

fn tag_legacy(_ctx: &Context, #[cfg(any())] _missing: u8, #[cfg(all())] present: u8) -> u8 {
    present
}

/// # Safety
/// `byte` points at a readable byte.
#[feature_flag(new_registration_flow, fallback = read_legacy)]
unsafe fn read(ctx: &Context, byte: *const u8) -> u8 {
    unsafe { *byte + 1 }
}

/// # Safety
/// `byte` points at a readable byte.
unsafe fn read_legacy(_ctx: &Context, byte: *const u8) -> u8 {
    unsafe { *byte }
}

/// # Safety
/// Nothing to uphold: the fallback is safe.
#[feature_flag(new_registration_flow, fallback = safe_legacy)]
unsafe fn with_safe_fallback(ctx: &Context) -> u8 {
    2
}

fn safe_legacy(_ctx: &Context) -> u8 {
    1
}

struct Factory;

impl Factory {
    #[feature_flag(new_registration_flow, fallback = make_legacy::<T>)]
    fn make<T: Default + std::fmt::Debug>(&self, ctx: &Context) -> String {
        format!("new {:?}", T::default())
    }

    fn make_legacy<T: Default + std::fmt::Debug>(&self, _ctx: &Context) -> String {
        format!("old {:?}", T::default())
    }
}

#[feature_flag(checkout_layout = one_page, fallback = classic_checkout)]
fn one_page_checkout(ctx: &Context) -> &'static str {
    "one page"
}

fn classic_checkout(_ctx: &Context) -> &'static str {
    "classic"
}

// A variant flag may be called `context`, like the argument.
#[feature_flag(context = mobile, fallback = web_page)]
fn mobile_page(ctx: &Context) -> &'static str {
    "mobile"
}

fn web_page(_ctx: &Context) -> &'static str {
    "web"
}

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    assert_eq!(register(&tester, "a@b"), "two-step a@b");
    assert_eq!(register(&visitor, "a@b"), "one-step a@b");
    assert_eq!(tag(&tester, 1), 2);
    assert_eq!(tag(&visitor, 1), 1);
    let byte = 7u8;
    assert_eq!(unsafe { read(&tester, &byte) }, 8);
    assert_eq!(unsafe { read(&visitor, &byte) }, 7);
    assert_eq!(unsafe { with_safe_fallback(&visitor) }, 1);
    assert_eq!(Factory.make::<u8>(&tester), "new 0");
    assert_eq!(Factory.make::<u8>(&visitor), "old 0");
    assert_eq!(one_page_checkout(&Context::new("one-page-user")), "one page");
    assert_eq!(one_page_checkout(&visitor), "classic");
    assert_eq!(mobile_page(&Context::new("mobile-user")), "mobile");
    assert_eq!(mobile_page(&visitor), "web");
}
