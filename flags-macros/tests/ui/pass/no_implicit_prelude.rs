//! The generated module names everything by its absolute path: it builds in a crate without
//! the prelude.
#![no_implicit_prelude]
#![deny(warnings)]

::flags_runtime::flags!();

#[::flags_runtime::feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &::flags_runtime::Context) -> u8 {
    2
}

fn register_legacy(_ctx: &::flags_runtime::Context) -> u8 {
    1
}

fn main() {
    let tester = ::flags_runtime::Context::new("tester");
    ::std::assert_eq!(register(&tester), 2);
    ::std::assert_eq!(
        flags::checkout_layout(&tester),
        flags::CheckoutLayout::Classic
    );
    ::std::assert_eq!(
        flags::CheckoutLayout::from_name("express"),
        ::std::option::Option::Some(flags::CheckoutLayout::Express)
    );
}
