flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

struct User<'a>(Context<'a>);

#[feature_flag(new_registration_flow, fallback = register_legacy, context = &user.0)]
fn register((user, _attempt): (&User, u8)) {}

fn register_legacy(_pair: (&User, u8)) {}

fn main() {}
