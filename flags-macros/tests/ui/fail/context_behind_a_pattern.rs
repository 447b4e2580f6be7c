flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

struct Request<'a>(Context<'a>);

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register((ctx, _): (&Context, u8)) {}

fn register_legacy(_pair: (&Context, u8)) {}

fn main() {}
