//! Live files: what a reload may change, what it may not, and readers under load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use flags_runtime::{Context, ReloadError, ReloadEvent, SetError, Store};

const COMPILED: &str = r#"
environments = ["staging", "production"]

[segments.testers]
users = ["t-1"]

[flags.new_checkout]
description = "The new checkout"
owner = "payments"
expires = 2099-01-01
default = false
[[flags.new_checkout.rules]]
segment = "testers"
serve = true

[flags.page_size]
description = "Page size"
owner = "search"
permanent = true
default = 20

[flags.shipped]
description = "Released"
owner = "web"
expires = 2099-01-01
pinned = true
default = true
"#;

fn store() -> Store {
    Store::from_toml("flags.toml", COMPILED).unwrap()
}

#[test]
fn a_valid_file_changes_flags_without_a_restart() {
    let store = store();
    const LIVE: &str = r#"
[segments.testers]
users = ["t-1", "t-2"]

[flags.page_size]
description = "Page size"
owner = "search"
permanent = true
default = 50

[flags.shipped]
description = "Released, and pinned in this binary: its type here does not matter"
owner = "web"
expires = 2099-01-01
default = 3

[flags.brand_new]
description = "Not in this binary yet"
owner = "web"
expires = 2099-01-01
default = true
"#;
    let report = store.apply_toml("live.toml", LIVE).unwrap();
    assert_eq!(report.path, "live.toml");
    assert_eq!(report.changed, ["new_checkout", "page_size", "brand_new"]);
    assert_eq!(report.unknown, ["brand_new"]);
    assert_eq!(report.pinned, ["shipped"]);
    assert_eq!(report.missing, ["new_checkout"]);
    assert_eq!(
        report.to_string(),
        "applied live.toml: changed new_checkout, page_size, brand_new; not in this binary: \
         brand_new; pinned here, ignored: shipped"
    );

    let ctx = Context::new("t-2");
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(50));
    assert_eq!(
        store.get_by_name::<bool>("new_checkout", &ctx),
        Some(true),
        "a flag missing from the file keeps its definition, with the file's segments"
    );
    assert_eq!(
        store.get_by_name::<bool>("shipped", &ctx),
        Some(true),
        "pinned"
    );
    assert_eq!(
        store.get_by_name::<bool>("brand_new", &ctx),
        Some(true),
        "by name"
    );
    assert_eq!(store.live_file().as_deref(), Some("live.toml"));

    // A new owner is no change to what is served.
    let owner_only = store
        .apply_toml(
            "live.toml",
            &LIVE.replace("owner = \"search\"", "owner = \"discovery\""),
        )
        .unwrap();
    assert!(owner_only.changed.is_empty(), "{owner_only}");

    // An empty file brings back the compiled-in definitions.
    let again = store.apply_toml("live.toml", "").unwrap();
    assert_eq!(again.changed, ["new_checkout", "page_size"]);
    assert_eq!(again.removed, ["brand_new"]);
    assert!(
        again.to_string().contains("; removed: brand_new"),
        "{again}"
    );
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(20));
}

#[test]
fn a_bad_file_changes_nothing_and_says_where_it_is_wrong() {
    let store = store();
    store.set_by_name("page_size", 7).unwrap();
    let error = store
        .apply_toml(
            "live.toml",
            r#"
[flags.page_size]
description = "Page size"
owner = "search"
permanent = true
default = 20
[[flags.page_size.rules]]
rollout = 120
serve = 1
"#,
        )
        .unwrap_err();
    let ReloadError::Invalid(diagnostics) = &error else {
        panic!("expected located errors, got {error}");
    };
    assert_eq!(
        diagnostics.located()[0].to_string(),
        "live.toml:8:11: flag `page_size`, rule 1: rollout 120 is outside 0..=100"
    );
    assert_eq!(
        store.get_by_name::<i64>("page_size", &Context::new("u")),
        Some(7)
    );
    assert_eq!(store.live_file(), None);
}

#[test]
fn a_flag_keeps_its_type_until_redeployed() {
    let store = store();
    let error = store
        .apply_toml(
            "live.toml",
            r#"
[flags.page_size]
description = "Page size"
owner = "search"
permanent = true
default = "twenty"
"#,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "error: flag `page_size` is an integer flag in this binary, but a string flag here\n \
         --> live.toml:6:11\n  |\n6 | default = \"twenty\"\n  |           ^^^^^^^^\n  |\n  \
         = help: a flag keeps its type until the code that reads it is redeployed; declare a \
         new flag for the new type\n"
    );
    assert_eq!(
        store.get_by_name::<i64>("page_size", &Context::new("u")),
        Some(20)
    );
}

/// A flag that only live files define, with these lines after its description and owner.
fn file_only_flag(lines: &str) -> String {
    format!(
        "[flags.layout]\ndescription = \"Layouts\"\nowner = \"web\"\nexpires = 2099-01-01\n{lines}\n"
    )
}

#[test]
fn overrides_of_flags_only_files_define_follow_the_next_file() {
    let store = store();
    let ctx = Context::new("u");
    let variants = |order: &str| file_only_flag(&format!("variants = [{order}]\ndefault = \"a\""));

    store
        .apply_toml("live.toml", &variants("\"a\", \"b\", \"c\""))
        .unwrap();
    store.set_by_name("layout", "b").unwrap();
    // The variants move: the override still serves `b`, not what is now in its place.
    let report = store
        .apply_toml("live.toml", &variants("\"c\", \"b\", \"a\""))
        .unwrap();
    assert!(report.cleared.is_empty());
    assert_eq!(store.get_by_name::<&str>("layout", &ctx), Some("b"));
    // `b` goes: so does the override, and the flag serves its default again.
    let report = store
        .apply_toml("live.toml", &variants("\"a\", \"c\""))
        .unwrap();
    assert_eq!(report.cleared, ["layout"]);
    assert_eq!(
        report.to_string(),
        "applied live.toml: changed layout; not in this binary: layout; overrides ended: layout"
    );
    assert_eq!(store.get_by_name::<&str>("layout", &ctx), Some("a"));

    // A value of the flag's old type ends with the type.
    store.set_by_name("layout", "c").unwrap();
    let report = store
        .apply_toml("live.toml", &file_only_flag("default = 5"))
        .unwrap();
    assert_eq!(report.cleared, ["layout"]);
    assert_eq!(store.get_by_name::<i64>("layout", &ctx), Some(5));

    // A kill switch outlives a change of type, not the flag: re-adding the flag later does
    // not bring it back.
    store.kill_by_name("layout").unwrap();
    let report = store
        .apply_toml("live.toml", &file_only_flag("default = true"))
        .unwrap();
    assert!(report.cleared.is_empty());
    assert_eq!(
        store
            .detail_by_name::<bool>("layout", &ctx)
            .map(|detail| detail.reason),
        Some(flags_runtime::Reason::Killed)
    );
    let report = store.apply_toml("live.toml", "").unwrap();
    assert_eq!(report.cleared, ["layout"]);
    store
        .apply_toml("live.toml", &file_only_flag("default = true"))
        .unwrap();
    assert_eq!(
        store
            .detail_by_name::<bool>("layout", &ctx)
            .map(|detail| detail.reason),
        Some(flags_runtime::Reason::Default)
    );

    // An override of a compiled-in flag outlives files that leave the flag as it is, or
    // change its targeting; a file that pins the flag ends it, as `set` would be refused.
    store.set_by_name("page_size", 7).unwrap();
    let report = store.apply_toml("live.toml", "").unwrap();
    assert!(report.cleared.is_empty());
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(7));
    let page_size = |extra: &str| {
        format!(
            "[flags.page_size]\ndescription = \"Page size\"\nowner = \"search\"\n\
             permanent = true\ndefault = 20\n{extra}"
        )
    };
    let report = store.apply_toml("live.toml", &page_size("")).unwrap();
    assert!(report.cleared.is_empty());
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(7));
    let report = store
        .apply_toml("live.toml", &page_size("pinned = true\n"))
        .unwrap();
    assert_eq!(report.cleared, ["page_size"]);
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(20));
}

#[test]
fn the_environment_served_must_exist_in_the_file() {
    let store = store();
    store.set_environment(Some("production")).unwrap();
    let error = store
        .apply_toml("live.toml", "environments = [\"staging\"]\n")
        .unwrap_err();
    assert!(
        error.to_string().contains(
            "this process serves environment `production`, which the file does not declare"
        ),
        "{error}"
    );
}

#[test]
fn prerequisites_are_checked_with_the_compiled_flags_the_file_leaves_alone() {
    let compiled = Store::from_toml(
        "flags.toml",
        "[flags.a0]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = false\n\
         [flags.checkout]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
         default = false\nrequires = { a0 = true }\n",
    )
    .unwrap();
    // 32 flags deep: the most the file may nest alone; under `checkout`, 33.
    let mut file = String::new();
    for link in 0..=32 {
        file += &format!(
            "[flags.a{link}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = true\n"
        );
        if link < 32 {
            file += &format!("requires = {{ a{} = true }}\n", link + 1);
        }
    }
    assert!(flags_runtime::Store::from_toml("live.toml", &file).is_ok());
    let error = compiled.apply_toml("live.toml", &file).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("with the flags compiled into this binary, flag `checkout`: prerequisites nested 33 deep"),
        "{error}"
    );
}

#[test]
fn nor_may_an_environment_the_live_file_does_not_declare_be_chosen_later() {
    let store = store();
    store
        .apply_toml("live.toml", "environments = [\"staging\"]\n")
        .unwrap();
    assert_eq!(
        store.set_environment(Some("production")),
        Err(SetError::NotInLiveFile {
            environment: "production".into(),
            path: "live.toml".into()
        }),
        "the same file would be refused when served in production"
    );
    store.set_environment(Some("staging")).unwrap();
    store
        .apply_toml("live.toml", "environments = [\"staging\"]\n")
        .unwrap();
}

#[test]
fn reload_callbacks_hear_applied_and_rejected_files() {
    let store = store();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    store.on_reload(move |event| {
        sink.lock().unwrap().push(match event {
            ReloadEvent::Applied(report) => format!("applied {:?}", report.changed),
            ReloadEvent::Rejected(error) => format!(
                "rejected {}",
                error.to_string().lines().next().unwrap_or("")
            ),
        });
    });
    let _ = store.apply_toml(
        "a.toml",
        "[flags.page_size]\ndescription = \"x\"\nowner = \"y\"\npermanent = true\ndefault = 5\n",
    );
    let _ = store.apply_toml("b.toml", "[flags.page_size]\n");
    let _ = store.load_file("/nonexistent/flags.toml");
    let events = events.lock().unwrap();
    assert_eq!(events[0], "applied [\"page_size\"]");
    assert_eq!(
        events[1],
        "rejected error: flag `page_size` has no `description`"
    );
    assert!(
        events[2].starts_with("rejected cannot read /nonexistent/flags.toml: "),
        "{}",
        events[2]
    );
}

/// Two configurations whose flags agree only with each other: a reader that saw half of one
/// and half of the other would get `"torn"`.
fn configuration(name: &str) -> String {
    format!(
        r#"
[flags.base]
description = "Base"
owner = "tests"
expires = 2099-01-01
default = "{name}"

[flags.combo]
description = "Agrees with base"
owner = "tests"
expires = 2099-01-01
default = "torn"
requires = {{ base = "{name}" }}
[[flags.combo.rules]]
rollout = 100
serve = "{name}"

[flags.counter]
description = "Overridden from code"
owner = "tests"
permanent = true
default = 0
"#
    )
}

#[test]
fn readers_see_the_old_or_the_new_configuration_never_a_mix() {
    let store = Store::from_toml("flags.toml", &configuration("A")).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|reader| {
            let store = store.clone();
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut evaluations = 0u64;
                let mut last_counter = 0;
                while !done.load(Ordering::Acquire) {
                    let key = format!("user-{}", evaluations % 1000);
                    let ctx = Context::new(key.as_str());
                    let combo = store.get_by_name::<&str>("combo", &ctx);
                    assert!(
                        matches!(combo, Some("A" | "B")),
                        "reader {reader} saw {combo:?}"
                    );
                    let counter = store.get_by_name::<i64>("counter", &ctx).unwrap();
                    assert!(
                        counter >= last_counter,
                        "went back from {last_counter} to {counter}"
                    );
                    last_counter = counter;
                    evaluations += 1;
                }
                evaluations
            })
        })
        .collect();

    let configurations = [configuration("A"), configuration("B")];
    for round in 0..1000 {
        if round == 500 {
            let bad = configuration("C").replace("default = \"C\"", "default = 3");
            assert!(store.apply_toml("live.toml", &bad).is_err());
            let ctx = Context::new("u");
            let last_good = ["A", "B"][(round - 1) % 2];
            assert_eq!(
                store.get_by_name::<&str>("combo", &ctx),
                Some(last_good),
                "last good stays"
            );
        }
        store
            .apply_toml("live.toml", &configurations[round % 2])
            .unwrap_or_else(|error| panic!("{error}"));
        store.set_by_name("counter", round as i64 + 1).unwrap();
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        let evaluations = reader.join().unwrap();
        assert!(evaluations > 0);
    }
}

/// A live file with one flag, `page_size`, of this default.
fn page_size(size: i64) -> String {
    format!(
        "[flags.page_size]\ndescription = \"x\"\nowner = \"y\"\npermanent = true\ndefault = {size}\n"
    )
}

/// Replaces the file in one step, as deployments should: a plain write truncates first, and a
/// poll in between reads a half-written file (which the watcher then waits out).
fn replace(path: &std::path::Path, text: impl AsRef<[u8]>) {
    let staged = path.with_extension("toml.new");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, path).unwrap();
}

#[test]
fn a_watched_file_is_applied_when_it_changes_and_a_bad_version_is_skipped() {
    let dir = tempfile::Builder::new()
        .prefix("flags-watch-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("flags.toml");
    replace(&path, page_size(30));

    let store = store();
    let rejected = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&rejected);
    store.on_reload(move |event| {
        if let ReloadEvent::Rejected(_) = event {
            *counter.lock().unwrap() += 1;
        }
    });
    let ctx = Context::new("u");
    let watcher = store.watch_file(&path, Duration::from_millis(10));
    assert_eq!(
        store.get_by_name::<i64>("page_size", &ctx),
        Some(30),
        "applied at once"
    );

    let eventually = |expected: i64| {
        let start = Instant::now();
        while store.get_by_name::<i64>("page_size", &ctx) != Some(expected) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "never saw {expected}"
            );
            thread::sleep(Duration::from_millis(5));
        }
    };
    replace(&path, page_size(40));
    eventually(40);

    replace(&path, "[flags.page_size]\ndefault = \"oops\"\n");
    let start = Instant::now();
    while *rejected.lock().unwrap() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the bad file was never reported"
        );
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(50));
    assert_eq!(
        *rejected.lock().unwrap(),
        1,
        "a bad version is reported once"
    );
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(40));

    std::fs::remove_file(&path).unwrap();
    thread::sleep(Duration::from_millis(50));
    assert_eq!(
        store.get_by_name::<i64>("page_size", &ctx),
        Some(40),
        "a missing file changes nothing"
    );

    replace(&path, page_size(60));
    eventually(60);

    drop(watcher);
    replace(&path, page_size(70));
    thread::sleep(Duration::from_millis(100));
    assert_eq!(
        store.get_by_name::<i64>("page_size", &ctx),
        Some(60),
        "no longer watched"
    );
}

#[test]
fn a_file_rewritten_more_often_than_it_is_polled_is_still_applied() {
    let dir = tempfile::Builder::new()
        .prefix("flags-rewritten-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("flags.toml");
    // A generator that stamps every version it writes, three times per poll interval.
    let version = |stamp: u32, size: i64| {
        format!(
            "# generated: {stamp}\n[flags.page_size]\ndescription = \"x\"\nowner = \"y\"\n\
             permanent = true\ndefault = {size}\n"
        )
    };
    replace(&path, version(0, 30));
    let store = store();
    let ctx = Context::new("u");
    let _watcher = store.watch_file(&path, Duration::from_millis(300));
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(30));

    let stop = Arc::new(AtomicBool::new(false));
    let generator = {
        let (stop, path) = (Arc::clone(&stop), path.clone());
        thread::spawn(move || {
            let mut stamp = 1;
            while !stop.load(Ordering::Acquire) {
                replace(&path, version(stamp, 45));
                stamp += 1;
                thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let start = Instant::now();
    while store.get_by_name::<i64>("page_size", &ctx) != Some(45) {
        if start.elapsed() > Duration::from_secs(10) {
            stop.store(true, Ordering::Release);
            panic!("a file that never stays the same for a poll interval was never applied");
        }
        thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Release);
    generator.join().unwrap();
}

/// A pinned flag keeps its compiled definition whatever the file says; a prerequisite in the
/// file on the file's own version of it could then never be met, or be met by another value.
#[test]
fn prerequisites_on_a_pinned_flag_are_checked_against_the_compiled_one() {
    let store = store();
    const LIVE: &str = r#"
[flags.shipped]
description = "Redefined here as an integer, which this binary ignores: it is pinned"
owner = "web"
expires = 2099-01-01
default = 3

[flags.gate]
description = "Needs the file's version of `shipped`"
owner = "web"
expires = 2099-01-01
default = false
requires = { shipped = 3 }
[[flags.gate.rules]]
serve = true
"#;
    let refused = store.apply_toml("live.toml", LIVE).unwrap_err().to_string();
    assert!(
        refused.contains(
            "with the flags compiled into this binary, flag `gate`: `shipped` can never be 3"
        ),
        "{refused}"
    );
    // Without the prerequisite, the file is welcome and `shipped` stays as compiled.
    let report = store
        .apply_toml(
            "live.toml",
            &LIVE.replace("requires = { shipped = 3 }\n", ""),
        )
        .unwrap();
    assert_eq!(report.pinned, ["shipped"]);
}

/// The same variants in another order serve the same: the reload reports no change, and each
/// context keeps its variant.
#[test]
fn variants_in_another_order_are_no_change() {
    let flag = |variants: &str, default: &str| {
        format!(
            r#"
[flags.layout]
description = "Checkout layout"
owner = "payments"
expires = 2099-01-01
variants = [{variants}]
default = "{default}"
[[flags.layout.rules]]
users = ["u-1"]
serve = "one_page"
"#
        )
    };
    let compiled = flag(r#""classic", "one_page", "express""#, "classic");
    let store = Store::from_toml("flags.toml", &compiled).unwrap();
    let reordered = flag(r#""express", "classic", "one_page""#, "classic");
    let report = store.apply_toml("live.toml", &reordered).unwrap();
    assert!(report.changed.is_empty(), "{report}");
    let layout = |key: &str| store.get_by_name::<&str>("layout", &Context::new(key));
    assert_eq!(layout("u-1"), Some("one_page"));
    assert_eq!(layout("u-2"), Some("classic"));

    let report = store
        .apply_toml(
            "live.toml",
            &flag(r#""express", "classic", "one_page""#, "express"),
        )
        .unwrap();
    assert_eq!(report.changed, ["layout"]);
    assert_eq!(layout("u-2"), Some("express"));
}

/// A reload callback that panics is the callback's problem: the watcher keeps watching, the
/// other callbacks are told, and a reload from code returns its report.
#[test]
fn a_panicking_reload_callback_stops_nothing() {
    let dir = tempfile::Builder::new()
        .prefix("flags-panicking-callback-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("flags.toml");
    replace(&path, page_size(30));
    let store = store();
    store.on_reload(|_| panic!("a callback's own bug"));
    let applied = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&applied);
    store.on_reload(move |event| {
        if let ReloadEvent::Applied(_) = event {
            *counter.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        }
    });
    let ctx = Context::new("u");
    let _watcher = store.watch_file(&path, Duration::from_millis(10));
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(30));
    for size in [40, 50] {
        replace(&path, page_size(size));
        let start = Instant::now();
        while store.get_by_name::<i64>("page_size", &ctx) != Some(size) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the watcher stopped before {size}"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
    // The callbacks are told after the value is published: wait for the third.
    let start = Instant::now();
    while *applied.lock().unwrap() < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the other callback was not told"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let report = store.apply_toml("other.toml", &page_size(60)).unwrap();
    assert_eq!(report.changed, ["page_size"]);
}

/// Reads move forward only: a flag read after another never answers from an older
/// configuration than it did, though one is evaluated from the snapshot and the other read
/// from its context-free constant.
#[test]
fn a_later_read_never_answers_from_an_older_configuration() {
    use flags_runtime::{FlagInfo, FlagKey};
    const SCHEMA: u64 = 0x5eed;
    static INFO: FlagInfo = FlagInfo {
        name: "targeted",
        description: "",
        owner: "",
        expires: None,
        permanent: true,
        pinned: false,
        kind: "int",
        variants: &[],
        default: "0",
    };
    static CONSTANT: FlagInfo = FlagInfo {
        name: "constant",
        ..INFO
    };
    let version = |version: u32| {
        format!(
            "[flags.targeted]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = {version}\nrules = [{{ users = [\"nobody\"], serve = -1 }}]\n\
             [flags.constant]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = {version}\n"
        )
    };
    let compiled: &'static str = Box::leak(version(0).into_boxed_str());
    let store = flags_runtime::__private::shared_store("tests/monotonic.toml", compiled, SCHEMA);
    let targeted: FlagKey<i64> = FlagKey::__new(0, SCHEMA, 0, &INFO).__targeted();
    let constant: FlagKey<i64> = FlagKey::__new(1, SCHEMA, 0, &CONSTANT);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let ctx = Context::new("u");
            let mut reads = 0_u64;
            while !done.load(Ordering::Relaxed) || reads == 0 {
                let first = store.get(targeted, &ctx);
                let then = store.get(constant, &ctx);
                assert!(then >= first, "read version {first}, then version {then}");
                let first = store.get(constant, &ctx);
                let then = store.get(targeted, &ctx);
                assert!(then >= first, "read version {first}, then version {then}");
                reads += 1;
            }
            reads
        })
    };
    for next in 1..=2000 {
        store.apply_toml("live.toml", &version(next)).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
}

/// Of two calls of `watch_file_forever`, the later one is in force, though it comes while the
/// earlier one is still applying its file (here, from a reload callback that the earlier
/// file's reload calls): its file is applied last and stays watched.
#[test]
fn the_last_file_watched_forever_is_the_one_in_force() {
    let dir = tempfile::Builder::new()
        .prefix("flags-watch-forever-")
        .tempdir()
        .unwrap();
    let first = dir.path().join("first.toml");
    let second = dir.path().join("second.toml");
    replace(&first, page_size(30));
    replace(&second, page_size(40));
    let store = store();
    // Taken by the callback, which would otherwise keep the store alive forever.
    let handle = Arc::new(Mutex::new(Some(store.clone())));
    let then_watch = second.clone();
    store.on_reload(move |event| {
        if let ReloadEvent::Applied(report) = event
            && report.path.ends_with("first.toml")
            && let Some(store) = handle.lock().unwrap().take()
        {
            store.watch_file_forever(&then_watch, Duration::from_millis(10));
        }
    });
    store.watch_file_forever(&first, Duration::from_millis(10));
    let ctx = Context::new("u");
    assert_eq!(store.get_by_name::<i64>("page_size", &ctx), Some(40));
    assert_eq!(store.live_file(), Some(second.display().to_string()));

    replace(&second, page_size(50));
    let start = Instant::now();
    while store.get_by_name::<i64>("page_size", &ctx) != Some(50) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the file watched last is not watched"
        );
        thread::sleep(Duration::from_millis(5));
    }
    replace(&first, page_size(60));
    thread::sleep(Duration::from_millis(100));
    assert_eq!(
        store.get_by_name::<i64>("page_size", &ctx),
        Some(50),
        "the file watched first is no longer applied"
    );
}
