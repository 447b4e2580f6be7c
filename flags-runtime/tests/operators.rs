//! Every operator and rule kind, with matching, non-matching, missing and ill-typed attributes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use flags_runtime::{Context, Location, Reason, Store, Timestamp};

/// A store with one boolean flag `f` whose only rule has the given condition.
fn when(condition: &str) -> Store {
    Store::from_toml(
        "flags.toml",
        &format!(
            r#"
[flags.f]
description = "Under test"
owner = "tests"
expires = 2099-01-01
default = false
[[flags.f.rules]]
when = [{condition}]
serve = true
"#
        ),
    )
    .unwrap_or_else(|errors| panic!("{errors}"))
}

fn on(store: &Store, ctx: &Context<'_>) -> bool {
    store.get_by_name::<bool>("f", ctx).unwrap()
}

fn with(
    name: &'static str,
    value: impl Into<flags_runtime::Attribute<'static>>,
) -> Context<'static> {
    Context::new("u-1").with(name, value)
}

#[test]
fn in_and_not_in_strings() {
    let store = when(r#"{ attribute = "country", in = ["EE", "FI"] }"#);
    assert!(on(&store, &with("country", "EE")));
    assert!(!on(&store, &with("country", "ee")), "exact by default");
    assert!(!on(&store, &with("country", "DE")));
    assert!(!on(&store, &Context::new("u-1")), "missing attribute");
    assert!(!on(&store, &with("country", 42)), "ill-typed attribute");
    assert!(
        on(&store, &with("country", vec!["DE", "FI"])),
        "any item of a list"
    );
    assert!(!on(&store, &with("country", vec!["DE"])));

    let store = when(r#"{ attribute = "country", not_in = ["EE", "FI"] }"#);
    assert!(on(&store, &with("country", "DE")));
    assert!(!on(&store, &with("country", "EE")));
    assert!(
        !on(&store, &Context::new("u-1")),
        "missing never matches, even negatively"
    );
}

#[test]
fn in_large_sets_is_hashed_and_still_exact() {
    let countries: Vec<String> = (0..50).map(|i| format!("\"C{i:02}\"")).collect();
    let store = when(&format!(
        r#"{{ attribute = "country", in = [{}] }}"#,
        countries.join(", ")
    ));
    assert!(on(&store, &with("country", "C00")));
    assert!(on(&store, &with("country", "C49")));
    assert!(!on(&store, &with("country", "C50")));
    assert!(!on(&store, &with("country", "c00")));
}

#[test]
fn in_integers() {
    let store = when(r#"{ attribute = "tenant", in = [1, 2, 3] }"#);
    assert!(on(&store, &with("tenant", 2)));
    assert!(
        on(&store, &with("tenant", 2.0)),
        "an integral float is that integer"
    );
    assert!(!on(&store, &with("tenant", 2.5)));
    assert!(!on(&store, &with("tenant", 4)));
    let outside = when(r#"{ attribute = "tenant", not_in = [1, 2, 3] }"#);
    assert!(on(&outside, &with("tenant", 2.5)), "2.5 is not in the list");
    assert!(on(&outside, &with("tenant", 4.0)));
    assert!(!on(&outside, &with("tenant", 2.0)));
    assert!(
        !on(&outside, &with("tenant", f64::NAN)),
        "NaN never matches"
    );
    assert!(
        !on(&store, &with("tenant", "2")),
        "a string is not an integer"
    );
}

#[test]
fn case_insensitive_strings() {
    let store = when(r#"{ attribute = "country", in = ["ee", "FI"], case_insensitive = true }"#);
    assert!(on(&store, &with("country", "EE")));
    assert!(on(&store, &with("country", "fi")));
    assert!(!on(&store, &with("country", "DE")));

    let many: Vec<String> = (0..20).map(|i| format!("\"Straße-{i}\"")).collect();
    let store = when(&format!(
        r#"{{ attribute = "street", in = [{}], case_insensitive = true }}"#,
        many.join(", ")
    ));
    assert!(
        on(&store, &with("street", "STRAßE-7")),
        "Unicode folding, hashed set"
    );
    assert!(!on(&store, &with("street", "STRASSE-7")));

    let store = when(r#"{ attribute = "name", eq = "ÄRNI", case_insensitive = true }"#);
    assert!(on(&store, &with("name", "ärni")));
    let store =
        when(r#"{ attribute = "email", ends_with = "@Example.com", case_insensitive = true }"#);
    assert!(on(&store, &with("email", "ada@EXAMPLE.COM")));
    assert!(!on(&store, &with("email", "ada@example.org")));
    let store = when(r#"{ attribute = "name", starts_with = "Ö", case_insensitive = true }"#);
    assert!(on(&store, &with("name", "östen")));
    let store = when(r#"{ attribute = "title", contains = "RUST", case_insensitive = true }"#);
    assert!(on(&store, &with("title", "Learning rust today")));
    assert!(on(&store, &with("title", "ünicode Rüst and RUST")));
    assert!(!on(&store, &with("title", "Learning go")));
    assert!(on(&store, &with("title", "rust")));
    assert!(!on(&store, &with("title", "rus")));
    // A long text from the caller (a user agent, say) is scanned once.
    let long = format!("{}Rust", "a".repeat(64 * 1024));
    assert!(on(
        &store,
        &Context::new("u-1").with("title", long.as_str())
    ));
    assert!(!on(
        &store,
        &Context::new("u-1").with("title", &long[..64 * 1024 + 3])
    ));
}

#[test]
fn eq_on_every_type() {
    let store = when(r#"{ attribute = "plan", eq = "enterprise" }"#);
    assert!(on(&store, &with("plan", "enterprise")));
    assert!(!on(&store, &with("plan", "Enterprise")));
    assert!(!on(&store, &with("plan", true)));

    let store = when(r#"{ attribute = "tier", eq = 3 }"#);
    assert!(on(&store, &with("tier", 3)));
    assert!(on(&store, &with("tier", 3.0)));
    assert!(!on(&store, &with("tier", "3")));

    let store = when(r#"{ attribute = "beta", eq = true }"#);
    assert!(on(&store, &with("beta", true)));
    assert!(!on(&store, &with("beta", false)));
    assert!(!on(&store, &with("beta", "true")));
}

#[test]
fn string_operators() {
    let store = when(r#"{ attribute = "email", ends_with = "@example.com" }"#);
    assert!(on(&store, &with("email", "ada@example.com")));
    assert!(!on(&store, &with("email", "ada@example.org")));
    let store = when(r#"{ attribute = "path", starts_with = "/admin" }"#);
    assert!(on(&store, &with("path", "/admin/users")));
    assert!(!on(&store, &with("path", "/users")));
    let store = when(r#"{ attribute = "agent", contains = "Mobile" }"#);
    assert!(on(&store, &with("agent", "Mozilla/5.0 (Mobile; rv:109.0)")));
    assert!(!on(&store, &with("agent", "Mozilla/5.0 (X11)")));
    assert!(!on(&store, &with("agent", 5)));
}

#[test]
fn contains_on_lists() {
    let store = when(r#"{ attribute = "groups", contains = "admins" }"#);
    assert!(on(&store, &with("groups", vec!["staff", "admins"])));
    assert!(!on(&store, &with("groups", vec!["staff"])));
    assert!(
        !on(&store, &with("groups", vec!["administrators"])),
        "whole items"
    );
}

#[test]
fn regex() {
    let store = when(r#"{ attribute = "email", matches = "^[a-z]+@example\\.com$" }"#);
    assert!(on(&store, &with("email", "ada@example.com")));
    assert!(!on(&store, &with("email", "Ada@example.com")));
    assert!(!on(&store, &with("email", "ada@example.com.evil")));
    let store = when(
        r#"{ attribute = "email", matches = "^[a-z]+@example\\.com$", case_insensitive = true }"#,
    );
    assert!(on(&store, &with("email", "Ada@Example.com")));
}

#[test]
fn numbers() {
    for (condition, matching, failing) in [
        (r#"{ attribute = "age", lt = 18 }"#, 17.9, 18.0),
        (r#"{ attribute = "age", le = 18 }"#, 18.0, 18.1),
        (r#"{ attribute = "age", gt = 64.5 }"#, 65.0, 64.5),
        (r#"{ attribute = "age", ge = 65 }"#, 65.0, 64.9),
    ] {
        let store = when(condition);
        assert!(
            on(&store, &with("age", matching)),
            "{condition} with {matching}"
        );
        assert!(
            !on(&store, &with("age", failing)),
            "{condition} with {failing}"
        );
    }
    let store = when(r#"{ attribute = "age", ge = 18 }"#);
    assert!(on(&store, &with("age", 30)), "integers compare with floats");
    assert!(!on(&store, &with("age", "30")), "strings are not numbers");
    assert!(!on(&store, &Context::new("u")));
}

#[test]
fn integers_compare_exactly_past_2_to_the_53() {
    // 2^53 + 1 has no f64 of its own: rounded, it would equal 2^53.
    let store = when(r#"{ attribute = "account_id", eq = 9007199254740993 }"#);
    assert!(on(&store, &with("account_id", 9_007_199_254_740_993_i64)));
    assert!(!on(&store, &with("account_id", 9_007_199_254_740_992_i64)));
    let store = when(r#"{ attribute = "account_id", gt = 9007199254740992 }"#);
    assert!(on(&store, &with("account_id", 9_007_199_254_740_993_i64)));
    let store = when(r#"{ attribute = "account_id", lt = -9223372036854775807 }"#);
    assert!(on(&store, &with("account_id", i64::MIN)));
    assert!(!on(&store, &with("account_id", i64::MIN + 1)));
    // An integer against a float limit, and a float against an integer one.
    let store = when(r#"{ attribute = "n", lt = 2.5 }"#);
    assert!(on(&store, &with("n", 2)));
    assert!(!on(&store, &with("n", 3)));
    let store = when(r#"{ attribute = "n", ge = 9007199254740993 }"#);
    assert!(on(&store, &with("n", 9_007_199_254_740_994.0)));
    assert!(!on(&store, &with("n", 9_007_199_254_740_992.0)));
    let store = when(r#"{ attribute = "n", gt = 1e300 }"#);
    assert!(!on(&store, &with("n", i64::MAX)));
    // `in` agrees with `eq`.
    let store = when(r#"{ attribute = "n", in = [9007199254740993] }"#);
    assert!(!on(&store, &with("n", 9_007_199_254_740_992.0)));
    assert!(on(&store, &with("n", 9_007_199_254_740_993_i64)));
}

#[test]
fn not_a_number_never_matches_negated_or_not() {
    for condition in [
        r#"{ attribute = "n", gt = 1, negate = true }"#,
        r#"{ attribute = "n", eq = 1, negate = true }"#,
        r#"{ attribute = "n", lt = 1.5, negate = true }"#,
    ] {
        let store = when(condition);
        assert!(!on(&store, &with("n", f64::NAN)), "{condition}");
    }
    let store = when(
        r#"{ attribute = "location", within = { lat = 59.437, lon = 24.754, radius_km = 25 }, negate = true }"#,
    );
    assert!(!on(
        &store,
        &with("location", Location::new(f64::NAN, 24.7))
    ));
    assert!(on(&store, &with("location", Location::new(60.17, 24.94))));
}

#[test]
fn datetimes() {
    let store = when(r#"{ attribute = "signed_up", before = 2026-01-01T00:00:00Z }"#);
    let january = Timestamp::parse_rfc3339("2025-12-31T23:59:59Z").unwrap();
    assert!(on(&store, &with("signed_up", january)));
    assert!(!on(
        &store,
        &with(
            "signed_up",
            Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap()
        )
    ));
    assert!(
        on(&store, &with("signed_up", "2025-06-01T12:00:00+02:00")),
        "RFC 3339 text"
    );
    assert!(
        !on(&store, &with("signed_up", "yesterday")),
        "unparseable text"
    );
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    assert!(on(&store, &with("signed_up", old)), "SystemTime");

    let store = when(r#"{ attribute = "signed_up", after = 2026-01-01 }"#);
    assert!(on(
        &store,
        &with(
            "signed_up",
            Timestamp::parse_rfc3339("2026-01-01T00:00:01Z").unwrap()
        )
    ));
    assert!(!on(&store, &with("signed_up", january)));
    assert!(
        !on(&store, &with("signed_up", 1_800_000_000)),
        "a number is not a datetime"
    );
}

#[test]
fn semantic_versions() {
    let cases = [
        (
            r#"{ attribute = "v", semver_eq = "2.4.1" }"#,
            "2.4.1",
            "2.4.2",
        ),
        (
            r#"{ attribute = "v", semver_lt = "3.0.0" }"#,
            "2.99.0",
            "3.0.0",
        ),
        (
            r#"{ attribute = "v", semver_le = "3.0.0" }"#,
            "3.0.0",
            "3.0.1",
        ),
        (
            r#"{ attribute = "v", semver_gt = "2.0.0" }"#,
            "2.0.1",
            "2.0.0",
        ),
        (
            r#"{ attribute = "v", semver_ge = "2.0.0" }"#,
            "2.0.0",
            "2.0.0-rc.1",
        ),
    ];
    for (condition, matching, failing) in cases {
        let store = when(condition);
        assert!(
            on(&store, &with("v", matching)),
            "{condition} with {matching}"
        );
        assert!(
            !on(&store, &with("v", failing)),
            "{condition} with {failing}"
        );
    }
    let store = when(r#"{ attribute = "v", semver_ge = "2.0.0" }"#);
    assert!(on(&store, &with("v", "v2.1.0")), "a leading v is accepted");
    assert!(
        on(&store, &with("v", "2.0.0+build.7")),
        "build metadata has no precedence"
    );
    assert!(!on(&store, &with("v", "2.1")), "not a full version");
    assert!(!on(&store, &with("v", 2)));
    let store = when(r#"{ attribute = "v", semver_lt = "2.0.0" }"#);
    assert!(
        on(&store, &with("v", "2.0.0-beta.1")),
        "pre-releases come first"
    );
}

#[test]
fn ip_ranges() {
    let store =
        when(r#"{ attribute = "ip", cidr = ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] }"#);
    assert!(on(&store, &with("ip", Ipv4Addr::new(10, 20, 30, 40))));
    assert!(on(&store, &with("ip", "192.168.1.7")), "text is parsed");
    assert!(!on(&store, &with("ip", "192.168.1.8")));
    assert!(on(
        &store,
        &with("ip", "2001:db8::1".parse::<Ipv6Addr>().unwrap())
    ));
    assert!(!on(
        &store,
        &with("ip", IpAddr::V4(Ipv4Addr::new(11, 0, 0, 1)))
    ));
    assert!(!on(&store, &with("ip", "not an address")));
    // A server listening on IPv6 sees IPv4 clients as mapped addresses.
    assert!(on(&store, &with("ip", "::ffff:10.1.2.3")));
    assert!(on(
        &store,
        &with("ip", Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped())
    ));
    assert!(!on(&store, &with("ip", "::ffff:11.1.2.3")));
    // And a network written mapped holds the plain IPv4 addresses it maps.
    let mapped = when(r#"{ attribute = "ip", cidr = ["::ffff:10.0.0.0/104"] }"#);
    assert!(on(&mapped, &with("ip", "10.1.2.3")));
    assert!(on(&mapped, &with("ip", "::ffff:10.1.2.3")));
    assert!(!on(&mapped, &with("ip", "11.1.2.3")));
    let every_ipv6 = when(r#"{ attribute = "ip", cidr = ["::/0"] }"#);
    assert!(on(&every_ipv6, &with("ip", "11.1.2.3")));
    let documentation = when(r#"{ attribute = "ip", cidr = ["2001:db8::/32"] }"#);
    assert!(!on(&documentation, &with("ip", "11.1.2.3")));
}

#[test]
fn geo_fences() {
    let store = when(
        r#"{ attribute = "location", within = { lat = 59.437, lon = 24.754, radius_km = 25 } }"#,
    );
    assert!(
        on(&store, &with("location", Location::new(59.40, 24.70))),
        "Tallinn"
    );
    assert!(
        !on(&store, &with("location", Location::new(60.17, 24.94))),
        "Helsinki is 82 km away"
    );
    assert!(
        !on(&store, &with("location", "59.4,24.7")),
        "text is not a location"
    );
}

#[test]
fn negation() {
    let store = when(r#"{ attribute = "country", eq = "EE", negate = true }"#);
    assert!(on(&store, &with("country", "FI")));
    assert!(!on(&store, &with("country", "EE")));
    assert!(
        !on(&store, &Context::new("u-1")),
        "a missing attribute never matches"
    );
    assert!(!on(&store, &with("country", 7)), "nor an ill-typed one");
}

#[test]
fn the_key_is_an_attribute() {
    let store = when(r#"{ attribute = "key", starts_with = "staff-" }"#);
    assert!(on(&store, &Context::new("staff-17")));
    assert!(!on(&store, &Context::new("u-17")));
}

#[test]
fn all_conditions_must_hold() {
    let store = when(r#"{ attribute = "country", eq = "EE" }, { attribute = "age", ge = 18 }"#);
    assert!(on(
        &store,
        &Context::new("u").with("country", "EE").with("age", 20)
    ));
    assert!(!on(
        &store,
        &Context::new("u").with("country", "EE").with("age", 17)
    ));
    assert!(!on(&store, &Context::new("u").with("country", "EE")));
}

const TARGETING: &str = r#"
[segments.beta_testers]
users = ["u-1001", "u-1002"]

[segments.nordics]
when = [{ attribute = "country", in = ["EE", "FI", "SE"] }]
exclude = ["u-666"]

[segments.staff]
users = ["s-1"]
when = [{ attribute = "email", ends_with = "@example.com" }]

[flags.base]
description = "A prerequisite"
owner = "tests"
expires = 2099-01-01
default = true
[[flags.base.rules]]
users = ["u-off"]
serve = false

[flags.f]
description = "Under test"
owner = "tests"
expires = 2099-01-01
default = "none"
requires = { base = true }
[[flags.f.rules]]
users = ["u-1", "u-2"]
serve = "user"
[[flags.f.rules]]
segment = ["beta_testers", "staff"]
serve = "segment"
[[flags.f.rules]]
segment = "nordics"
when = [{ attribute = "plan", eq = "pro" }]
serve = "nordic pro"
[[flags.f.rules]]
when = [{ flag = { name = "base", is = true } }, { attribute = "plan", eq = "free" }]
serve = "free"
"#;

fn detail(store: &Store, ctx: &Context<'_>) -> (&'static str, Reason) {
    let detail = store.detail_by_name::<&'static str>("f", ctx).unwrap();
    (detail.value, detail.reason)
}

#[test]
fn users_segments_conditions_and_prerequisites_in_order() {
    let store = Store::from_toml("flags.toml", TARGETING).unwrap();
    assert_eq!(
        detail(&store, &Context::new("u-1")),
        ("user", Reason::TargetedUser { rule: 0 })
    );
    assert_eq!(
        detail(&store, &Context::new("u-1001")),
        (
            "segment",
            Reason::Segment {
                rule: 1,
                segment: "beta_testers"
            }
        )
    );
    assert_eq!(
        detail(&store, &Context::new("x").with("email", "ada@example.com")),
        (
            "segment",
            Reason::Segment {
                rule: 1,
                segment: "staff"
            }
        ),
        "a segment of conditions"
    );
    assert_eq!(
        detail(
            &store,
            &Context::new("x").with("country", "FI").with("plan", "pro")
        ),
        (
            "nordic pro",
            Reason::Segment {
                rule: 2,
                segment: "nordics"
            }
        )
    );
    assert_eq!(
        detail(
            &store,
            &Context::new("u-666")
                .with("country", "FI")
                .with("plan", "pro")
        ),
        ("none", Reason::Default),
        "excluded from the segment"
    );
    assert_eq!(
        detail(
            &store,
            &Context::new("x").with("country", "DE").with("plan", "pro")
        ),
        ("none", Reason::Default)
    );
    assert_eq!(
        detail(&store, &Context::new("x").with("plan", "free")),
        ("free", Reason::Rule { index: 3 })
    );
    assert_eq!(
        detail(&store, &Context::new("u-off").with("plan", "free")),
        ("none", Reason::PrerequisiteFailed { flag: "base" }),
        "prerequisites come first"
    );
}

#[test]
fn rollouts_and_splits() {
    let store = Store::from_toml(
        "flags.toml",
        r#"
[flags.half]
description = "Half"
owner = "tests"
expires = 2099-01-01
default = false
[[flags.half.rules]]
rollout = 50
serve = true

[flags.by_account]
description = "Bucketed by account"
owner = "tests"
expires = 2099-01-01
variants = ["a", "b"]
default = "a"
[[flags.by_account.rules]]
split = { a = 50, b = 50 }
bucket_by = "account_id"

[flags.none]
description = "0%"
owner = "tests"
expires = 2099-01-01
default = 1
[[flags.none.rules]]
rollout = 0
serve = 2
[[flags.none.rules]]
users = ["u-1"]
serve = 3
"#,
    )
    .unwrap();
    let inside = (0..100)
        .map(|i| format!("u-{i}"))
        .find(|key| flags_runtime::bucket("half", key) < 50_000)
        .unwrap();
    let detail = store
        .detail_by_name::<bool>("half", &Context::new(inside.as_str()))
        .unwrap();
    assert!(detail.value);
    assert_eq!(
        detail.reason,
        Reason::Rollout {
            rule: 0,
            bucket: flags_runtime::bucket("half", &inside)
        }
    );

    let ctx = Context::new("u-1").with("account_id", "acct-42");
    let detail = store
        .detail_by_name::<&'static str>("by_account", &ctx)
        .unwrap();
    let bucket = flags_runtime::bucket("by_account", "acct-42");
    assert_eq!(detail.reason, Reason::Split { rule: 0, bucket });
    assert_eq!(detail.value, if bucket < 50_000 { "a" } else { "b" });
    let other_user = Context::new("u-2").with("account_id", "acct-42");
    assert_eq!(
        store.get_by_name::<&'static str>("by_account", &other_user),
        Some(detail.value),
        "every user of an account gets the same variant"
    );
    let numeric = Context::new("u-1").with("account_id", 42);
    let by_number = store
        .detail_by_name::<&'static str>("by_account", &numeric)
        .unwrap();
    assert_eq!(
        by_number.reason,
        Reason::Split {
            rule: 0,
            bucket: flags_runtime::bucket("by_account", "42")
        },
        "integers bucket by their decimal text"
    );
    assert_eq!(
        store
            .detail_by_name::<&'static str>("by_account", &Context::new("u-1"))
            .unwrap()
            .reason,
        Reason::Default,
        "without the attribute to bucket by, the rule does not apply"
    );

    assert_eq!(
        store
            .detail_by_name::<i64>("none", &Context::new("u-1"))
            .unwrap()
            .reason,
        Reason::TargetedUser { rule: 1 },
        "contexts outside a rollout fall through to the next rule"
    );
}

#[test]
fn windows() {
    let store = Store::from_toml(
        "flags.toml",
        r#"
[flags.launch]
description = "Launch"
owner = "tests"
expires = 2099-01-01
default = false
from = 2026-12-01T09:00:00Z
until = 2026-12-24T00:00:00Z
[[flags.launch.rules]]
serve = true

[flags.timed_rule]
description = "A rule with a window"
owner = "tests"
expires = 2099-01-01
default = "old"
[[flags.timed_rule.rules]]
from = 2026-12-01T09:00:00Z
serve = "new"
"#,
    )
    .unwrap();
    let ctx = Context::new("u-1");
    let at = |text: &str| Some(Timestamp::parse_rfc3339(text).unwrap());

    store.set_time(at("2026-12-01T08:59:59Z"));
    let detail = store.detail_by_name::<bool>("launch", &ctx).unwrap();
    assert_eq!(
        (detail.value, detail.reason),
        (false, Reason::OutsideWindow)
    );
    assert_eq!(store.get_by_name::<&str>("timed_rule", &ctx), Some("old"));

    store.set_time(at("2026-12-01T09:00:00Z"));
    let detail = store.detail_by_name::<bool>("launch", &ctx).unwrap();
    assert_eq!(
        (detail.value, detail.reason),
        (true, Reason::Rule { index: 0 })
    );
    assert_eq!(store.get_by_name::<&str>("timed_rule", &ctx), Some("new"));

    store.set_time(at("2026-12-24T00:00:00Z"));
    assert_eq!(
        store.get_by_name::<bool>("launch", &ctx),
        Some(false),
        "until is exclusive"
    );
}

/// Rules that only test an attribute against a short list are decided by a loop of their
/// own; a window that is always open sends the same rules down the general path. Both agree
/// on every kind of attribute: listed, unlisted, missing, ill-typed, a list, the key, one whose
/// name is longer than the loop compares inline.
#[test]
fn list_rules_decide_as_the_general_path_does() {
    const LONG_NAME: &str = "an_attribute_named_with_33_bytes_";
    assert_eq!(LONG_NAME.len(), 33);
    const RULES: [(&str, &str); 8] = [
        (r#"attribute = "plan", in = ["pro", "team"]"#, "r0"),
        (r#"attribute = "plan", in = ["free"]"#, "r1"),
        (r#"attribute = "plan", not_in = ["x"]"#, "r2"),
        (
            r#"attribute = "country", not_in = ["EE", "FI", "DE"]"#,
            "r3",
        ),
        (r#"attribute = "country", in = ["EE"]"#, "r4"),
        (
            r#"attribute = "key", in = ["user-7", "sixteen-chars-xx"]"#,
            "r5",
        ),
        (
            r#"attribute = "plan", in = ["basic", "sixteen-chars-xx"]"#,
            "r6",
        ),
        (
            r#"attribute = "an_attribute_named_with_33_bytes_", in = ["EE"]"#,
            "r7",
        ),
    ];
    let flag = |name: &str, window: &str, rules: &[(&str, &str)]| {
        let mut text = format!(
            "[flags.{name}]\ndescription = \"d\"\nowner = \"o\"\nexpires = 2099-01-01\n\
             default = \"none\"\n{window}"
        );
        for (condition, serve) in rules {
            text += &format!(
                "[[flags.{name}.rules]]\nwhen = [{{ {condition} }}]\nserve = \"{serve}\"\n"
            );
        }
        text
    };
    let plans: [Option<flags_runtime::Attribute<'static>>; 11] = [
        None,
        Some("pro".into()),
        Some("team".into()),
        Some("free".into()),
        Some("basic".into()),
        Some("x".into()),
        Some("sixteen-chars-xx".into()),
        Some(3.into()),
        Some(vec!["free"].into()),
        Some(vec!["basic", "team"].into()),
        Some(Vec::<&str>::new().into()),
    ];
    let countries: [Option<flags_runtime::Attribute<'static>>; 6] = [
        None,
        Some("EE".into()),
        Some("FI".into()),
        Some("US".into()),
        Some("".into()),
        Some(vec!["EE"].into()),
    ];
    let keys = ["u-1", "user-7", "sixteen-chars-xx", "seventeen-chars-xx"];
    // Every rule from each position on, so that each one is first somewhere; and each one
    // alone, a shape the list loop decides apart.
    let suffixes = (0..RULES.len()).map(|start| &RULES[start..]);
    for rules in suffixes.chain(RULES.chunks(1)) {
        let text = flag("fast", "", rules) + &flag("slow", "from = 2000-01-01T00:00:00Z\n", rules);
        let store = Store::from_toml("flags.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        for key in keys {
            for plan in &plans {
                for country in &countries {
                    for (explicit_key, long) in [None, Some("user-7")]
                        .into_iter()
                        .flat_map(|key| [(key, None), (key, Some("EE"))])
                    {
                        let mut ctx = Context::new(key);
                        if let Some(long) = long {
                            ctx.set(LONG_NAME, long);
                        }
                        if let Some(plan) = plan {
                            ctx.set("plan", plan.clone());
                        }
                        if let Some(country) = country {
                            ctx.set("country", country.clone());
                        }
                        if let Some(explicit_key) = explicit_key {
                            ctx.set("key", explicit_key);
                        }
                        fast_and_slow_agree(&store, &ctx, &format_args!("{ctx:?}"));
                    }
                }
            }
        }
    }
}

/// A flag whose one rule is a rollout or split to everyone by the key is decided by one hash;
/// a window that is always open sends the same rule down the general path. With one salt, both
/// agree on every key, inside and outside the rollout, in every arm of the split.
#[test]
fn key_buckets_decide_as_the_general_path_does() {
    let flag = |name: &str, window: &str, rule: &str| {
        format!(
            "[flags.{name}]\ndescription = \"d\"\nowner = \"o\"\nexpires = 2099-01-01\n\
             variants = [\"a\", \"b\", \"c\", \"none\"]\ndefault = \"none\"\n\
             salt = \"shared\"\n{window}\
             [[flags.{name}.rules]]\n{rule}\n"
        )
    };
    let always = "from = 2000-01-01T00:00:00Z\n";
    for (rule, served_all) in [
        ("rollout = 37.5\nserve = \"a\"", &["a", "none"][..]),
        ("rollout = 0\nserve = \"a\"", &["none"]),
        ("rollout = 100\nserve = \"b\"", &["b"]),
        ("split = { a = 20, b = 30, c = 50 }", &["a", "b", "c"]),
    ] {
        let text = flag("fast", "", rule) + &flag("slow", always, rule);
        let store = Store::from_toml("flags.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        let mut served = std::collections::BTreeSet::new();
        for i in 0..2000 {
            let key = format!("user-{i}");
            let ctx = Context::new(key.as_str());
            served.insert(fast_and_slow_agree(
                &store,
                &ctx,
                &format_args!("{rule}: {key}"),
            ));
        }
        assert_eq!(served.into_iter().collect::<Vec<_>>(), served_all, "{rule}");
    }
}

/// Checks that the flags `fast` and `slow` of `store`, which differ only in the path the
/// evaluator takes, give `ctx` the same value and reason, by `detail` and by `get`; returns
/// the value.
fn fast_and_slow_agree(
    store: &Store,
    ctx: &Context<'_>,
    what: &dyn std::fmt::Display,
) -> &'static str {
    let fast = store.detail_by_name::<&str>("fast", ctx).unwrap();
    let slow = store.detail_by_name::<&str>("slow", ctx).unwrap();
    assert_eq!(
        (fast.value, fast.reason),
        (slow.value, slow.reason),
        "{what}"
    );
    assert_eq!(
        store.get_by_name::<&str>("fast", ctx),
        Some(fast.value),
        "{what}"
    );
    fast.value
}
