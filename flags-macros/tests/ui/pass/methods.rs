//! Methods taking `&self`, `&mut self` and `self`, associated functions, trait methods.

flags_runtime::flags!();
use flags_runtime::{Context, feature_flag};

#[derive(Clone)]
struct Checkout {
    items: Vec<u32>,
}

impl Checkout {
    #[feature_flag(new_registration_flow, fallback = total_legacy)]
    fn total(&self, ctx: &Context) -> u32 {
        self.items.iter().sum::<u32>() * 2
    }

    fn total_legacy(&self, _ctx: &Context) -> u32 {
        self.items.iter().sum()
    }

    #[feature_flag(new_registration_flow, fallback = Self::add_legacy)]
    fn add(&mut self, ctx: &Context, item: u32) {
        self.items.push(item * 10);
    }

    fn add_legacy(&mut self, _ctx: &Context, item: u32) {
        self.items.push(item);
    }

    #[feature_flag(new_registration_flow, fallback = into_legacy)]
    fn into_items(self, ctx: &Context) -> Vec<u32> {
        self.items.into_iter().rev().collect()
    }

    fn into_legacy(self, _ctx: &Context) -> Vec<u32> {
        self.items
    }

    #[feature_flag(new_registration_flow, fallback = Self::empty_legacy)]
    fn empty(ctx: &Context) -> Self {
        Checkout { items: vec![1] }
    }

    fn empty_legacy(_ctx: &Context) -> Self {
        Checkout { items: Vec::new() }
    }
}

trait Greeter {
    fn greet(&self, ctx: &Context) -> String;
}

struct English;

fn plain_greeting(_greeter: &English, _ctx: &Context) -> String {
    "Hello".to_owned()
}

impl Greeter for English {
    #[feature_flag(new_registration_flow, fallback = crate::plain_greeting)]
    fn greet(&self, ctx: &Context) -> String {
        "Welcome!".to_owned()
    }
}

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    let checkout = Checkout { items: vec![1, 2] };
    assert_eq!(checkout.total(&tester), 6);
    assert_eq!(checkout.total(&visitor), 3);

    let mut growing = checkout.clone();
    growing.add(&tester, 3);
    growing.add(&visitor, 4);
    assert_eq!(growing.items, [1, 2, 30, 4]);

    assert_eq!(checkout.clone().into_items(&tester), [2, 1]);
    assert_eq!(checkout.into_items(&visitor), [1, 2]);

    assert_eq!(Checkout::empty(&tester).items, [1]);
    assert!(Checkout::empty(&visitor).items.is_empty());

    assert_eq!(English.greet(&tester), "Welcome!");
    assert_eq!(English.greet(&visitor), "Hello");
}
