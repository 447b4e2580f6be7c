flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(user: &Context, referrer: &Context) {}

fn register_legacy(_user: &Context, _referrer: &Context) {}

fn main() {}
