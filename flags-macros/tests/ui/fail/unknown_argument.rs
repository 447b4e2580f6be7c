flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallbak = register_legacy)]
fn register(ctx: &Context) {}

fn register_legacy(_ctx: &Context) {}

// A syntax error after an unknown argument: both are reported.
#[feature_flag(new_registration_flow, fallbak = register_legacy, context = )]
fn register_again(ctx: &Context) {}

// Nothing near: the arguments there are.
#[feature_flag(new_registration_flow, fallback = register_legacy, rollout = 5)]
fn register_once_more(ctx: &Context) {}

fn main() {}
