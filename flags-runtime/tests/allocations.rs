//! Evaluation never allocates: checked with a counting global allocator.

use std::net::Ipv4Addr;

use flags_runtime::{Context, FlagInfo, FlagKey, Location, Reason, Store, Timestamp};

const FLAGS: &str = r#"
[segments.nordics]
when = [{ attribute = "country", in = ["EE", "FI", "SE", "NO", "DK", "IS"] }]
exclude = ["u-666"]

[flags.plain]
description = "No rules"
owner = "tests"
permanent = true
default = false

[flags.everything]
description = "Every kind of rule"
owner = "tests"
expires = 2099-01-01
default = "default"
requires = { plain = false }
[[flags.everything.rules]]
users = ["u-1"]
serve = "user"
[[flags.everything.rules]]
segment = "nordics"
when = [
  { attribute = "email", matches = "^[a-z]+@example\\.com$", case_insensitive = true },
  { attribute = "app_version", semver_ge = "2.0.0" },
  { attribute = "ip", cidr = ["10.0.0.0/8"] },
  { attribute = "signed_up", before = 2026-01-01T00:00:00Z },
  { attribute = "location", within = { lat = 59.437, lon = 24.754, radius_km = 50 } },
  { attribute = "name", starts_with = "ÄD", case_insensitive = true },
  { attribute = "groups", contains = "staff" },
]
rollout = 99.999
serve = "segment"
[[flags.everything.rules]]
split = { default = 50, split = 50 }
bucket_by = "account_id"

[flags.layout]
description = "A split"
owner = "tests"
expires = 2099-01-01
variants = ["classic", "one_page"]
default = "classic"
[[flags.layout.rules]]
split = { classic = 50, one_page = 50 }
"#;

static PLAIN: FlagInfo = FlagInfo {
    name: "plain",
    description: "No rules",
    owner: "tests",
    expires: None,
    permanent: true,
    pinned: false,
    kind: "bool",
    variants: &[],
    default: "false",
};

static EVERYTHING: FlagInfo = FlagInfo {
    name: "everything",
    kind: "string",
    default: "\"default\"",
    ..PLAIN
};

#[test]
fn evaluating_does_not_allocate() {
    const SCHEMA: u64 = 0xa110c;
    let store: &Store =
        flags_runtime::__private::shared_store("tests/allocations.rs", FLAGS, SCHEMA);
    let plain: FlagKey<bool> = FlagKey::__new(0, SCHEMA, false, &PLAIN);
    let everything: FlagKey<&'static str> = FlagKey::__new(1, SCHEMA, "default", &EVERYTHING);
    let nordic = Context::new("u-2")
        .with("country", "FI")
        .with("email", "Ada@Example.com")
        .with("app_version", "2.4.1")
        .with("ip", Ipv4Addr::new(10, 1, 2, 3))
        .with(
            "signed_up",
            Timestamp::parse_rfc3339("2025-05-01T00:00:00Z").unwrap(),
        )
        .with("location", Location::new(59.4, 24.7))
        .with("name", "ädam")
        .with("groups", vec!["staff"])
        .with("account_id", 42);
    let listed = Context::new("u-1");
    let other = Context::new("u-3").with("account_id", "acct-9");

    let run = || {
        let mut answers = 0;
        for _ in 0..100 {
            answers += usize::from(store.get(plain, &nordic));
            answers += store.get(everything, &nordic).len();
            answers += store.detail(everything, &listed).value.len();
            answers += store.get(everything, &other).len();
            answers += store
                .get_by_name::<&str>("layout", &other)
                .map_or(0, str::len);
            answers += usize::from(store.detail(plain, &other).reason == Reason::Default);
        }
        answers
    };
    // Warm up: this thread's snapshot cache and the regex engine's cache are made once.
    run();
    // Every condition of rule 2 holds, and `rollout = 99.999` takes this context in.
    assert_eq!(
        store.detail(everything, &nordic).reason,
        Reason::Rollout {
            rule: 1,
            bucket: flags_runtime::bucket("everything", "u-2")
        }
    );
    let info = allocation_counter::measure(|| {
        std::hint::black_box(run());
    });
    assert_eq!(
        info.count_total, 0,
        "{} allocations in 600 evaluations",
        info.count_total
    );
}

#[test]
fn the_counter_does_count() {
    let info = allocation_counter::measure(|| {
        std::hint::black_box(Context::new("u-1").with("country", "EE"));
    });
    assert!(info.count_total > 0);
}
