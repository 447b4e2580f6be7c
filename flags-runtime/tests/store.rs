//! Changes from code: overrides, kill switches, environments, the clock, listeners; and the
//! typed keys that `flags!()` generates.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use flags_runtime::{Context, FlagInfo, FlagKey, Reason, SetError, Store, Value};

const FLAGS: &str = r#"
environments = ["development", "staging", "production"]

[flags.new_checkout]
description = "The new checkout"
owner = "payments"
expires = 2099-01-01
default = false
[[flags.new_checkout.rules]]
users = ["u-1"]
serve = true
[flags.new_checkout.environments.staging]
default = true
[flags.new_checkout.environments.development]
rules = [{ users = ["dev"], serve = true }]

[flags.page_size]
description = "Page size"
owner = "search"
permanent = true
default = 20

[flags.ratio]
description = "A ratio"
owner = "search"
permanent = true
default = 0.5

[flags.layout]
description = "Layouts"
owner = "payments"
expires = 2099-01-01
variants = ["classic", "one_page"]
default = "classic"

[flags.greeting]
description = "Greeting"
owner = "web"
expires = 2099-01-01
default = "Hello"

[flags.shipped]
description = "Released for good"
owner = "web"
expires = 2099-01-01
pinned = true
default = true
[flags.shipped.environments.staging]
default = false
"#;

fn store() -> Store {
    Store::from_toml("flags.toml", FLAGS).unwrap()
}

#[test]
fn overrides_and_kill_switches_apply_on_the_next_evaluation() {
    let store = store();
    let user = Context::new("u-1");
    let other = Context::new("u-2");
    assert_eq!(store.get_by_name::<bool>("new_checkout", &user), Some(true));

    store.set_by_name("new_checkout", true).unwrap();
    let detail = store
        .detail_by_name::<bool>("new_checkout", &other)
        .unwrap();
    assert_eq!((detail.value, detail.reason), (true, Reason::Override));

    store.kill_by_name("new_checkout").unwrap();
    let detail = store.detail_by_name::<bool>("new_checkout", &user).unwrap();
    assert_eq!((detail.value, detail.reason), (false, Reason::Killed));

    store.clear_by_name("new_checkout").unwrap();
    assert_eq!(
        store
            .detail_by_name::<bool>("new_checkout", &user)
            .unwrap()
            .reason,
        Reason::TargetedUser { rule: 0 }
    );

    store.set_by_name("page_size", 50).unwrap();
    store.set_by_name("greeting", "Moi").unwrap();
    store.set_by_name("layout", "one_page").unwrap();
    assert_eq!(store.get_by_name::<i64>("page_size", &user), Some(50));
    assert_eq!(store.get_by_name::<&str>("greeting", &user), Some("Moi"));
    assert_eq!(store.get_by_name::<&str>("layout", &user), Some("one_page"));
    store.clear_all();
    assert_eq!(store.get_by_name::<i64>("page_size", &user), Some(20));
    assert_eq!(store.get_by_name::<&str>("layout", &user), Some("classic"));
}

#[test]
fn changes_of_the_wrong_kind_are_refused() {
    let store = store();
    assert_eq!(
        store.set_by_name("new_chekout", true),
        Err(SetError::UnknownFlag("new_chekout".into()))
    );
    assert!(matches!(
        store.set_by_name("new_checkout", 1),
        Err(SetError::WrongType { expected, .. }) if expected == "a boolean"
    ));
    assert!(matches!(
        store.set_by_name("layout", "express"),
        Err(SetError::WrongType { expected, .. }) if expected == "one of classic, one_page"
    ));
    assert!(matches!(
        store.set_by_name("ratio", 1),
        Err(SetError::WrongType { .. })
    ));
    assert_eq!(
        store.set_by_name("shipped", false),
        Err(SetError::Pinned("shipped".into()))
    );
    assert_eq!(
        store.kill_by_name("shipped"),
        Err(SetError::Pinned("shipped".into()))
    );
    assert_eq!(
        store.clear_by_name("shipped"),
        Err(SetError::Pinned("shipped".into()))
    );
    assert_eq!(
        store.set_by_name("shipped", false).unwrap_err().to_string(),
        "flag `shipped` is pinned at compile time and cannot be changed at run time"
    );
    let detail = store
        .detail_by_name::<bool>("shipped", &Context::new("u"))
        .unwrap();
    assert_eq!((detail.value, detail.reason), (true, Reason::Pinned));
}

#[test]
fn the_type_asked_for_must_be_the_flags() {
    let store = store();
    let ctx = Context::new("u-1");
    assert_eq!(store.get_by_name::<i64>("new_checkout", &ctx), None);
    assert_eq!(store.get_by_name::<bool>("missing", &ctx), None);
    assert_eq!(store.get_by_name::<f64>("ratio", &ctx), Some(0.5));
    assert_eq!(
        store.get_by_name::<Value>("layout", &ctx),
        Some(Value::Str("classic"))
    );
    assert_eq!(
        store.get_by_name::<Value>("page_size", &ctx),
        Some(Value::Int(20))
    );
}

#[test]
fn environments_replace_defaults_and_rules() {
    let store = store();
    let nobody = Context::new("nobody");
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &nobody),
        Some(false)
    );
    store.set_environment(Some("staging")).unwrap();
    assert_eq!(store.environment().as_deref(), Some("staging"));
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &nobody),
        Some(true)
    );
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &Context::new("u-1")),
        Some(true),
        "staging keeps the base rules"
    );
    store.set_environment(Some("development")).unwrap();
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &Context::new("u-1")),
        Some(false)
    );
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &Context::new("dev")),
        Some(true)
    );
    assert_eq!(
        store.set_environment(Some("prod")),
        Err(SetError::UnknownEnvironment("prod".into()))
    );
    assert_eq!(
        store.environment().as_deref(),
        Some("development"),
        "unchanged"
    );
    store.set_environment(None).unwrap();
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &Context::new("dev")),
        Some(false)
    );
}

#[test]
fn prerequisites_are_followed_as_deep_as_the_schema_lets_them_nest() {
    // `f0` requires `f1`, which requires `f2`, ... down to the last flag, on for everyone:
    // each flag is on when the one it requires is, so `f0` is on only if every link is
    // followed.
    let depth = flags_schema::MAX_PREREQUISITE_DEPTH;
    let mut text = String::new();
    for flag in 0..=depth {
        text.push_str(&format!(
            "[flags.f{flag}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n"
        ));
        if flag < depth {
            text.push_str(&format!(
                "default = false\nrequires = {{ f{} = true }}\n[[flags.f{flag}.rules]]\nserve = true\n",
                flag + 1
            ));
        } else {
            text.push_str("default = true\n");
        }
    }
    let store = Store::from_toml("flags.toml", &text).unwrap();
    let detail = store
        .detail_by_name::<bool>("f0", &Context::new("u"))
        .unwrap();
    assert_eq!(
        (detail.value, detail.reason),
        (true, Reason::Rule { index: 0 })
    );
}

/// A schema built in code skips validation; one whose flag needs itself in two rules would
/// take 2^32 evaluations to follow to the depth limit. Each evaluation stops after the
/// schema's budget of prerequisite evaluations instead.
#[test]
fn a_hand_built_prerequisite_cycle_still_ends() {
    let text = r#"
[flags.looping]
description = "d"
owner = "o"
permanent = true
default = false
[[flags.looping.rules]]
when = [{ flag = { name = "other", is = true } }]
serve = true
[[flags.looping.rules]]
when = [{ flag = { name = "other", is = true } }]
serve = true
[flags.other]
description = "d"
owner = "o"
permanent = true
default = false
[[flags.other.rules]]
users = ["u-1"]
serve = true
"#;
    let mut schema = flags_schema::Schema::parse("flags.toml", text).unwrap();
    for rule in &mut schema.flags[0].rules {
        for condition in &mut rule.when {
            if let flags_schema::Test::Flag(prerequisite) = &mut condition.test {
                prerequisite.flag.value = "looping".to_owned();
            }
        }
    }
    let store = Store::new(schema);
    let detail = store
        .detail_by_name::<bool>("looping", &Context::new("u"))
        .unwrap();
    assert_eq!((detail.value, detail.reason), (false, Reason::Default));
}

/// A schema built by hand may name segments and flags it does not have: no context is in
/// such a segment, a prerequisite on such a flag is never met, and a condition on one never
/// holds, negated or not (as a missing attribute).
#[test]
fn names_a_hand_built_schema_lacks_match_no_one() {
    let text = r#"
[segments.beta]
users = ["u-1"]
[flags.in_segment]
description = "d"
owner = "o"
permanent = true
default = false
[[flags.in_segment.rules]]
segment = "beta"
serve = true
[flags.gated]
description = "d"
owner = "o"
permanent = true
default = false
requires = { other = true }
[[flags.gated.rules]]
users = ["u-1", "u-2"]
serve = true
[flags.unless_other]
description = "d"
owner = "o"
permanent = true
default = false
[[flags.unless_other.rules]]
when = [{ flag = { name = "other", is = true }, negate = true }]
serve = true
[flags.other]
description = "d"
owner = "o"
permanent = true
default = true
"#;
    let mut schema = flags_schema::Schema::parse("flags.toml", text).unwrap();
    schema.segments.clear();
    schema.flags.retain(|flag| flag.name != "other");
    let store = Store::new(schema);
    for key in ["u-1", "u-2", "anyone"] {
        let ctx = Context::new(key);
        for flag in ["in_segment", "gated", "unless_other"] {
            assert_eq!(
                store.get_by_name::<bool>(flag, &ctx),
                Some(false),
                "{flag} {key}"
            );
        }
    }
    let detail = store
        .detail_by_name::<bool>("gated", &Context::new("u-1"))
        .unwrap();
    assert_eq!(detail.reason, Reason::PrerequisiteFailed { flag: "other" });
}

#[test]
fn pinned_flags_serve_their_base_default_in_every_environment() {
    // The accessor `flags!()` generates for a pinned flag is a `const fn` returning the base
    // default; the store must agree with it, whatever the environment says.
    let store = store();
    store.set_environment(Some("staging")).unwrap();
    let detail = store
        .detail_by_name::<bool>("shipped", &Context::new("u-1"))
        .unwrap();
    assert!(detail.value);
    assert_eq!(detail.reason, Reason::Pinned);
}

#[test]
fn listeners_go_with_their_store() {
    let store = store();
    let (sender, receiver) = std::sync::mpsc::channel();
    store.on_evaluation(move |evaluation| {
        let _ = sender.send(evaluation.flag);
    });
    // This thread now keeps the store's snapshot in its cache.
    store.get_by_name::<bool>("new_checkout", &Context::new("u-1"));
    drop(store);
    assert_eq!(receiver.try_recv(), Ok("new_checkout"));
    assert_eq!(
        receiver.try_recv(),
        Err(std::sync::mpsc::TryRecvError::Disconnected),
        "the listener, and its sender, were dropped with the store"
    );
}

#[test]
fn listeners_hear_every_evaluation_and_may_evaluate_flags() {
    let store = store();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let nested = Arc::new(AtomicUsize::new(0));
    {
        let heard = Arc::clone(&heard);
        let nested = Arc::clone(&nested);
        let inner = store.clone();
        store.on_evaluation(move |evaluation| {
            heard.lock().unwrap().push((
                evaluation.flag,
                evaluation.value,
                evaluation.reason,
                evaluation.context.key().to_owned(),
            ));
            // A listener that evaluates flags, whichever it hears of, must neither deadlock
            // nor recurse forever: its own evaluations are told to no listener.
            nested.fetch_add(1, Ordering::Relaxed);
            assert_eq!(
                inner.get_by_name::<i64>("page_size", evaluation.context),
                Some(20)
            );
            let _ = inner.detail_by_name::<bool>("new_checkout", evaluation.context);
        });
    }
    store.get_by_name::<bool>("new_checkout", &Context::new("u-1"));
    store.get_by_name::<&str>("layout", &Context::new("u-2"));
    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        heard,
        [
            (
                "new_checkout",
                Value::Bool(true),
                Reason::TargetedUser { rule: 0 },
                "u-1".to_owned()
            ),
            (
                "layout",
                Value::Str("classic"),
                Reason::Default,
                "u-2".to_owned()
            ),
        ]
    );
    assert_eq!(nested.load(Ordering::Relaxed), 2);
    store.clear_evaluation_listeners();
    store.get_by_name::<bool>("new_checkout", &Context::new("u-1"));
    assert_eq!(nested.load(Ordering::Relaxed), 2);
}

#[test]
fn a_listener_that_panics_leaves_the_answer_and_the_other_listeners() {
    let store = store();
    let told = Arc::new(AtomicUsize::new(0));
    store.on_evaluation(|_| panic!("a listener's bug"));
    {
        let told = Arc::clone(&told);
        store.on_evaluation(move |_| {
            told.fetch_add(1, Ordering::Relaxed);
        });
    }
    for _ in 0..2 {
        assert_eq!(
            store.get_by_name::<bool>("new_checkout", &Context::new("u-1")),
            Some(true)
        );
    }
    assert_eq!(told.load(Ordering::Relaxed), 2);
}

/// What a listener owns may use the store when it is dropped: a watcher, a handle that
/// flushes counts, here one that asks for the schema. Dropped under the store's lock, it
/// would wait for that lock forever.
#[test]
fn what_a_cleared_listener_owns_may_use_the_store_when_dropped() {
    struct AsksWhenDropped(Store, std::sync::mpsc::Sender<usize>);
    impl Drop for AsksWhenDropped {
        fn drop(&mut self) {
            let _ = self.1.send(self.0.schema().flags.len());
        }
    }
    let store = store();
    let flags = store.schema().flags.len();
    let (sender, receiver) = std::sync::mpsc::channel();
    let owned = AsksWhenDropped(store.clone(), sender);
    store.on_evaluation(move |_| {
        let _ = &owned;
    });
    let clearing = store.clone();
    std::thread::spawn(move || clearing.clear_evaluation_listeners());
    assert_eq!(
        receiver.recv_timeout(std::time::Duration::from_secs(10)),
        Ok(flags),
        "the listener's drop could not read the store"
    );
}

static NEW_CHECKOUT: FlagInfo = FlagInfo {
    name: "new_checkout",
    description: "The new checkout",
    owner: "payments",
    expires: Some("2099-01-01"),
    permanent: false,
    pinned: false,
    kind: "bool",
    variants: &[],
    default: "false",
};

static PAGE_SIZE: FlagInfo = FlagInfo {
    name: "page_size",
    kind: "int",
    default: "20",
    ..NEW_CHECKOUT
};

#[test]
fn typed_keys_evaluate_by_position_in_their_own_store_and_by_name_elsewhere() {
    const SCHEMA: u64 = 0x7e57;
    let shared = flags_runtime::__private::shared_store("tests/store.rs", FLAGS, SCHEMA);
    let new_checkout: FlagKey<bool> = FlagKey::__new(0, SCHEMA, false, &NEW_CHECKOUT);
    let page_size: FlagKey<i64> = FlagKey::__new(1, SCHEMA, 20, &PAGE_SIZE);
    let ctx = Context::new("u-1");
    assert!(shared.get(new_checkout, &ctx));
    assert_eq!(shared.get(page_size, &ctx), 20);

    // The answer that does not depend on the context takes the fast path; changes reach it.
    shared.set(page_size, 30).unwrap();
    assert_eq!(shared.get(page_size, &ctx), 30);
    assert_eq!(shared.detail(page_size, &ctx).reason, Reason::Override);
    shared.kill(new_checkout).unwrap();
    assert!(!shared.get(new_checkout, &ctx));
    shared.clear(new_checkout).unwrap();
    shared.clear(page_size).unwrap();
    assert!(shared.get(new_checkout, &ctx));
    assert_eq!(shared.get(page_size, &ctx), 20);
    // Integers beyond the fast path's 56 bits still come out whole.
    shared.set(page_size, i64::MIN).unwrap();
    assert_eq!(shared.get(page_size, &ctx), i64::MIN);
    shared.set(page_size, -(1 << 40)).unwrap();
    assert_eq!(shared.get(page_size, &ctx), -(1 << 40));
    shared.clear(page_size).unwrap();

    // Another store of the same file: found by name.
    let other = store();
    other.set_by_name("page_size", 99).unwrap();
    assert_eq!(other.get(page_size, &ctx), 99);

    // A store without the flag: the compiled-in default, and the reason says why.
    let empty = Store::from_toml("flags.toml", "").unwrap();
    let detail = empty.detail(page_size, &ctx);
    assert_eq!((detail.value, detail.reason), (20, Reason::Unknown));
    assert_eq!(page_size.name(), "page_size");
    assert_eq!(page_size.info().owner, "payments");
}

/// A key marked targeted skips the check for a context-free answer, and an unmarked one looks
/// there first; a live file may make either mark wrong, and only the speed may change.
#[test]
fn the_targeted_mark_of_a_key_changes_no_answer() {
    const SCHEMA: u64 = 0x7a96;
    let store = flags_runtime::__private::shared_store("tests/targeted.rs", FLAGS, SCHEMA);
    let targeted: FlagKey<bool> = FlagKey::__new(0, SCHEMA, false, &NEW_CHECKOUT).__targeted();
    let untargeted: FlagKey<i64> = FlagKey::__new(1, SCHEMA, 20, &PAGE_SIZE);
    let (listed, other) = (Context::new("u-1"), Context::new("u-2"));
    assert!(store.get(targeted, &listed));
    assert!(!store.get(targeted, &other));
    assert_eq!(store.get(untargeted, &other), 20);

    // Overridden and killed, the targeted flag has a context-free answer after all.
    store.set(targeted, true).unwrap();
    assert!(store.get(targeted, &other));
    store.kill(targeted).unwrap();
    assert!(!store.get(targeted, &listed));
    store.clear(targeted).unwrap();

    // A live file that drops the rules of one and gives the other some.
    let live = FLAGS
        .replace(
            "[[flags.new_checkout.rules]]\nusers = [\"u-1\"]\nserve = true\n",
            "",
        )
        .replace(
            "permanent = true\ndefault = 20\n",
            "permanent = true\ndefault = 20\nrules = [{ users = [\"u-2\"], serve = 50 }]\n",
        );
    assert_ne!(live, FLAGS);
    store.apply_toml("live.toml", &live).unwrap();
    assert!(!store.get(targeted, &listed));
    assert_eq!(store.get(untargeted, &other), 50);
    assert_eq!(store.get(untargeted, &listed), 20);
    for (key, context) in [(targeted, &listed), (targeted, &other)] {
        assert_eq!(store.get(key, context), store.detail(key, context).value);
    }
}
