flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(dark_mode, fallback = light)]
fn dark(ctx: &Context) {}

fn light(_ctx: &Context) {}

fn main() {}
