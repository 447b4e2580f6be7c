flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

// `#[feature_flag]` says where it looked too, and that only `FLAGS_TOML` names a file
// elsewhere for it.
#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context) {}

fn register_legacy(_ctx: &Context) {}

fn main() {}
