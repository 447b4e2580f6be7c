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

fn main() {
    let ctx = Context::new("u-1");
    banner(&ctx);
    if flags::old_banner(&ctx) {}
}
