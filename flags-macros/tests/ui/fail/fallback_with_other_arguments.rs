flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context, email: &str) -> String {
    email.to_owned()
}

fn register_legacy(_ctx: &Context) -> String {
    String::new()
}

fn main() {}
