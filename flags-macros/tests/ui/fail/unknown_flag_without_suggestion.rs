flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(dark_mode, fallback = light)]
fn dark(ctx: &Context) {}

fn light(_ctx: &Context) {}

fn main() {}

// A flag's name that is also an argument's, written alone: an unknown flag, not a flag left
// out.
#[feature_flag(module, fallback = light)]
fn shaded(ctx: &Context) {}
