flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

// Only rustc's error about the body: the attribute adds none.
#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context) -> u32 {
    let x = ;
    x
}

fn register_legacy(_ctx: &Context) -> u32 {
    0
}

fn main() {}
