//! Live files: checking a new `flags.toml` against the compiled-in flags, merging it in, and
//! watching it for changes.

use hashbrown::{HashMap, HashSet};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use flags_schema::{Diagnostic, Diagnostics, Flag, FlagKind, Schema, SourceFile};

use crate::store::{Store, WeakStore};

/// The live file in force.
pub(crate) struct LiveFile {
    pub(crate) path: String,
    /// The environments it declares: when it declares any, it serves only those.
    pub(crate) environments: Vec<String>,
}

/// Why a new configuration was not applied. The last good one stays in force.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReloadError {
    /// The file is not a valid `flags.toml`, or does not fit this binary; every problem, located.
    Invalid(Diagnostics),
    /// The file could not be read.
    Unreadable {
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadError::Invalid(diagnostics) => write!(f, "{diagnostics}"),
            ReloadError::Unreadable { path, message } => write!(f, "cannot read {path}: {message}"),
        }
    }
}

impl std::error::Error for ReloadError {}

/// What a reload did.
#[derive(Debug, Clone)]
pub enum ReloadEvent {
    /// The new configuration is in force.
    Applied(ReloadReport),
    /// The new configuration was refused; the previous one stays in force.
    Rejected(ReloadError),
}

/// What an applied configuration changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// Where it came from.
    pub path: String,
    /// Flags whose targeting changed (directly, or through a segment they use); a new
    /// description, owner or expiry alone is no change to what is served.
    pub changed: Vec<String>,
    /// Flags the previous live file defined, this binary was not compiled with, and this
    /// file no longer defines: they are gone.
    pub removed: Vec<String>,
    /// Flags in the file that this binary was not compiled with: they are evaluable by name
    /// only, and no code reads them yet.
    pub unknown: Vec<String>,
    /// Flags in the file that are pinned in this binary: their definition in the file is
    /// ignored.
    pub pinned: Vec<String>,
    /// Flags of this binary that the file does not mention: they keep their compiled-in
    /// definition.
    pub missing: Vec<String>,
    /// Flags whose override or kill switch (from [`Store::set`](crate::Store::set) and the
    /// like) ended with this file: it pinned them, or (for flags the binary was not compiled
    /// with, the only ones a file may retype or remove) removed them or changed their type or
    /// variants so that the value no longer fits.
    pub cleared: Vec<String>,
}

impl fmt::Display for ReloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "applied {}: ", self.path)?;
        if self.changed.is_empty() {
            f.write_str("no flag changed")?;
        } else {
            write!(f, "changed {}", self.changed.join(", "))?;
        }
        if !self.removed.is_empty() {
            write!(f, "; removed: {}", self.removed.join(", "))?;
        }
        if !self.unknown.is_empty() {
            write!(f, "; not in this binary: {}", self.unknown.join(", "))?;
        }
        if !self.pinned.is_empty() {
            write!(f, "; pinned here, ignored: {}", self.pinned.join(", "))?;
        }
        if !self.cleared.is_empty() {
            write!(f, "; overrides ended: {}", self.cleared.join(", "))?;
        }
        Ok(())
    }
}

/// A checked file merged into the compiled-in flags.
pub(crate) struct Prepared {
    pub(crate) merged: Schema,
    /// The environments the file declares.
    pub(crate) environments: Vec<String>,
    unknown: Vec<String>,
    pinned: Vec<String>,
    missing: Vec<String>,
}

/// The environments a live file is checked against.
#[derive(Clone, Copy)]
pub(crate) struct Environments<'a> {
    /// The environment served.
    pub(crate) served: Option<&'a str>,
    /// The environment `FLAGS_ENV` asks for, which no file declared yet.
    pub(crate) wanted: Option<&'a str>,
}

/// Parses, validates and checks `text` against the compiled-in flags, and merges it in.
pub(crate) fn prepare(
    compiled: &Schema,
    environments: Environments<'_>,
    path: &str,
    text: &str,
) -> Result<Prepared, ReloadError> {
    let file = Schema::parse(path, text).map_err(ReloadError::Invalid)?;

    let compiled_flags = by_name(compiled);
    let file_flags = by_name(&file);
    let mut errors = Vec::new();
    for flag in &file.flags {
        // A pinned flag's definition in the file is ignored, whatever it says.
        if let Some(built) = compiled_flags.get(flag.name.as_str())
            && !built.pinned
            && let Some(error) = type_change(built, flag)
        {
            errors.push(error);
        }
    }
    let declared_span = file
        .environments
        .first()
        .map(|env| env.span)
        .unwrap_or_default();
    // A file that declares environments, and not the one this process serves or is to
    // serve, is meant for another; one that declares none must not take away the
    // environment served, which only the previous file declared.
    for (environment, is_wanted) in [(environments.served, false), (environments.wanted, true)] {
        let Some(environment) = environment else {
            continue;
        };
        if file.has_environment(environment) {
            continue;
        }
        let message = if !file.environments.is_empty() {
            match is_wanted {
                false => format!(
                    "this process serves environment `{environment}`, which the file does not declare"
                ),
                true => format!(
                    "this process is to serve environment `{environment}` (FLAGS_ENV), which \
                     the file does not declare"
                ),
            }
        } else if !is_wanted && !compiled.has_environment(environment) {
            format!(
                "this process serves environment `{environment}`, which the file no longer \
                 declares"
            )
        } else {
            continue;
        };
        errors.push(
            Diagnostic::error(declared_span, message)
                .with_help(format!("add `\"{environment}\"` to `environments`")),
        );
    }
    if !errors.is_empty() {
        let source = Arc::new(SourceFile::new(path, text));
        return Err(ReloadError::Invalid(Diagnostics::new(source, errors)));
    }

    let mut pinned = Vec::new();
    let mut missing = Vec::new();
    // The binary's flags keep their positions, which typed keys use.
    let flags = compiled
        .flags
        .iter()
        .map(|flag| match file_flags.get(flag.name.as_str()) {
            Some(_) if flag.pinned => {
                pinned.push(flag.name.clone());
                flag.clone()
            }
            Some(replacement) => (*replacement).clone(),
            None => {
                missing.push(flag.name.clone());
                flag.clone()
            }
        })
        .collect();
    let mut merged = Schema {
        environments: compiled.environments.clone(),
        segments: compiled.segments.clone(),
        flags,
    };
    let mut unknown = Vec::new();
    for flag in &file.flags {
        if !compiled_flags.contains_key(flag.name.as_str()) {
            unknown.push(flag.name.clone());
            merged.flags.push(flag.clone());
        }
    }
    for segment in &file.segments {
        match merged
            .segments
            .iter_mut()
            .find(|known| known.name == segment.name)
        {
            Some(known) => *known = segment.clone(),
            None => merged.segments.push(segment.clone()),
        }
    }
    for environment in &file.environments {
        if !merged.has_environment(&environment.value) {
            merged.environments.push(environment.clone());
        }
    }
    // The file passed these checks alone; a compiled flag it leaves alone may need a flag it
    // redefines, and so nest deeper or fan out further than either file does.
    let problems = flags_schema::check_prerequisites(&merged);
    if !problems.is_empty() {
        // The merged flags come from two files: no one place in this one shows them.
        let source = Arc::new(SourceFile::new(path, text));
        let errors = problems
            .into_iter()
            .map(|problem| {
                let help = problem.help.unwrap_or_else(|| {
                    "redefine the compiled flags that need these in the file too, or need less"
                        .to_owned()
                });
                Diagnostic::error(
                    0..0,
                    format!(
                        "with the flags compiled into this binary, {}",
                        problem.message
                    ),
                )
                .with_help(help)
            })
            .collect();
        return Err(ReloadError::Invalid(Diagnostics::new(source, errors)));
    }
    Ok(Prepared {
        merged,
        environments: file
            .environments
            .iter()
            .map(|environment| environment.value.clone())
            .collect(),
        unknown,
        pinned,
        missing,
    })
}

fn by_name(schema: &Schema) -> HashMap<&str, &Flag> {
    schema
        .flags
        .iter()
        .map(|flag| (flag.name.as_str(), flag))
        .collect()
}

/// A flag keeps its type until the code that reads it is redeployed.
fn type_change(built: &Flag, file: &Flag) -> Option<Diagnostic> {
    let same = match (&built.kind, &file.kind) {
        (FlagKind::Variants(built), FlagKind::Variants(file)) => {
            let built: HashSet<&str> = built.iter().map(|v| v.value.as_str()).collect();
            let file: HashSet<&str> = file.iter().map(|v| v.value.as_str()).collect();
            built == file
        }
        (built, file) => built == file,
    };
    if same {
        return None;
    }
    let describe = |kind: &FlagKind| match kind {
        FlagKind::Variants(variants) => format!(
            "a variant flag of {}",
            variants
                .iter()
                .map(|v| format!("`{}`", v.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        kind => format!("{} flag", kind.describe()),
    };
    Some(
        Diagnostic::error(
            file.default.span,
            format!(
                "flag `{}` is {} in this binary, but {} here",
                file.name,
                describe(&built.kind),
                describe(&file.kind)
            ),
        )
        .with_help(
            "a flag keeps its type until the code that reads it is redeployed; \
             declare a new flag for the new type",
        ),
    )
}

/// What changed from `previous` to the prepared configuration.
pub(crate) fn report(previous: &Schema, prepared: &Prepared, path: &str) -> ReloadReport {
    let next = &prepared.merged;
    let previous_flags = by_name(previous);
    let changed_segments: HashSet<&str> = next
        .segments
        .iter()
        .filter(|segment| previous.segment(&segment.name) != Some(*segment))
        .map(|segment| segment.name.as_str())
        .chain(
            previous
                .segments
                .iter()
                .filter(|segment| next.segment(&segment.name).is_none())
                .map(|segment| segment.name.as_str()),
        )
        .collect();
    let changed = next
        .flags
        .iter()
        .filter(|flag| {
            !previous_flags
                .get(flag.name.as_str())
                .is_some_and(|before| before.serves_as(flag))
                || flag.all_rules().any(|(_, rule)| {
                    rule.segments
                        .iter()
                        .any(|segment| changed_segments.contains(segment.value.as_str()))
                })
        })
        .map(|flag| flag.name.clone())
        .collect();
    let next_flags = by_name(next);
    let removed = previous
        .flags
        .iter()
        .filter(|flag| !next_flags.contains_key(flag.name.as_str()))
        .map(|flag| flag.name.clone())
        .collect();
    ReloadReport {
        path: path.to_owned(),
        changed,
        removed,
        unknown: prepared.unknown.clone(),
        pinned: prepared.pinned.clone(),
        missing: prepared.missing.clone(),
        // Known once the file is compiled: see `Store::apply_toml`.
        cleared: Vec::new(),
    }
}

/// Reports a reload through the `log` crate.
pub(crate) fn log(event: &ReloadEvent) {
    match event {
        ReloadEvent::Applied(report) => log::info!(target: "flags", "{report}"),
        ReloadEvent::Rejected(error) => log::error!(
            target: "flags",
            "new flag configuration rejected; the last good one stays in force:\n{error}"
        ),
    }
}

/// The shortest pause between two reads of a watched file.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// The longest pause before a new version is read again to see that it is whole.
const MAX_SETTLE: Duration = Duration::from_millis(250);

/// Watches a live file until dropped.
#[must_use = "the file is watched until the watcher is dropped"]
pub struct Watcher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}

/// What the watcher last acted on, so one bad version is reported once, not at every poll;
/// and a new version read once, which it applies when the next read, a short pause later,
/// finds it again.
#[derive(PartialEq)]
enum Seen {
    Nothing,
    Content(u64),
    /// A version refused, and the count of environment changes then: refused for the
    /// environment served, it may be welcome after a change.
    Refused(u64, u64),
    Unreadable(String),
    /// An empty file, taken as one being written, and what was acted on before it.
    Empty(Box<Seen>),
    /// What was acted on, and a new content read once since.
    Settling(Box<Seen>, u64),
}

/// Which watcher may apply its file.
#[derive(Clone, Copy)]
pub(crate) enum Claim {
    /// Any: one from [`Store::watch_file`], which its owner stops.
    Any,
    /// The one of this call of [`Store::watch_file_forever`], until a later call.
    Forever(u64),
}

impl Claim {
    pub(crate) fn holds(self, store: &Store) -> bool {
        match self {
            Claim::Any => true,
            Claim::Forever(call) => store.is_last_watch_call(call),
        }
    }
}

impl Watcher {
    pub(crate) fn start(store: Store, path: PathBuf, interval: Duration, claim: Claim) -> Watcher {
        // Polling with no pause would only burn a core.
        let interval = interval.max(MIN_INTERVAL);
        // A new version is read again sooner than at the next poll, so that a file that a
        // generator rewrites every poll interval or so is still applied.
        let settle = (interval / 4).clamp(MIN_INTERVAL, MAX_SETTLE);
        let mut seen = poll(&store, &path, Seen::Nothing, claim);
        let weak = store.downgrade();
        drop(store);
        let shown = path.display().to_string();
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stopped = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("flags-watch".to_owned())
            .spawn(move || {
                let (lock, wake) = &*stopped;
                loop {
                    let pause = match seen {
                        Seen::Settling(..) => settle,
                        _ => interval,
                    };
                    let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    let (guard, _) = wake
                        .wait_timeout_while(guard, pause, |stop| !*stop)
                        .unwrap_or_else(PoisonError::into_inner);
                    if *guard {
                        return;
                    }
                    drop(guard);
                    let Some(store) = weak.upgrade() else {
                        return;
                    };
                    seen = poll(&store, &path, seen, claim);
                }
            })
            .map_err(|error| {
                log::error!(target: "flags", "cannot start watching {shown}: {error}");
            })
            .ok();
        Watcher { stop, thread }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// Reads the file and acts on a new version: at the first poll at once, later only once two
/// reads in a row, a quarter of the poll interval apart (10 to 250 ms), find the same
/// content. A file written in place is empty, then partly written, for a moment; either may
/// well be valid TOML, and applying it would drop the flags it no longer lists and end their
/// overrides.
fn poll(store: &Store, path: &std::path::Path, seen: Seen, claim: Claim) -> Seen {
    // Only a first read applies at once: a file seen empty first is being written, and one
    // read once since is not read for the first time.
    let first = seen == Seen::Nothing;
    let (acted, settling, was_empty) = match seen {
        Seen::Settling(acted, settling) => (*acted, Some(settling), false),
        // The version acted on is still the last: the same one written back is no news.
        Seen::Empty(acted) => (*acted, None, true),
        acted => (acted, None, false),
    };
    match std::fs::read_to_string(path) {
        // Truncated to be written again (or by mistake): applied, it would drop every flag
        // only the file defines, and end their kill switches. A file that means "no flags"
        // can say so in a comment.
        Ok(text) if text.is_empty() => {
            if !was_empty {
                log::warn!(
                    target: "flags",
                    "{} is empty: taken as being written, and not applied",
                    path.display()
                );
            }
            Seen::Empty(Box::new(acted))
        }
        Ok(text) => {
            let mut hasher = DefaultHasher::new();
            text.hash(&mut hasher);
            let hash = hasher.finish();
            let changes = store.environment_changes();
            match acted {
                Seen::Content(applied) if applied == hash => return acted,
                Seen::Refused(refused, then) if refused == hash && then == changes => {
                    return acted;
                }
                // Read whole before, and refused: retried at once after an environment change.
                Seen::Refused(refused, _) if refused == hash => {}
                _ if !first && settling != Some(hash) => {
                    return Seen::Settling(Box::new(acted), hash);
                }
                _ => {}
            }
            // Applied or refused, it is reported by the store; a refused version is not
            // retried until the file or the environment changes.
            match store.apply_claimed(&path.display().to_string(), &text, claim) {
                Some(Ok(_)) => Seen::Content(hash),
                Some(Err(_)) => Seen::Refused(hash, changes),
                // Replaced by a later watcher: its owner stops this one.
                None => acted,
            }
        }
        Err(error) => {
            let unreadable = Seen::Unreadable(error.to_string());
            if unreadable != acted && claim.holds(store) {
                // Reported as read, not read again: a second read could catch the file
                // half written, and apply it at once.
                store.unreadable(path, &error);
            }
            unreadable
        }
    }
}

impl WeakStore {
    fn upgrade(&self) -> Option<Store> {
        self.0.upgrade().map(Store::from_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;

    const FILE: &str = r#"
[flags.only_in_the_file]
description = "Defined by the live file"
owner = "ops"
permanent = true
default = 1
"#;

    /// A version refused for the environment served is read again once the environment
    /// changes, not only when the file does.
    #[test]
    fn a_version_refused_for_the_environment_is_retried_after_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flags.toml");
        let store = Store::from_toml(
            "flags.toml",
            "environments = [\"development\", \"staging\"]\n",
        )
        .unwrap();
        store.set_environment(Some("staging")).unwrap();
        let for_development = format!("environments = [\"development\"]\n{FILE}");
        std::fs::write(&path, &for_development).unwrap();
        let value = || store.get_by_name::<i64>("only_in_the_file", &Context::new("u"));

        let seen = poll(&store, &path, Seen::Nothing, Claim::Any);
        assert!(matches!(seen, Seen::Refused(..)), "staging is served");
        let seen = poll(&store, &path, seen, Claim::Any);
        assert!(matches!(seen, Seen::Refused(..)));
        assert_eq!(value(), None);

        store.set_environment(Some("development")).unwrap();
        let seen = poll(&store, &path, seen, Claim::Any);
        assert!(matches!(seen, Seen::Content(_)), "welcome in development");
        assert_eq!(value(), Some(1));
    }

    #[test]
    fn a_version_is_applied_once_two_polls_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flags.toml");
        let store = Store::from_toml("flags.toml", "").unwrap();
        let value = || store.get_by_name::<i64>("only_in_the_file", &Context::new("u"));

        // Empty at the first poll: being written, so what comes next is read twice too.
        std::fs::write(&path, "").unwrap();
        let seen = poll(&store, &path, Seen::Nothing, Claim::Any);
        std::fs::write(&path, FILE).unwrap();
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), None, "read once after an empty file: not yet");
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), Some(1), "read twice: applied");

        // Empty first, then growing: each version is read twice before it is applied.
        let growing = Store::from_toml("flags.toml", "").unwrap();
        let grown = || growing.get_by_name::<i64>("only_in_the_file", &Context::new("u"));
        std::fs::write(&path, "").unwrap();
        let later = poll(&growing, &path, Seen::Nothing, Claim::Any);
        std::fs::write(&path, "# being written\n").unwrap();
        let later = poll(&growing, &path, later, Claim::Any);
        std::fs::write(&path, FILE).unwrap();
        let later = poll(&growing, &path, later, Claim::Any);
        assert_eq!(grown(), None, "a second version, read once: not yet");
        poll(&growing, &path, later, Claim::Any);
        assert_eq!(grown(), Some(1), "read twice: applied");

        let fresh = Store::from_toml("flags.toml", "").unwrap();
        poll(&fresh, &path, Seen::Nothing, Claim::Any);
        assert_eq!(
            fresh.get_by_name::<i64>("only_in_the_file", &Context::new("u")),
            Some(1),
            "a first poll of a whole file applies at once"
        );
        store.set_by_name("only_in_the_file", 7).unwrap();

        // Written in place: empty for a moment, then whole again.
        std::fs::write(&path, "").unwrap();
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), Some(7), "an empty file read once is not applied");
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), Some(7), "nor read twice: it is being written");
        assert!(matches!(&seen, Seen::Empty(acted) if matches!(**acted, Seen::Content(_))));
        std::fs::write(&path, FILE).unwrap();
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), Some(7), "the override survives");
        assert!(
            matches!(seen, Seen::Content(_)),
            "the version acted on, written back, is no news"
        );

        // A new version, read twice.
        std::fs::write(&path, FILE.replace("default = 1", "default = 2")).unwrap();
        let seen = poll(&store, &path, seen, Claim::Any);
        store.clear_by_name("only_in_the_file").unwrap();
        assert_eq!(value(), Some(1), "read once: not yet");
        let seen = poll(&store, &path, seen, Claim::Any);
        assert_eq!(value(), Some(2), "read twice: applied");
        assert!(matches!(seen, Seen::Content(_)));
    }
}
