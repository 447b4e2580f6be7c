//! Rollouts and splits over 100_000 generated keys: the right shares, sticky when widened,
//! and independent between flags.

use flags_runtime::{Context, Store};

const KEYS: usize = 100_000;

fn keys() -> Vec<String> {
    (0..KEYS).map(|i| format!("user-{i:06}")).collect()
}

fn rollout(name: &str, percent: f64) -> String {
    format!(
        "[flags.{name}]\ndescription = \"Rollout\"\nowner = \"tests\"\nexpires = 2099-01-01\n\
         default = false\n[[flags.{name}.rules]]\nrollout = {percent:?}\nserve = true\n"
    )
}

fn share(store: &Store, flag: &str, keys: &[String]) -> f64 {
    let on = keys
        .iter()
        .filter(|key| store.get_by_name::<bool>(flag, &Context::new(key.as_str())) == Some(true))
        .count();
    on as f64 * 100.0 / keys.len() as f64
}

#[test]
fn a_25_percent_rollout_reaches_25_percent() {
    let store = Store::from_toml("flags.toml", &rollout("f", 25.0)).unwrap();
    let share = share(&store, "f", &keys());
    assert!((24.5..=25.5).contains(&share), "{share}%");
}

#[test]
fn a_50_25_25_split_lands_within_half_a_point() {
    let store = Store::from_toml(
        "flags.toml",
        r#"
[flags.layout]
description = "Split"
owner = "tests"
expires = 2099-01-01
variants = ["classic", "one_page", "express"]
default = "classic"
[[flags.layout.rules]]
split = { classic = 50, one_page = 25, express = 25 }
"#,
    )
    .unwrap();
    let mut counts = [0usize; 3];
    for key in keys() {
        match store.get_by_name::<&str>("layout", &Context::new(key.as_str())) {
            Some("classic") => counts[0] += 1,
            Some("one_page") => counts[1] += 1,
            Some("express") => counts[2] += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    for (count, expected) in counts.iter().zip([50.0, 25.0, 25.0]) {
        let share = *count as f64 * 100.0 / KEYS as f64;
        assert!((share - expected).abs() <= 0.5, "{share}% for {expected}%");
    }
}

#[test]
fn widening_a_rollout_drops_nobody() {
    let keys = keys();
    let mut previous: Vec<bool> = vec![false; keys.len()];
    for percent in [10.0, 20.0, 50.0, 100.0] {
        let store = Store::from_toml("flags.toml", &rollout("f", percent)).unwrap();
        let now: Vec<bool> = keys
            .iter()
            .map(|key| store.get_by_name::<bool>("f", &Context::new(key.as_str())) == Some(true))
            .collect();
        let dropped = previous
            .iter()
            .zip(&now)
            .filter(|(was, is)| **was && !**is)
            .count();
        assert_eq!(dropped, 0, "widening to {percent}% dropped {dropped} users");
        let share = now.iter().filter(|on| **on).count() as f64 * 100.0 / keys.len() as f64;
        assert!((share - percent).abs() <= 0.5, "{share}% for {percent}%");
        previous = now;
    }
}

#[test]
fn two_flags_rollouts_are_independent() {
    let text = rollout("a", 50.0) + &rollout("b", 50.0);
    let store = Store::from_toml("flags.toml", &text).unwrap();
    let keys = keys();
    let in_a: Vec<&String> = keys
        .iter()
        .filter(|key| store.get_by_name::<bool>("a", &Context::new(key.as_str())) == Some(true))
        .collect();
    let in_both = in_a
        .iter()
        .filter(|key| store.get_by_name::<bool>("b", &Context::new(key.as_str())) == Some(true))
        .count();
    let share = in_both as f64 * 100.0 / in_a.len() as f64;
    assert!(
        (48.5..=51.5).contains(&share),
        "{share}% of A's users are in B"
    );
}

#[test]
fn a_shared_salt_makes_rollouts_overlap() {
    // The escape hatch: two flags that must roll out to the same users share a salt.
    let text = rollout("a", 30.0).replace("default = false", "default = false\nsalt = \"launch\"")
        + &rollout("b", 30.0).replace("default = false", "default = false\nsalt = \"launch\"");
    let store = Store::from_toml("flags.toml", &text).unwrap();
    for key in keys().iter().take(10_000) {
        let ctx = Context::new(key.as_str());
        assert_eq!(
            store.get_by_name::<bool>("a", &ctx),
            store.get_by_name::<bool>("b", &ctx)
        );
    }
}
