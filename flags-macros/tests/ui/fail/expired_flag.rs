#![deny(warnings)]

flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(old_banner, fallback = no_banner)]
fn banner(ctx: &Context) -> &'static str {
    "Happy holidays 2019!"
}

fn no_banner(_ctx: &Context) -> &'static str {
    ""
}

#[feature_flag(old_pinned, fallback = old_search)]
fn new_search() -> u8 {
    2
}

fn old_search() -> u8 {
    1
}

fn main() {
    let ctx = Context::new("u-1");
    banner(&ctx);
    new_search();
    if flags::old_banner(&ctx) {}
    let _layout: flags::OldLayout = flags::OldLayout::A;
}
