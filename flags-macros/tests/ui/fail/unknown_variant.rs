flags_runtime::flags!();
use flags_runtime::{feature_flag, Context};

#[feature_flag(checkout_layout = one_pag, fallback = classic)]
fn one_page(ctx: &Context) {}

#[feature_flag(checkout_layout = Single, fallback = classic)]
fn single(ctx: &Context) {}

#[feature_flag(checkout_layout = OnePag, fallback = classic)]
fn one_page_camel(ctx: &Context) {}

fn classic(_ctx: &Context) {}

fn main() {}
