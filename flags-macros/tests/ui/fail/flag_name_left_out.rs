flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(fallback = register_legacy)]
fn register(ctx: &Context) {}

fn register_legacy(_ctx: &Context) {}

fn main() {
    register(&Context::new("u-1"));
}

mod legacy {
    pub fn sign_up(_ctx: &flags_runtime::Context) {}
}

#[feature_flag(fallback = legacy::sign_up)]
fn sign_up(ctx: &Context) {}
