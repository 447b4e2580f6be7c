flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

// Two functions returning `impl Trait` return two hidden types: rustc cannot branch them.
#[feature_flag(new_registration_flow, fallback = digits_legacy)]
fn digits(ctx: &Context) -> impl Iterator<Item = u8> {
    vec![1, 2].into_iter()
}

fn digits_legacy(_ctx: &Context) -> impl Iterator<Item = u8> {
    vec![1].into_iter()
}

fn main() {}
