flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(checkout_layout, fallback = classic)]
fn one_page(ctx: &Context) {}

fn classic(_ctx: &Context) {}

fn main() {}
