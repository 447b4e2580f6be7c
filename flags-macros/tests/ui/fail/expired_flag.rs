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

// One warning for an expired variant flag, not one for its enum and one for its variant too.
#[feature_flag(old_layout = b, fallback = layout_a)]
fn layout_b(ctx: &Context) -> char {
    'b'
}

fn layout_a(_ctx: &Context) -> char {
    'a'
}

fn main() {
    let ctx = Context::new("u-1");
    banner(&ctx);
    new_search();
    layout_b(&ctx);
    if flags::old_banner(&ctx) {}
    let _layout: flags::OldLayout = flags::OldLayout::A;
}
