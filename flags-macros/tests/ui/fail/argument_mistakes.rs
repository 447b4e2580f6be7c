//! Mistakes in `#[feature_flag(...)]` arguments, each reported at its token, all at once.

flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow, fallback = old, fallback = older)]
fn given_twice(ctx: &Context) {}

#[feature_flag()]
fn nothing_given(ctx: &Context) {}

#[feature_flag(checkout_layout = 1, fallback = old)]
fn variant_not_a_name(ctx: &Context) {}

#[feature_flag(new_registraton_flow)]
fn unknown_and_no_fallback(ctx: &Context) {}

mod other {
    flags_runtime::flags!("flags.toml", "other.toml");
}

fn old(_ctx: &Context) {}
fn older(_ctx: &Context) {}

fn main() {}
