//! Evaluation cost per case, and the cost of applying a live file.
//!
//! `cargo bench -p flags-runtime`

#![forbid(unsafe_code)]

use std::hint::black_box;

use flags_runtime::{__private::shared_store, Context, FlagInfo, FlagKey, Store};

fn main() {
    divan::main();
}

// Nanosecond cases need many calls per sample to rise above the timer's precision.

const SCHEMA_ID: u64 = 0x5eed;

/// One flag per benchmarked case.
static SOURCE: std::sync::LazyLock<&'static str> = std::sync::LazyLock::new(|| {
    let countries: Vec<String> = (0..50).map(|i| format!("\"C{i:02}\"")).collect();
    let users: Vec<String> = (0..1000).map(|i| format!("\"user-{i}\"")).collect();
    let mut ten_rules = String::new();
    for i in 0..9 {
        ten_rules.push_str(&format!(
            "[[flags.ten_rules.rules]]\nwhen = [{{ attribute = \"plan\", eq = \"plan-{i}\" }}]\nserve = true\n"
        ));
    }
    ten_rules.push_str("[[flags.ten_rules.rules]]\nwhen = [{ attribute = \"country\", in = [\"EE\", \"FI\"] }]\nserve = true\n");
    let text = format!(
        r#"
[flags.plain]
description = "A boolean flag without rules"
owner = "bench"
permanent = true
default = false

[flags.rollout]
description = "A 25% rollout"
owner = "bench"
permanent = true
default = false
[[flags.rollout.rules]]
rollout = 25
serve = true

[flags.countries]
description = "A rule on 50 countries"
owner = "bench"
permanent = true
default = false
[[flags.countries.rules]]
when = [{{ attribute = "country", in = [{countries}] }}]
serve = true

[flags.users]
description = "A list of 1000 users"
owner = "bench"
permanent = true
default = false
[[flags.users.rules]]
users = [{users}]
serve = true

[flags.ten_rules]
description = "Ten rules, the last one matching"
owner = "bench"
permanent = true
default = false
{ten_rules}
"#,
        countries = countries.join(", "),
        users = users.join(", "),
    );
    Box::leak(text.into_boxed_str())
});

fn store() -> &'static Store {
    // `shared_store` applies these, as generated code would: the benchmark must evaluate
    // exactly the flags written here, with no watcher polling meanwhile.
    for variable in ["FLAGS_ENV", "FLAGS_FILE"] {
        assert!(
            std::env::var_os(variable).is_none_or(|value| value.is_empty()),
            "{variable} is set; unset it so that the benchmarked flags are the ones built here"
        );
    }
    let store = shared_store("bench/flags.toml", *SOURCE, SCHEMA_ID);
    for (index, flag) in store.schema().flags.iter().enumerate() {
        assert_eq!(flag.is_targeted(), index != 0, "see `key`");
    }
    store
}

const fn info(name: &'static str) -> FlagInfo {
    FlagInfo {
        name,
        description: "",
        owner: "bench",
        expires: None,
        permanent: true,
        pinned: false,
        kind: "bool",
        variants: &[],
        default: "false",
    }
}

static PLAIN: FlagInfo = info("plain");
static ROLLOUT: FlagInfo = info("rollout");
static COUNTRIES: FlagInfo = info("countries");
static USERS: FlagInfo = info("users");
static TEN_RULES: FlagInfo = info("ten_rules");

/// The key `flags!()` would generate: every flag but the first has rules (`store` checks).
const fn key(index: usize, info: &'static FlagInfo) -> FlagKey<bool> {
    let key = FlagKey::__new(index, SCHEMA_ID, false, info);
    if index == 0 { key } else { key.__targeted() }
}

/// 10_000 rotating contexts, so caches see a realistic spread of keys.
fn contexts() -> Vec<Context<'static>> {
    (0..10_000)
        .map(|i| {
            Context::new(format!("user-{}", i * 7 % 2000))
                .with("country", if i % 3 == 0 { "EE" } else { "DE" })
                .with("plan", "free")
        })
        .collect()
}

/// Calls `evaluate` on the next context of the rotation, once per iteration.
fn rotate<T>(bencher: divan::Bencher, mut evaluate: impl FnMut(&Context<'static>) -> T) {
    let contexts = contexts();
    let mut next = 0;
    bencher.bench_local(|| {
        next += 1;
        if next == contexts.len() {
            next = 0;
        }
        evaluate(black_box(&contexts[next]))
    });
}

/// Evaluates `flag` in the benchmark store.
fn rotate_flag(bencher: divan::Bencher, flag: FlagKey<bool>) {
    let store = store();
    rotate(bencher, |ctx| store.get(flag, ctx));
}

/// What the harness itself costs: picking the next context.
#[divan::bench(sample_count = 200, sample_size = 2000)]
fn baseline_context_rotation(bencher: divan::Bencher) {
    rotate(bencher, |ctx| ctx.key().len());
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn bool_flag_without_rules(bencher: divan::Bencher) {
    rotate_flag(bencher, key(0, &PLAIN));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn rollout_25_percent(bencher: divan::Bencher) {
    rotate_flag(bencher, key(1, &ROLLOUT));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn country_in_50_countries(bencher: divan::Bencher) {
    rotate_flag(bencher, key(2, &COUNTRIES));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn user_list_of_1000(bencher: divan::Bencher) {
    rotate_flag(bencher, key(3, &USERS));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn ten_rules(bencher: divan::Bencher) {
    rotate_flag(bencher, key(4, &TEN_RULES));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn by_name(bencher: divan::Bencher) {
    let store = store();
    rotate(bencher, |ctx| {
        store.get_by_name::<bool>(black_box("rollout"), ctx)
    });
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn with_detail(bencher: divan::Bencher) {
    let store = store();
    rotate(bencher, |ctx| store.detail(key(1, &ROLLOUT), ctx));
}

#[divan::bench(sample_count = 200, sample_size = 2000)]
fn build_context(bencher: divan::Bencher) {
    bencher.bench_local(|| {
        Context::new(black_box("u-1001"))
            .with("country", black_box("EE"))
            .with("app_version", black_box("2.4.1"))
    });
}

#[divan::bench(sample_count = 30, sample_size = 1)]
fn apply_1000_flag_file(bencher: divan::Bencher) {
    let text = flags_schema::generate::flags_toml(1000);
    let base = Store::from_toml("flags.toml", &text).unwrap();
    bencher.bench_local(|| base.apply_toml("live.toml", black_box(&text)).is_ok());
}
