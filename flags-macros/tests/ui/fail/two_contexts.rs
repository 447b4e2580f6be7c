flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(user: &Context, referrer: &Context) {}

fn register_legacy(_user: &Context, _referrer: &Context) {}

// The help names the argument that has a name.
#[feature_flag(new_registration_flow, fallback = invite_legacy)]
fn invite(_: &Context, ctx: &Context) {}

fn invite_legacy(_: &Context, _ctx: &Context) {}

fn main() {}
