flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow)]
fn register(ctx: &Context) {}

fn main() {}
