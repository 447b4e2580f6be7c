flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registraton_flow, fallback = register_legacy)]
fn register(ctx: &Context) -> &'static str {
    "new"
}

fn register_legacy(_ctx: &Context) -> &'static str {
    "old"
}

fn main() {
    register(&Context::new("u-1"));
}
