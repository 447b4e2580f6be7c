flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context) -> String {
    String::new()
}

fn register_legacy(_ctx: &Context) -> u32 {
    0
}

fn main() {}
