flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(search_page_size, fallback = small)]
fn large(ctx: &Context) {}

fn small(_ctx: &Context) {}

fn main() {}
