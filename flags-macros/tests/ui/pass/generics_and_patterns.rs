//! Generic functions with where clauses and lifetimes, type and const parameters that only
//! the return type mentions (the fallback names them, or has none), `impl Trait` arguments,
//! arguments bound by patterns (`ref mut` too), `mut` arguments, an `impl Trait` return type
//! whose fallback returns the body's type by name.

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

// A lint level on a pattern is about the names it binds (the build denies warnings).
#[feature_flag(new_registration_flow, fallback = first_legacy)]
fn first(ctx: &Context, #[expect(unused_variables)] (a, b): (u32, u32)) -> u32 {
    a
}

fn first_legacy(_ctx: &Context, pair: (u32, u32)) -> u32 {
    pair.1
}

// An expectation on a name the new body leaves unused is met there, even though the name is
// passed on to the fallback; also under `cfg_attr`.
#[feature_flag(new_registration_flow, fallback = tagged_legacy)]
fn tagged(
    ctx: &Context,
    #[expect(unused_variables)] referrer: &str,
    #[cfg_attr(all(), expect(unused_variables))] campaign: &str,
) -> usize {
    1
}

fn tagged_legacy(_ctx: &Context, referrer: &str, campaign: &str) -> usize {
    referrer.len() + campaign.len()
}

// Names that only look like what the flag reads (its accessor, the module `flags`) are
// rebound as any other.
#[feature_flag(new_registration_flow, fallback = lookalike_legacy)]
fn lookalike(
    ctx: &Context,
    #[expect(unused_variables)] new_registration_flow: bool,
    #[expect(unused_variables)] flags: u8,
) -> u8 {
    2
}

fn lookalike_legacy(_ctx: &Context, new_registration_flow: bool, flags: u8) -> u8 {
    u8::from(new_registration_flow) + flags
}

// An expectation on the context itself stays on it: the flag reads it before the body.
#[feature_flag(new_registration_flow, fallback = shouting_legacy)]
fn shouting(#[expect(non_snake_case)] Ctx: &Context) -> u8 {
    2
}

fn shouting_legacy(_ctx: &Context) -> u8 {
    1
}

// `T` is in no argument, so the compiler cannot infer the fallback's: the fallback names it.
#[feature_flag(new_registration_flow, fallback = make_legacy::<T>)]
fn make<T: Default + Display>(ctx: &Context) -> String {
    format!("new {}", T::default())
}

fn make_legacy<T: Default + Display>(_ctx: &Context) -> String {
    format!("old {}", T::default())
}

// Nor does a fallback have to be generic.
#[feature_flag(new_registration_flow, fallback = describe_legacy)]
fn describe<T: Default + Display>(ctx: &Context) -> String {
    format!("new {}", T::default())
}

fn describe_legacy(_ctx: &Context) -> String {
    "old".to_owned()
}

// Written as a type would be, without the turbofish, it is called with one.
#[feature_flag(new_registration_flow, fallback = zeros_legacy<N>)]
fn zeros<const N: usize>(ctx: &Context) -> [u8; N] {
    [1; N]
}

fn zeros_legacy<const N: usize>(_ctx: &Context) -> [u8; N] {
    [0; N]
}

struct Request<'a> {
    user: Context<'a>,
}

// `user` is bound by a pattern, and `request.user` is a field: the context is the field.
#[feature_flag(new_registration_flow, fallback = greet_legacy, context = &request.user)]
fn greet(request: &Request, (user, _visits): (&str, u8)) -> String {
    format!("welcome back, {user}")
}

fn greet_legacy(_request: &Request, pair: (&str, u8)) -> String {
    format!("hello, {}", pair.0)
}

#[feature_flag(new_registration_flow, fallback = fill_legacy)]
fn fill(ctx: &Context, ref mut buffer: Vec<u8>, (ref mut counts, step): (Vec<u32>, u32)) -> usize {
    buffer.push(1);
    counts.push(step);
    buffer.len() + counts.len()
}

fn fill_legacy(_ctx: &Context, buffer: Vec<u8>, _counts: (Vec<u32>, u32)) -> usize {
    buffer.len()
}

// Functions a `macro_rules!` writes: the names it was given and the names of its own body
// come from different places, and each must still find its binding.
macro_rules! flagged {
    ($name:ident($argument:ident), $method:ident) => {
        #[feature_flag(new_registration_flow, fallback = bump_legacy)]
        fn $name(ctx: &Context, $argument: u8) -> u8 {
            $argument + 1
        }

        impl Request<'_> {
            #[feature_flag(new_registration_flow, fallback = $method, context = &self.user)]
            fn bump_method(&self, by: u8) -> u8 {
                by + 2
            }
        }
    };
}

fn bump_legacy(_ctx: &Context, n: u8) -> u8 {
    n
}

impl Request<'_> {
    fn bump_method_legacy(&self, by: u8) -> u8 {
        by
    }
}

flagged!(bump(n), bump_method_legacy);

#[feature_flag(new_registration_flow, fallback = digits_legacy)]
fn digits(ctx: &Context, n: u8) -> impl Iterator<Item = u8> {
    vec![n, n].into_iter()
}

fn digits_legacy(_ctx: &Context, n: u8) -> std::vec::IntoIter<u8> {
    vec![n].into_iter()
}

fn main() {
    let tester = Context::new("tester");
    assert_eq!(digits(&tester, 7).count(), 2);
    assert_eq!(digits(&Context::new("visitor"), 7).count(), 1);
    let visitor = Context::new("visitor");
    assert_eq!(longest(&tester, "a", "b"), "b");
    assert_eq!(longest(&visitor, "a", "b"), "a");
    assert_eq!(show(&tester, 4, 3), "444");
    assert_eq!(show(&visitor, 4, 3), "4");
    assert_eq!(sum(&tester, (1, 2), ()), 3);
    assert_eq!(sum(&visitor, (1, 2), ()), 1);
    assert_eq!(first(&tester, (1, 2)), 1);
    assert_eq!(first(&visitor, (1, 2)), 2);
    assert_eq!(tagged(&tester, "ad", "spring"), 1);
    assert_eq!(tagged(&visitor, "ad", "spring"), 8);
    assert_eq!(shouting(&tester), 2);
    assert_eq!(lookalike(&tester, true, 3), 2);
    assert_eq!(lookalike(&visitor, true, 3), 4);
    assert_eq!(shouting(&visitor), 1);
    assert_eq!(make::<u8>(&tester), "new 0");
    assert_eq!(make::<u8>(&visitor), "old 0");
    assert_eq!(describe::<bool>(&tester), "new false");
    assert_eq!(describe::<bool>(&visitor), "old");
    assert_eq!(zeros::<2>(&tester), [1, 1]);
    assert_eq!(zeros::<2>(&visitor), [0, 0]);
    let request = Request {
        user: Context::new("tester"),
    };
    assert_eq!(greet(&request, ("Ann", 2)), "welcome back, Ann");
    assert_eq!(fill(&tester, vec![], (vec![], 3)), 2);
    assert_eq!(fill(&visitor, vec![], (vec![], 3)), 0);
    assert_eq!(bump(&tester, 1), 2);
    assert_eq!(bump(&visitor, 1), 1);
    assert_eq!(request.bump_method(1), 3);
}
