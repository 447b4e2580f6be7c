//! The main demo: a new registration flow, released step by step.
//!
//! Testers get it first (a segment), then Estonia and Finland at 25%, then 10% of everyone, in
//! production; staging has it on for everyone. For sample users the demo prints which flow each
//! got and why; then it widens the rollout through a live `flags.toml` update, without a
//! restart, and shows who moved.
//!
//! `cargo run -p examples --bin registration` (`FLAGS_ENV=staging` to see staging)

#![forbid(unsafe_code)]

flags_runtime::flags!();

use std::sync::mpsc;
use std::time::Duration;

use flags_runtime::{Context, ReloadEvent, feature_flag};

/// What a registration starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Registration {
    flow: &'static str,
    steps: u8,
}

/// The new flow: the email is verified before the account exists.
#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(ctx: &Context, email: &str) -> Registration {
    let _verification_sent_to = email;
    Registration {
        flow: "two-step",
        steps: 2,
    }
}

/// The old flow, until the new one is everywhere.
fn register_legacy(_ctx: &Context, _email: &str) -> Registration {
    Registration {
        flow: "one-step",
        steps: 1,
    }
}

/// Sample users: two testers, Estonians and Finns, and people elsewhere.
const USERS: [(&str, &str); 11] = [
    ("u-1001", "DE"),
    ("u-1002", "US"),
    ("u-2007", "EE"),
    ("u-2012", "FI"),
    ("u-2003", "EE"),
    ("u-2015", "FI"),
    ("u-2001", "EE"),
    ("u-2022", "DE"),
    ("u-2009", "SE"),
    ("u-2016", "US"),
    ("u-2002", "BR"),
];

/// The same flags.toml, with the rollouts widened: 25% to 50% in Estonia and Finland, 10% to
/// 20% everywhere; `None` if it no longer has those two lines. (Lines are compared without
/// their line end, so that a checkout with CRLF line ends widens too.)
fn widened_flags_toml() -> Option<String> {
    let mut widened = String::new();
    let mut wanted = [
        ("rollout = 25", "rollout = 50"),
        ("rollout = 10", "rollout = 20"),
    ]
    .map(|(from, to)| (from, to, false));
    for line in include_str!("../../../flags.toml").split_inclusive('\n') {
        let text = line.trim_end_matches(['\r', '\n']);
        match wanted
            .iter_mut()
            .find(|(from, _, done)| !*done && text == *from)
        {
            Some((_, to, done)) => {
                *done = true;
                widened.push_str(to);
                widened.push_str(&line[text.len()..]);
            }
            None => widened.push_str(line),
        }
    }
    wanted.iter().all(|(.., done)| *done).then_some(widened)
}

fn main() -> std::process::ExitCode {
    // The demo changes the compiled flags.toml through a file of its own: a file of yours would
    // be applied too, and its changes taken for the widening's.
    if std::env::var_os("FLAGS_FILE").is_some_and(|file| !file.is_empty()) {
        eprintln!("FLAGS_FILE is set; unset it: the demo writes and watches a live file itself");
        return std::process::ExitCode::FAILURE;
    }
    let store = flags::store();
    // `FLAGS_ENV` chooses the environment; without it the demo shows production.
    if let Ok(wanted) = std::env::var("FLAGS_ENV")
        && !wanted.is_empty()
        && store.environment().is_none()
    {
        eprintln!(
            "FLAGS_ENV={wanted:?}: flags.toml declares no such environment; try \
             development, staging or production"
        );
        return std::process::ExitCode::FAILURE;
    }
    if store.environment().is_none()
        && let Err(error) = store.set_environment(Some("production"))
    {
        eprintln!("{error}");
        return std::process::ExitCode::FAILURE;
    }
    let environment = store.environment().unwrap_or_default();
    println!("Environment: {environment}\n");
    let before = show(&format!(
        "Who gets which registration flow in {environment}:"
    ));

    // Operations widen the rollout: a new flags.toml, picked up while the service runs.
    let dir = RemovedOnExit(
        std::env::temp_dir().join(format!("flags-registration-demo-{}", std::process::id())),
    );
    let path = dir.0.join("flags.toml");
    let written = std::fs::create_dir_all(&dir.0)
        .and_then(|()| std::fs::write(&path, include_str!("../../../flags.toml")));
    if let Err(error) = written {
        eprintln!("cannot write {}: {error}", path.display());
        return std::process::ExitCode::FAILURE;
    }
    let (applied, reloads) = mpsc::channel();
    store.on_reload(move |event| {
        let _ = applied.send(event.clone());
    });
    let _watcher = store.watch_file(&path, Duration::from_millis(20));
    let _ = reloads.recv_timeout(Duration::from_secs(5)); // the file as compiled: no change

    println!(
        "\nWidening the rollout in {}: 25% -> 50% in EE/FI, 10% -> 20% everywhere",
        path.display()
    );
    let Some(widened) = widened_flags_toml() else {
        eprintln!("flags.toml no longer has the lines `rollout = 25` and `rollout = 10` to widen");
        return std::process::ExitCode::FAILURE;
    };
    if let Err(error) = replace(&path, &widened) {
        eprintln!("cannot write {}: {error}", path.display());
        return std::process::ExitCode::FAILURE;
    }
    match reloads.recv_timeout(Duration::from_secs(10)) {
        Ok(ReloadEvent::Applied(report)) => println!("Reloaded without a restart: {report}\n"),
        Ok(ReloadEvent::Rejected(error)) => {
            eprintln!("the new flags.toml was rejected:\n{error}");
            return std::process::ExitCode::FAILURE;
        }
        Err(_) => {
            eprintln!("the new flags.toml was not picked up");
            return std::process::ExitCode::FAILURE;
        }
    }
    let after = show("After the update:");

    println!("\nWho moved:");
    let mut moved = 0;
    let mut moved_back = 0;
    for ((user, country), (old, new)) in USERS.iter().zip(before.iter().zip(&after)) {
        if old != new {
            moved += 1;
            if new.flow == "one-step" {
                moved_back += 1;
            }
            println!("  {user} ({country}): {} -> {}", old.flow, new.flow);
        }
    }
    if moved == 0 {
        println!("  Nobody: in {environment} the flag does not depend on the rollouts.");
    } else if moved_back == 0 {
        println!(
            "  {moved} of {} sample users; nobody moved back: rollouts are sticky.",
            USERS.len()
        );
    } else {
        println!(
            "  {moved} of {} sample users, {moved_back} of them back to the old flow.",
            USERS.len()
        );
    }
    std::process::ExitCode::SUCCESS
}

/// A folder removed when the demo ends, however it ends.
struct RemovedOnExit(std::path::PathBuf);

impl Drop for RemovedOnExit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Prints a table of the sample users' flows and reasons; returns the registrations.
fn show(title: &str) -> Vec<Registration> {
    println!("{title}");
    println!("  {:<8} {:<8} {:<9} why", "user", "country", "flow");
    USERS
        .iter()
        .map(|(user, country)| {
            let ctx = Context::new(*user).with("country", *country);
            let registration = register(&ctx, "someone@example.com");
            let why = flags::new_registration_flow_detail(&ctx).reason;
            println!(
                "  {user:<8} {country:<8} {:<9} {why} [{} step{}]",
                registration.flow,
                registration.steps,
                if registration.steps == 1 { "" } else { "s" }
            );
            registration
        })
        .collect()
}

/// Replaces the file at `path` in one step, as the README advises: a watcher polling between
/// a truncation and the end of a write would read half a file.
fn replace(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let sibling = path.with_extension("toml.new");
    std::fs::write(&sibling, text)?;
    std::fs::rename(&sibling, path)
}
