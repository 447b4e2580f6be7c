//! Generic functions with where clauses and lifetimes, `impl Trait` arguments, arguments
//! bound by patterns, `mut` arguments.

flags_runtime::flags!();
use std::fmt::Display;

use flags_runtime::{Context, feature_flag};

#[feature_flag(new_registration_flow, fallback = longest_legacy)]
fn longest<'a, T>(ctx: &Context, a: &'a T, b: &'a T) -> &'a T
where
    T: PartialOrd + ?Sized,
{
    if a > b { a } else { b }
}

fn longest_legacy<'a, T>(_ctx: &Context, a: &'a T, _b: &'a T) -> &'a T
where
    T: PartialOrd + ?Sized,
{
    a
}

#[feature_flag(new_registration_flow, fallback = show_legacy)]
fn show(ctx: &Context, value: impl Display, mut times: usize) -> String {
    let mut out = String::new();
    while times > 0 {
        out.push_str(&value.to_string());
        times -= 1;
    }
    out
}

fn show_legacy(_ctx: &Context, value: impl Display, _times: usize) -> String {
    value.to_string()
}

#[feature_flag(new_registration_flow, fallback = sum_legacy)]
fn sum(ctx: &Context, (a, b): (u32, u32), _: ()) -> u32 {
    a + b
}

fn sum_legacy(_ctx: &Context, pair: (u32, u32), _unit: ()) -> u32 {
    pair.0
}

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    assert_eq!(longest(&tester, "a", "b"), "b");
    assert_eq!(longest(&visitor, "a", "b"), "a");
    assert_eq!(show(&tester, 4, 3), "444");
    assert_eq!(show(&visitor, 4, 3), "4");
    assert_eq!(sum(&tester, (1, 2), ()), 3);
    assert_eq!(sum(&visitor, (1, 2), ()), 1);
}
