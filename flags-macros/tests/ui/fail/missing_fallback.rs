flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(new_registration_flow)]
fn register(ctx: &Context) {}

// The help keeps the variant.
#[feature_flag(checkout_layout = one_page)]
fn one_page_checkout(ctx: &Context) {}

fn main() {}
