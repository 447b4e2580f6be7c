//! The generated module: accessors of every type, details, keys, enums, metadata.

flags_runtime::flags!();
use flags_runtime::{Context, Reason};

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");

    let on: bool = flags::new_registration_flow(&tester);
    assert!(on);
    assert!(!flags::new_registration_flow(&visitor));
    let detail = flags::new_registration_flow_detail(&tester);
    assert_eq!(
        detail.reason,
        Reason::Segment {
            rule: 0,
            segment: "testers"
        }
    );

    let page_size: i64 = flags::search_page_size(&visitor);
    assert_eq!(page_size, 20);
    let greeting: &'static str = flags::greeting(&visitor);
    assert_eq!(greeting, "Hello");
    let factor: f64 = flags::price_factor(&visitor);
    assert_eq!(factor, 1.0);

    let layout: flags::CheckoutLayout = flags::checkout_layout(&Context::new("express-user"));
    assert_eq!(layout, flags::CheckoutLayout::Express);
    assert_eq!(layout.to_string(), "express");
    assert_eq!(layout.as_str(), "express");
    assert_eq!(
        flags::CheckoutLayout::from_name("one_page"),
        Some(flags::CheckoutLayout::OnePage)
    );
    assert_eq!(flags::CheckoutLayout::ALL.len(), 3);
    let label = match flags::checkout_layout(&visitor) {
        flags::CheckoutLayout::Classic => "classic",
        flags::CheckoutLayout::OnePage => "one page",
        flags::CheckoutLayout::Express => "express",
    };
    assert_eq!(label, "classic");

    // Pinned flags are constants: their accessors are `const fn`s that read no store.
    let shipped: fn(&Context<'_>) -> bool = flags::shipped;
    assert!(shipped(&visitor));
    assert_eq!(flags::shipped_detail(&visitor).reason, Reason::Pinned);
    assert_eq!(flags::pinned_layout(&visitor), flags::PinnedLayout::B);

    // Typed keys: overrides and kill switches without strings.
    let store = flags::store();
    store.set(flags::SEARCH_PAGE_SIZE, 50).unwrap();
    assert_eq!(flags::search_page_size(&visitor), 50);
    store
        .set(flags::CHECKOUT_LAYOUT, flags::CheckoutLayout::OnePage)
        .unwrap();
    assert_eq!(
        flags::checkout_layout(&visitor),
        flags::CheckoutLayout::OnePage
    );
    store.kill(flags::NEW_REGISTRATION_FLOW).unwrap();
    assert!(!flags::new_registration_flow(&tester));
    assert_eq!(
        flags::new_registration_flow_detail(&tester).reason,
        Reason::Killed
    );
    assert!(
        store.set(flags::SHIPPED, false).is_err(),
        "pinned flags cannot change"
    );
    store.clear_all();
    assert!(flags::new_registration_flow(&tester));

    // Metadata.
    let info = flags::NEW_REGISTRATION_FLOW.info();
    assert_eq!(info.owner, "growth-team");
    assert_eq!(info.expires, Some("2099-03-01"));
    assert_eq!(flags::all().len(), 13);
    // A variant flag called `key`, whose key is `KEY`.
    assert_eq!(flags::key(&tester), flags::Key::Qwerty);
    assert_eq!(flags::KEY.info().name, "key");
    assert_eq!(flags::all()[1].variants, ["classic", "one_page", "express"]);
    assert!(
        flags::all()
            .iter()
            .any(|flag| flag.name == "search_page_size" && flag.permanent)
    );

    // A store built from a file that orders the variants differently: keys go by name.
    let other = flags_runtime::Store::from_toml(
        "other.toml",
        r#"
[flags.checkout_layout]
description = "Reordered"
owner = "payments"
expires = 2099-01-15
variants = ["express", "one_page", "classic"]
default = "one_page"
"#,
    )
    .unwrap();
    assert_eq!(
        other.get(flags::CHECKOUT_LAYOUT, &visitor),
        flags::CheckoutLayout::OnePage
    );
    other
        .set(flags::CHECKOUT_LAYOUT, flags::CheckoutLayout::Express)
        .unwrap();
    assert_eq!(
        other.get(flags::CHECKOUT_LAYOUT, &visitor),
        flags::CheckoutLayout::Express
    );
    assert_eq!(
        other.get_by_name::<&str>("checkout_layout", &visitor),
        Some("express")
    );

    // A variant as a store serves it: by its name when the store gives one, else by its
    // position.
    let served = |index, name| flags_runtime::__private::Variant { index, name };
    assert_eq!(
        flags::CheckoutLayout::__from_variant(served(0, Some("express"))),
        Some(flags::CheckoutLayout::Express)
    );
    assert_eq!(
        flags::CheckoutLayout::__from_variant(served(2, None)),
        Some(flags::CheckoutLayout::Express)
    );
    assert_eq!(
        flags::CheckoutLayout::__from_variant(served(9, Some("sideways"))),
        None
    );

    // The generated store, given a live file that orders the variants differently: the
    // accessors serve the variant by its name.
    flags::store()
        .apply_toml(
            "live.toml",
            r#"
[flags.checkout_layout]
description = "Reordered, live"
owner = "payments"
expires = 2099-01-15
variants = ["express", "one_page", "classic"]
default = "express"
"#,
        )
        .unwrap();
    assert_eq!(
        flags::checkout_layout(&visitor),
        flags::CheckoutLayout::Express
    );
    let detail = flags::checkout_layout_detail(&visitor);
    assert_eq!(
        (detail.value, detail.reason),
        (
            flags::CheckoutLayout::Express,
            flags_runtime::Reason::Default
        )
    );
}
