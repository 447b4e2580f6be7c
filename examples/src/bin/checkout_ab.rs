//! A three-way A/B test of checkout layouts: a weighted split (50/25/25) bucketed by account,
//! a generated enum and an exhaustive `match`, and the split as measured over 10_000 accounts.
//!
//! `cargo run -p examples --bin checkout_ab`

#![forbid(unsafe_code)]

flags_runtime::flags!();

use flags_runtime::{Context, feature_flag};

/// Each layout is a different page; the compiler makes sure every variant has one.
fn checkout_page(ctx: &Context) -> &'static str {
    match flags::checkout_layout(ctx) {
        flags::CheckoutLayout::Classic => "cart, then address, then payment",
        flags::CheckoutLayout::OnePage => "everything on one page",
        flags::CheckoutLayout::Express => "saved address and card, one click",
    }
}

/// Only the express variant offers to save the card; the others keep the old behaviour.
#[feature_flag(checkout_layout = express, fallback = ask_for_card)]
fn payment_step(ctx: &Context) -> &'static str {
    "use the saved card"
}

fn ask_for_card(_ctx: &Context) -> &'static str {
    "ask for a card"
}

const ACCOUNTS: usize = 10_000;

fn main() {
    let mut counts = [0usize; 3];
    for account in 0..ACCOUNTS {
        let account_id = format!("acct-{account}");
        // Three people per account: they must all see the same layout.
        let layouts: Vec<flags::CheckoutLayout> = (0..3)
            .map(|person| {
                let user = format!("user-{account}-{person}");
                flags::checkout_layout(
                    &Context::new(user.as_str()).with("account_id", account_id.as_str()),
                )
            })
            .collect();
        assert!(
            layouts.iter().all(|layout| *layout == layouts[0]),
            "account {account_id} saw {layouts:?}"
        );
        counts[layouts[0] as usize] += 1;
    }

    println!("Checkout layouts over {ACCOUNTS} accounts (3 users each, bucketed by account):");
    println!(
        "  {:<10} {:>8} {:>9} {:>8}",
        "layout", "accounts", "measured", "target"
    );
    for (layout, target) in flags::CheckoutLayout::ALL.iter().zip([50.0, 25.0, 25.0]) {
        let count = counts[*layout as usize];
        let share = count as f64 * 100.0 / ACCOUNTS as f64;
        println!(
            "  {:<10} {count:>8} {share:>8.2}% {target:>7.1}%",
            layout.as_str()
        );
    }

    println!();
    for account in ["acct-42", "acct-3"] {
        let ctx = Context::new(format!("user-of-{account}")).with("account_id", account);
        println!(
            "{account} sees the {} checkout ({}) and the payment step will {}.",
            flags::checkout_layout(&ctx),
            checkout_page(&ctx),
            payment_step(&ctx)
        );
        println!("  why: {}", flags::checkout_layout_detail(&ctx).reason);
    }
}
