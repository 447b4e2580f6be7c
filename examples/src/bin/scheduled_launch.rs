//! A launch timed to the minute: the holiday sale banner turns on at 09:00 UTC on 1 December,
//! when support and marketing are ready, and off on 6 January. When something goes wrong, a
//! kill switch in code turns it off at once, for everyone, without a deploy.
//!
//! The demo moves the store's clock to show each moment.
//!
//! `cargo run -p examples --bin scheduled_launch`

#![forbid(unsafe_code)]

flags_runtime::flags!();

use flags_runtime::{Context, Timestamp, feature_flag};

#[feature_flag(holiday_sale_banner, fallback = no_banner)]
fn banner(ctx: &Context) -> &'static str {
    "Holiday sale: 30% off everything"
}

fn no_banner(_ctx: &Context) -> &'static str {
    "(no banner)"
}

fn main() -> std::process::ExitCode {
    let store = flags::store();
    let visitor = Context::new("u-7").with("country", "EE");
    let show = |moment: &str| {
        let why = flags::holiday_sale_banner_detail(&visitor).reason;
        println!("  {moment:<34} {:<34} ({why})", banner(&visitor));
    };
    let at = |when: &str| match Timestamp::parse_rfc3339(when) {
        Some(instant) => store.set_time(Some(instant)),
        None => eprintln!("not a datetime: {when}"),
    };

    println!("The holiday sale banner, as visitors see it:");
    at("2026-12-01T08:59:00Z");
    show("1 Dec 08:59 UTC, a minute before");
    at("2026-12-01T09:00:00Z");
    show("1 Dec 09:00 UTC, launch");
    at("2026-12-01T09:05:00Z");
    show("1 Dec 09:05 UTC");

    // Payments report double discounts: operations pull the banner at once.
    if let Err(error) = store.kill(flags::HOLIDAY_SALE_BANNER) {
        eprintln!("{error}");
        return std::process::ExitCode::FAILURE;
    }
    show("09:05, kill switch on");
    at("2026-12-01T10:30:00Z");
    if let Err(error) = store.clear(flags::HOLIDAY_SALE_BANNER) {
        eprintln!("{error}");
        return std::process::ExitCode::FAILURE;
    }
    show("10:30, fixed, kill switch off");

    at("2027-01-06T00:00:00Z");
    show("6 Jan 00:00 UTC, the sale is over");
    store.set_time(None);
    std::process::ExitCode::SUCCESS
}
