flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ref ctx: Context) {}

fn register_legacy(_ctx: Context) {}

fn main() {}
