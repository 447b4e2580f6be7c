//! Bodies on one line, as code not run through rustfmt has them (no `unused_braces`), and
//! lock guards in arguments bound by `_` (no `let_underscore_lock`), warning-free under
//! `-D warnings`. (`rustfmt::skip`, as this file also builds as a test of the workspace, which
//! rustfmt would spread over several lines.)
#![deny(warnings)]

flags_runtime::flags!();

use std::sync::{Mutex, MutexGuard};

use flags_runtime::{Context, feature_flag};

#[rustfmt::skip]
#[feature_flag(new_registration_flow, fallback = short_legacy)]
fn short(ctx: &Context) -> u8 { 2 }

#[rustfmt::skip]
fn short_legacy(_ctx: &Context) -> u8 { 1 }

#[rustfmt::skip]
#[feature_flag(shipped, fallback = short_legacy)]
fn short_pinned(ctx: &Context) -> u8 { 2 }

#[rustfmt::skip]
#[feature_flag(new_registration_flow, fallback = sum_legacy)]
fn sum(ctx: &Context, (a, b): (u8, u8)) -> u8 { a + b }

#[rustfmt::skip]
fn sum_legacy(_ctx: &Context, _pair: (u8, u8)) -> u8 { 0 }

#[rustfmt::skip]
#[feature_flag(new_registration_flow, fallback = locked_legacy)]
fn locked(ctx: &Context, _: MutexGuard<'_, u8>) -> u8 { 2 }

#[rustfmt::skip]
fn locked_legacy(_ctx: &Context, _guard: MutexGuard<'_, u8>) -> u8 { 1 }

#[rustfmt::skip]
#[feature_flag(new_registration_flow, fallback = paired_legacy)]
fn paired(ctx: &Context, (_, n): (MutexGuard<'_, u8>, u8)) -> u8 { n }

#[rustfmt::skip]
fn paired_legacy(_ctx: &Context, _pair: (MutexGuard<'_, u8>, u8)) -> u8 { 0 }

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    assert_eq!((short(&tester), short(&visitor)), (2, 1));
    assert_eq!(short_pinned(&visitor), 2);
    assert_eq!((sum(&tester, (1, 2)), sum(&visitor, (1, 2))), (3, 0));
    let lock = Mutex::new(0);
    assert_eq!(locked(&tester, lock.lock().unwrap()), 2);
    // The guard was held to the end of the call, and is gone now.
    assert!(lock.try_lock().is_ok());
    assert_eq!(paired(&tester, (lock.lock().unwrap(), 7)), 7);
    assert_eq!(paired(&visitor, (lock.lock().unwrap(), 7)), 0);
}
