//! The store: the compiled-in definitions plus everything that changes while the service runs
//! (overrides, kill switches, the environment, a live file), published as immutable snapshots.
//!
//! Readers never block: each evaluation reads the current snapshot through a per-thread
//! cache (`arc_swap::Cache`: one atomic load and a pointer compare). Writers serialize on a
//! mutex, build a complete new snapshot and swap it in, so nobody sees half an update.

use hashbrown::HashMap;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arc_swap::{ArcSwap, Cache};
use flags_schema::{Diagnostics, Schema, Timestamp};

use crate::compile::{CompiledFlag, Definitions, Kind};
use crate::context::Context;
use crate::evaluate::{Answer, Evaluator, Override, Why, fixed_answer};
use crate::key::FlagKey;
use crate::live::{self, Claim, LiveFile, ReloadError, ReloadEvent, ReloadReport, Watcher};
use crate::value::{Detail, FlagValue, IntoOverride, Reason, Served, Value};

/// A callback told of every evaluation.
type Listener = Arc<dyn Fn(&Evaluation<'_>) + Send + Sync>;
type WeakListener = std::sync::Weak<dyn Fn(&Evaluation<'_>) + Send + Sync>;
/// A callback told of every reload, applied or rejected.
type ReloadCallback = Arc<dyn Fn(&ReloadEvent) + Send + Sync>;

/// Tells every reload callback of `event`. One that panics is reported, and the others are
/// still told: on a watcher's thread, the panic would otherwise end the watching for good,
/// and the reload has happened either way.
fn tell_reload(callbacks: &[ReloadCallback], event: &ReloadEvent) {
    for callback in callbacks {
        let told = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(event)));
        if told.is_err() {
            log::error!(
                target: "flags",
                "a reload callback panicked; the reload stands, and the other callbacks were told"
            );
        }
    }
}

/// One evaluation, as evaluation listeners see it.
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'a> {
    /// The flag.
    pub flag: &'static str,
    /// The value served.
    pub value: Value,
    /// Why.
    pub reason: Reason,
    /// For whom.
    pub context: &'a Context<'a>,
}

/// Why a change from code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetError {
    /// No flag of this name.
    UnknownFlag(String),
    /// The value's type is not the flag's.
    WrongType {
        /// The flag.
        flag: String,
        /// What it takes: "a boolean", "an integer", "a float", "a string", or "one of ..." its
        /// variants.
        expected: String,
    },
    /// The flag is pinned at compile time; nothing at run time changes it.
    Pinned(String),
    /// No environment of this name is declared.
    UnknownEnvironment(String),
    /// The live file in force declares environments, and not this one: it is not meant for
    /// it (a file for this environment would be refused as well).
    NotInLiveFile {
        /// The environment asked for.
        environment: String,
        /// The live file.
        path: String,
    },
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::UnknownFlag(flag) => write!(f, "unknown flag `{flag}`"),
            SetError::WrongType { flag, expected } => {
                write!(f, "flag `{flag}` takes {expected}")
            }
            SetError::Pinned(flag) => write!(
                f,
                "flag `{flag}` is pinned at compile time and cannot be changed at run time"
            ),
            SetError::UnknownEnvironment(name) => write!(f, "unknown environment `{name}`"),
            SetError::NotInLiveFile { environment, path } => write!(
                f,
                "the live file {path} declares environments, and not `{environment}`"
            ),
        }
    }
}

impl std::error::Error for SetError {}

/// Everything an evaluation reads, immutable once published.
pub(crate) struct Snapshot {
    pub(crate) definitions: Arc<Definitions>,
    /// Per flag, its answer when that does not depend on the context (overrides included).
    pub(crate) fixed: Box<[Option<(Served, Why)>]>,
    pub(crate) frozen_now: Option<i64>,
    /// Weak: threads keep snapshots in their caches after the store is dropped, and its
    /// listeners (and what they own: a channel's sender, say) go with the store.
    pub(crate) listeners: Arc<[WeakListener]>,
    pub(crate) schema_id: u64,
}

impl Snapshot {
    /// The position of the flag a key names, in this snapshot.
    #[inline(always)]
    fn position<T: FlagValue>(&self, key: &FlagKey<T>) -> Option<usize> {
        if key.schema() == self.schema_id {
            Some(key.index())
        } else {
            self.position_by_name(key.name())
        }
    }

    /// A key from another `flags.toml` than this store's: found by name, if at all.
    #[cold]
    #[inline(never)]
    fn position_by_name(&self, name: &str) -> Option<usize> {
        self.definitions.by_name.get(name).copied()
    }

    /// What the listeners are to hear of an evaluation, if there are listeners; taken from
    /// the snapshot that evaluated, and told once the thread's snapshot cache is released.
    #[inline]
    fn notice(&self, index: Option<usize>, served: Option<Served>) -> Option<Notice> {
        if self.listeners.is_empty() {
            return None;
        }
        self.notice_of(index?, served?)
    }

    /// From the answer as served: turning a typed value back would intern a string, under a
    /// process-wide lock, at every evaluation.
    #[cold]
    #[inline(never)]
    fn notice_of(&self, index: usize, served: Served) -> Option<Notice> {
        let flag = self.definitions.flags.get(index)?;
        Some(Notice {
            listeners: Arc::clone(&self.listeners),
            flag: flag.name,
            value: Value::__from_served(served, &flag.variants)?,
        })
    }

    /// The typed value of the flag at `index`.
    #[inline(always)]
    fn value<T: FlagValue>(&self, index: Option<usize>, ctx: &Context<'_>) -> Option<T> {
        self.answer(index, ctx, |flag, served: Served| {
            T::__from_served(served, &flag.variants)
        })
    }

    /// The typed value of the flag at `index`, with the reason, and the answer as served.
    #[inline]
    fn detail<T: FlagValue>(
        &self,
        index: Option<usize>,
        ctx: &Context<'_>,
    ) -> Option<(Detail<T>, Served)> {
        self.answer(index, ctx, |flag, (served, why): (Served, Why)| {
            let detail = Detail {
                value: T::__from_served(served, &flag.variants)?,
                reason: why.reason(&self.definitions),
            };
            Some((detail, served))
        })
    }

    /// The answer for the flag at `index`, as `finish` makes it.
    #[inline(always)]
    fn answer<A: Answer, R>(
        &self,
        index: Option<usize>,
        ctx: &Context<'_>,
        finish: impl Fn(&CompiledFlag, A) -> Option<R>,
    ) -> Option<R> {
        let index = index?;
        let flag = self.definitions.flags.get(index)?;
        Evaluator::evaluate(
            &self.definitions,
            &self.fixed,
            self.frozen_now,
            index,
            flag,
            ctx,
            |answer| finish(flag, answer),
        )
    }
}

/// An evaluation to tell the listeners of.
struct Notice {
    listeners: Arc<[WeakListener]>,
    flag: &'static str,
    value: Value,
}

thread_local! {
    /// Whether this thread is telling listeners of an evaluation.
    static TELLING: Cell<bool> = const { Cell::new(false) };
}

impl Notice {
    /// Tells every listener. Evaluations the listeners make meanwhile are told to none: a
    /// listener that reads a flag would otherwise hear its own reading, without end. One that
    /// panics is reported, and the others are still told: the evaluation stands, and the
    /// code that asked for it gets its answer.
    fn tell(self, reason: Reason, context: &Context<'_>) {
        if TELLING.try_with(Cell::get).unwrap_or(true) {
            return;
        }
        let evaluation = Evaluation {
            flag: self.flag,
            value: self.value,
            reason,
            context,
        };
        let _ = TELLING.try_with(|telling| telling.set(true));
        let _telling = Telling;
        for listener in self.listeners.iter().filter_map(std::sync::Weak::upgrade) {
            let told =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(&evaluation)));
            if told.is_err() {
                log::error!(
                    target: "flags",
                    "an evaluation listener panicked on flag `{}`; the other listeners were told",
                    evaluation.flag
                );
            }
        }
    }
}

/// Clears [`TELLING`] once the listeners are told, even if something unwinds past them (a
/// logger that panics, say): the thread's later evaluations are told again.
struct Telling;

impl Drop for Telling {
    fn drop(&mut self) {
        let _ = TELLING.try_with(|telling| telling.set(false));
    }
}

/// What writers change, behind the store's mutex.
struct State {
    compiled: Arc<Schema>,
    /// The variant order each variant flag was compiled with: generated enums use it.
    compiled_variants: HashMap<String, Vec<&'static str>>,
    live: Option<LiveFile>,
    merged: Arc<Schema>,
    environment: Option<String>,
    /// `FLAGS_ENV` when no file declared it yet: live files are checked against it, and the
    /// first accepted one that declares it switches to it, under the same lock.
    wanted_environment: Option<String>,
    definitions: Arc<Definitions>,
    overrides: HashMap<&'static str, Override>,
    frozen_now: Option<i64>,
    listeners: Vec<Listener>,
    reload_callbacks: Vec<ReloadCallback>,
}

/// A store handle that does not keep the store alive (held by its own watcher thread).
pub(crate) struct WeakStore(pub(crate) std::sync::Weak<Inner>);

pub(crate) struct Inner {
    id: u64,
    schema_id: u64,
    /// Per compiled-in flag, its answer when that answer does not depend on the context (no
    /// targeting, or overridden, killed, pinned) and no listener wants to hear of it: the
    /// commonest flags then cost one atomic load. See [`constant`].
    constants: Box<[AtomicU64]>,
    current: Arc<ArcSwap<Snapshot>>,
    state: Mutex<State>,
    watcher: Mutex<Option<Watcher>>,
    /// Counts the calls of [`Store::watch_file_forever`]: only the watcher of the last one
    /// applies its file (see [`Claim`]).
    watch_calls: AtomicU64,
    /// Counts the changes of environment: a live file refused for the environment served
    /// may be welcome after one, and watchers read it again then.
    environment_changes: AtomicU64,
}

/// Flag definitions and their live changes; cheap to clone (a shared handle).
///
/// `flags!()` creates one per `flags.toml` (`flags::store()`); tests and tools can build their
/// own with [`Store::from_toml`] or [`Store::new`]. Each thread that evaluates keeps the
/// snapshots of the last four stores it read, so that most evaluations take no lock and
/// touch no shared counter: the last snapshot of a store dropped (its compiled flags) stays in
/// memory until those threads have read four others, or end.
///
/// ```
/// use flags_runtime::{Context, Store};
///
/// let store = Store::from_toml("flags.toml", r#"
/// [flags.new_checkout]
/// description = "The one-page checkout"
/// owner = "payments"
/// expires = 2030-01-01
/// default = false
/// [[flags.new_checkout.rules]]
/// when = [{ attribute = "country", in = ["EE", "FI"] }]
/// serve = true
/// "#).unwrap();
///
/// let estonian = Context::new("u-1").with("country", "EE");
/// assert_eq!(store.get_by_name("new_checkout", &estonian), Some(true));
///
/// store.kill_by_name("new_checkout").unwrap();   // something went wrong: everyone gets the default
/// assert_eq!(store.get_by_name("new_checkout", &estonian), Some(false));
/// store.clear_by_name("new_checkout").unwrap();
/// assert_eq!(store.get_by_name("new_checkout", &estonian), Some(true));
/// ```
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Store")
            .field("flags", &state.definitions.flags.len())
            .field("environment", &state.environment)
            .field("live_file", &state.live.as_ref().map(|live| &live.path))
            .field("overrides", &state.overrides.len())
            .finish()
    }
}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A thread's view of one store's current snapshot: one atomic load to check it is current.
type SnapshotCache = Cache<Arc<ArcSwap<Snapshot>>, Arc<Snapshot>>;

thread_local! {
    /// Each thread's cached snapshots of the stores it reads (by store id), most recent first.
    static SNAPSHOTS: RefCell<Vec<(u64, SnapshotCache)>> = const { RefCell::new(Vec::new()) };
}

/// A thread keeps cached snapshots of at most this many stores.
const CACHED_STORES: usize = 4;

impl Store {
    /// A store of the flags in `schema`, in no environment.
    pub fn new(schema: Schema) -> Store {
        // Typed keys carry the id of the file `flags!()` compiled them from; a store built
        // here matches none of them, so keys used with it are looked up by name.
        Store::with_schema_id(schema, u64::MAX - NEXT_STORE_ID.load(Ordering::Relaxed))
    }

    /// Parses `text` (reported as `path` in errors) into a store.
    pub fn from_toml(path: &str, text: &str) -> Result<Store, Diagnostics> {
        Schema::parse(path, text).map(Store::new)
    }

    pub(crate) fn with_schema_id(schema: Schema, schema_id: u64) -> Store {
        let compiled = Arc::new(schema);
        let definitions = Arc::new(Definitions::compile(&compiled, None));
        let compiled_variants = definitions
            .flags
            .iter()
            .filter(|flag| flag.kind == Kind::Variant)
            .map(|flag| (flag.name.to_owned(), flag.variants.to_vec()))
            .collect();
        let state = State {
            compiled_variants,
            merged: Arc::clone(&compiled),
            compiled,
            live: None,
            environment: None,
            wanted_environment: None,
            definitions,
            overrides: HashMap::new(),
            frozen_now: None,
            listeners: Vec::new(),
            reload_callbacks: Vec::new(),
        };
        let snapshot = Store::snapshot_of(&state, schema_id);
        let constants = (0..state.definitions.flags.len())
            .map(|_| AtomicU64::new(NO_CONSTANT))
            .collect();
        let store = Store {
            inner: Arc::new(Inner {
                id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                schema_id,
                constants,
                current: Arc::new(ArcSwap::from_pointee(snapshot)),
                state: Mutex::new(state),
                watcher: Mutex::new(None),
                watch_calls: AtomicU64::new(0),
                environment_changes: AtomicU64::new(0),
            }),
        };
        store.publish(&store.state());
        store
    }

    // ---- evaluation -------------------------------------------------------------------------

    /// The flag's value for `ctx`. Used by the accessors `flags!()` generates.
    #[inline]
    pub fn get<T: FlagValue>(&self, key: FlagKey<T>, ctx: &Context<'_>) -> T {
        if key.schema() != self.inner.schema_id {
            return self.get_foreign(key, ctx);
        }
        // A targeted flag mostly needs its rules: checking for a constant first would only
        // cost it time (the snapshot has the same answer, when there is one).
        if !key.targeted()
            && let Some(slot) = self.inner.constants.get(key.index())
            && let Some(served) = decode(slot.load(Ordering::Acquire))
            && let Some(value) = T::__from_served(served, &[])
        {
            return value;
        }
        // Forced inline, here and in `with_cached_snapshot`: LLVM otherwise keeps the
        // evaluation as a call of its own, with the answer passed back through memory.
        let value = self.with_cached_snapshot(
            #[inline(always)]
            |snapshot| {
                if !snapshot.listeners.is_empty() {
                    return None;
                }
                snapshot.value::<T>(Some(key.index()), ctx)
            },
        );
        match value {
            Some(Some(value)) => value,
            _ => self.get_slowly(key, ctx),
        }
    }

    /// [`Store::get`] when listeners want the reason too, when the flag is missing or of
    /// another type (the compiled default then), or when the thread's cache is in use or,
    /// as the thread ends, gone. Out of line, so that `get` keeps few registers to save.
    #[cold]
    #[inline(never)]
    fn get_slowly<T: FlagValue>(&self, key: FlagKey<T>, ctx: &Context<'_>) -> T {
        self.detail(key, ctx).value
    }

    /// [`Store::get`] with a key from another `flags.toml` than this store's: by name.
    #[cold]
    #[inline(never)]
    fn get_foreign<T: FlagValue>(&self, key: FlagKey<T>, ctx: &Context<'_>) -> T {
        self.get_by_name(key.name(), ctx)
            .unwrap_or_else(|| key.default_value())
    }

    /// The flag's value for `ctx`, with the reason.
    #[inline]
    pub fn detail<T: FlagValue>(&self, key: FlagKey<T>, ctx: &Context<'_>) -> Detail<T> {
        let (detail, notice) = self.with_snapshot(|snapshot| {
            let index = snapshot.position(&key);
            let answer = snapshot.detail(index, ctx);
            let notice = snapshot.notice(index, answer.map(|(_, served)| served));
            (answer.map(|(detail, _)| detail), notice)
        });
        let detail = detail.unwrap_or(Detail {
            value: key.default_value(),
            reason: Reason::Unknown,
        });
        if let Some(notice) = notice {
            notice.tell(detail.reason, ctx);
        }
        detail
    }

    /// The value of the flag called `name`, if it exists and has type `T` (`bool`, `i64`,
    /// `f64`, `&'static str` or [`Value`]).
    pub fn get_by_name<T: FlagValue>(&self, name: &str, ctx: &Context<'_>) -> Option<T> {
        let value = self.with_snapshot(|snapshot| {
            if !snapshot.listeners.is_empty() {
                return None;
            }
            Some(snapshot.value::<T>(snapshot.definitions.by_name.get(name).copied(), ctx))
        });
        match value {
            Some(value) => value,
            // Listeners want the reason too.
            None => self.detail_by_name(name, ctx).map(|detail| detail.value),
        }
    }

    /// The value and reason of the flag called `name`, if it exists and has type `T`.
    pub fn detail_by_name<T: FlagValue>(&self, name: &str, ctx: &Context<'_>) -> Option<Detail<T>> {
        let (detail, notice) = self.with_snapshot(|snapshot| {
            let index = snapshot.definitions.by_name.get(name).copied();
            let answer = snapshot.detail::<T>(index, ctx);
            let notice = snapshot.notice(index, answer.map(|(_, served)| served));
            (answer.map(|(detail, _)| detail), notice)
        });
        if let (Some(detail), Some(notice)) = (&detail, notice) {
            notice.tell(detail.reason, ctx);
        }
        detail
    }

    /// Runs `read` on the current snapshot, through this thread's cache when it can.
    #[inline]
    fn with_snapshot<R>(&self, mut read: impl FnMut(&Snapshot) -> R) -> R {
        match self.with_cached_snapshot(&mut read) {
            Some(result) => result,
            None => read(&self.inner.current.load()),
        }
    }

    /// Runs `read` on the current snapshot through this thread's cache; `None` when the
    /// cache is already borrowed on this thread (a safeguard: nothing `read` runs evaluates
    /// flags, and listeners are told after the cache is released) or, as the thread ends,
    /// gone.
    #[inline(always)]
    fn with_cached_snapshot<R>(&self, read: impl FnOnce(&Snapshot) -> R) -> Option<R> {
        SNAPSHOTS
            .try_with(
                #[inline(always)]
                |caches| {
                    let mut caches = caches.try_borrow_mut().ok()?;
                    if caches.first().is_none_or(|(id, _)| *id != self.inner.id) {
                        self.cache_first(&mut caches);
                    }
                    let (_, cache) = caches.first_mut()?;
                    Some(read(cache.load()))
                },
            )
            .ok()
            .flatten()
    }

    /// Puts this store's snapshot cache first in the thread's, creating it if need be. Out of
    /// line: a thread mostly reads the store it read last.
    #[cold]
    #[inline(never)]
    fn cache_first(&self, caches: &mut Vec<(u64, SnapshotCache)>) {
        match caches.iter().position(|(id, _)| *id == self.inner.id) {
            Some(position) => caches.swap(0, position),
            None => {
                caches.truncate(CACHED_STORES - 1);
                caches.insert(
                    0,
                    (self.inner.id, Cache::new(Arc::clone(&self.inner.current))),
                );
            }
        }
    }

    // ---- changes from code --------------------------------------------------------------------

    /// Serves `value` to everyone, from the next evaluation on, until [`Store::clear`].
    pub fn set<T: FlagValue>(&self, key: FlagKey<T>, value: T) -> Result<(), SetError> {
        self.change_override(key.name(), |variants, _| {
            value.__into_served(variants).map(Override::Serve)
        })
    }

    /// The kill switch: serves the flag's default to everyone until [`Store::clear`].
    pub fn kill<T: FlagValue>(&self, key: FlagKey<T>) -> Result<(), SetError> {
        self.kill_by_name(key.name())
    }

    /// Removes an override or kill switch.
    pub fn clear<T: FlagValue>(&self, key: FlagKey<T>) -> Result<(), SetError> {
        self.clear_by_name(key.name())
    }

    /// [`Store::set`] by name, for admin endpoints and scripts; see [`IntoOverride`] for
    /// what it takes.
    pub fn set_by_name(&self, name: &str, value: impl IntoOverride) -> Result<(), SetError> {
        self.change_override(name, |variants, takes_strings| {
            value
                .__into_override(variants, takes_strings)
                .map(Override::Serve)
        })
    }

    /// [`Store::kill`] by name.
    pub fn kill_by_name(&self, name: &str) -> Result<(), SetError> {
        self.change_override(name, |_, _| Some(Override::Kill))
    }

    /// [`Store::clear`] by name.
    pub fn clear_by_name(&self, name: &str) -> Result<(), SetError> {
        let mut state = self.state();
        let definitions = Arc::clone(&state.definitions);
        let index = *definitions
            .by_name
            .get(name)
            .ok_or_else(|| SetError::UnknownFlag(name.to_owned()))?;
        let flag = &definitions.flags[index];
        // Refused as setting it is: a pinned flag never has an override to clear.
        if flag.pinned {
            return Err(SetError::Pinned(name.to_owned()));
        }
        if state.overrides.remove(flag.name).is_some() {
            self.publish(&state);
        }
        Ok(())
    }

    /// Removes every override and kill switch.
    pub fn clear_all(&self) {
        let mut state = self.state();
        state.overrides.clear();
        self.publish(&state);
    }

    fn change_override(
        &self,
        name: &str,
        make: impl FnOnce(&[&'static str], bool) -> Option<Override>,
    ) -> Result<(), SetError> {
        let mut state = self.state();
        let definitions = Arc::clone(&state.definitions);
        let index = *definitions
            .by_name
            .get(name)
            .ok_or_else(|| SetError::UnknownFlag(name.to_owned()))?;
        let flag = &definitions.flags[index];
        if flag.pinned {
            return Err(SetError::Pinned(name.to_owned()));
        }
        let value = make(&flag.variants, flag.kind == Kind::Str).filter(|value| match value {
            Override::Kill => true,
            Override::Serve(served) => kind_of(*served) == flag.kind,
        });
        let Some(value) = value else {
            let expected = if flag.variants.is_empty() {
                kind_name(flag.kind).to_owned()
            } else {
                format!("one of {}", flag.variants.join(", "))
            };
            return Err(SetError::WrongType {
                flag: name.to_owned(),
                expected,
            });
        };
        state.overrides.insert(flag.name, value);
        self.publish(&state);
        Ok(())
    }

    // ---- environment and clock ----------------------------------------------------------------

    /// The environment whose values are served (`None`: the base definitions).
    pub fn environment(&self) -> Option<String> {
        self.state().environment.clone()
    }

    /// Serves the values of `environment` (`None`: the base definitions).
    pub fn set_environment(&self, environment: Option<&str>) -> Result<(), SetError> {
        let mut state = self.state();
        if let Some(name) = environment
            && !state.merged.has_environment(name)
        {
            return Err(SetError::UnknownEnvironment(name.to_owned()));
        }
        // As a live file that does not declare the environment served is refused.
        if let (Some(name), Some(live)) = (environment, &state.live)
            && !live.environments.is_empty()
            && !live.environments.iter().any(|declared| declared == name)
        {
            return Err(SetError::NotInLiveFile {
                environment: name.to_owned(),
                path: live.path.clone(),
            });
        }
        // A choice made in code replaces the one `FLAGS_ENV` was waiting for, whether or not
        // it changes the environment served.
        let no_longer_wanted = state.wanted_environment.take().is_some();
        let changed = state.environment.as_deref() != environment || no_longer_wanted;
        state.environment = environment.map(str::to_owned);
        if changed {
            self.inner
                .environment_changes
                .fetch_add(1, Ordering::Release);
        }
        // Environments change defaults and rules, never types, variants or pins: every
        // override still applies.
        self.recompile(&mut state);
        Ok(())
    }

    /// Serves `environment` now if a file declares it, or else from the first live file
    /// accepted that does (files that declare environments, and not this one, are refused
    /// meanwhile). `FLAGS_ENV` goes through here.
    pub(crate) fn want_environment(&self, environment: &str) -> Result<(), SetError> {
        match self.set_environment(Some(environment)) {
            Err(SetError::UnknownEnvironment(name)) => {
                self.state().wanted_environment = Some(name.clone());
                Err(SetError::UnknownEnvironment(name))
            }
            result => result,
        }
    }

    /// Evaluates as if the time were `now` (`None`: the system clock). For tests, demos and
    /// rehearsing a scheduled launch.
    pub fn set_time(&self, now: Option<Timestamp>) {
        let mut state = self.state();
        state.frozen_now = now.map(Timestamp::unix_millis);
        self.publish(&state);
    }

    // ---- listeners ----------------------------------------------------------------------------

    /// Calls `listener` after every evaluation (exposure counting, analytics, logs). With no
    /// listener registered, evaluations pay nothing for the feature.
    pub fn on_evaluation(&self, listener: impl Fn(&Evaluation<'_>) + Send + Sync + 'static) {
        let mut state = self.state();
        state.listeners.push(Arc::new(listener));
        self.publish(&state);
    }

    /// Removes every evaluation listener.
    pub fn clear_evaluation_listeners(&self) {
        let mut state = self.state();
        let listeners = std::mem::take(&mut state.listeners);
        self.publish(&state);
        drop(state);
        // Dropped outside the lock: what a listener owns (a watcher, say) may need the store.
        drop(listeners);
    }

    /// Calls `callback` after every reload of a live file, applied or rejected. A callback
    /// that panics is logged; the reload stands, and the other callbacks are still called
    /// (so a watcher keeps watching).
    pub fn on_reload(&self, callback: impl Fn(&ReloadEvent) + Send + Sync + 'static) {
        self.state().reload_callbacks.push(Arc::new(callback));
    }

    // ---- live files ---------------------------------------------------------------------------

    /// Applies a new `flags.toml` without a restart. The text is parsed, validated and checked
    /// against the compiled-in flags (same names keep the same types; pinned flags cannot
    /// change); if anything is wrong, nothing changes and the located errors are returned.
    /// Flags missing from the text keep their compiled-in definition; flags unknown to this
    /// binary are reported, and evaluable only by name.
    pub fn apply_toml(&self, path: &str, text: &str) -> Result<ReloadReport, ReloadError> {
        self.apply_locked(self.state(), path, text)
    }

    /// [`Store::apply_toml`] if `claim` holds, checked under the lock that the file is
    /// applied under: `None`, having done nothing, when it does not.
    pub(crate) fn apply_claimed(
        &self,
        path: &str,
        text: &str,
        claim: Claim,
    ) -> Option<Result<ReloadReport, ReloadError>> {
        let state = self.state();
        claim
            .holds(self)
            .then(|| self.apply_locked(state, path, text))
    }

    fn apply_locked(
        &self,
        mut state: MutexGuard<'_, State>,
        path: &str,
        text: &str,
    ) -> Result<ReloadReport, ReloadError> {
        let environments = live::Environments {
            served: state.environment.as_deref(),
            wanted: state.wanted_environment.as_deref(),
        };
        let result = live::prepare(&state.compiled, environments, path, text);
        // Logged once the lock is released, as every reload is: a logger may read flags.
        let mut switched = None;
        let event = match result {
            Ok(prepared) => {
                let mut report = live::report(&state.merged, &prepared, path);
                state.merged = Arc::new(prepared.merged);
                state.live = Some(LiveFile {
                    path: path.to_owned(),
                    environments: prepared.environments,
                });
                let merged = Arc::clone(&state.merged);
                if let Some(wanted) = state
                    .wanted_environment
                    .take_if(|wanted| merged.has_environment(wanted))
                {
                    switched = Some(wanted.clone());
                    state.environment = Some(wanted);
                }
                report.cleared = self.recompile(&mut state);
                ReloadEvent::Applied(report)
            }
            Err(error) => ReloadEvent::Rejected(error),
        };
        let callbacks = state.reload_callbacks.clone();
        drop(state);
        if let Some(environment) = switched {
            log::info!(target: "flags", "FLAGS_ENV: now in environment `{environment}`");
        }
        live::log(&event);
        tell_reload(&callbacks, &event);
        match event {
            ReloadEvent::Applied(report) => Ok(report),
            ReloadEvent::Rejected(error) => Err(error),
        }
    }

    /// Reads and applies a file once; see [`Store::apply_toml`].
    pub fn load_file(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<ReloadReport, ReloadError> {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => self.apply_toml(&path.display().to_string(), &text),
            Err(error) => Err(self.unreadable(path, &error)),
        }
    }

    /// Reports that `path` could not be read, as a rejected reload.
    pub(crate) fn unreadable(&self, path: &std::path::Path, error: &std::io::Error) -> ReloadError {
        let error = ReloadError::Unreadable {
            path: path.display().to_string(),
            message: error.to_string(),
        };
        let event = ReloadEvent::Rejected(error.clone());
        live::log(&event);
        let callbacks = self.state().reload_callbacks.clone();
        tell_reload(&callbacks, &event);
        error
    }

    /// Applies `path` now, then again whenever its content changes (checked every
    /// `interval`), until the returned [`Watcher`] is dropped. A bad version is reported
    /// (through [`Store::on_reload`] and the `log` crate) and the last good one stays in force.
    ///
    /// Polling (rather than inotify and friends) sees every way a file gets replaced: edits,
    /// atomic renames, Kubernetes ConfigMap symlink swaps, network filesystems.
    pub fn watch_file(&self, path: impl Into<std::path::PathBuf>, interval: Duration) -> Watcher {
        Watcher::start(self.clone(), path.into(), interval, Claim::Any)
    }

    /// Watches `path` for as long as the store lives (what `FLAGS_FILE` does).
    ///
    /// A later call replaces the watcher of an earlier one, whichever thread makes it: from
    /// then on, only the later call's file is applied.
    pub fn watch_file_forever(&self, path: impl Into<std::path::PathBuf>, interval: Duration) {
        // No lock is held while a file is applied or a watcher stops: a reload callback may
        // call here, on the caller's thread or on a watcher's. The claim orders the calls.
        let call = self.inner.watch_calls.fetch_add(1, Ordering::AcqRel) + 1;
        let watcher = Watcher::start(self.clone(), path.into(), interval, Claim::Forever(call));
        let mut slot = self
            .inner
            .watcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let unwanted = if self.is_last_watch_call(call) {
            slot.replace(watcher)
        } else {
            // A later call came meanwhile, and its watcher is (or will be) the one in force.
            Some(watcher)
        };
        drop(slot);
        drop(unwanted);
    }

    /// Whether the watcher of the call of [`Store::watch_file_forever`] counted `call` is
    /// still the one wanted.
    pub(crate) fn is_last_watch_call(&self, call: u64) -> bool {
        self.inner.watch_calls.load(Ordering::Acquire) == call
    }

    /// How many times the environment has changed (see [`Inner::environment_changes`]).
    pub(crate) fn environment_changes(&self) -> u64 {
        self.inner.environment_changes.load(Ordering::Acquire)
    }

    /// The path of the live file last applied, if any.
    pub fn live_file(&self) -> Option<String> {
        self.state().live.as_ref().map(|live| live.path.clone())
    }

    /// The schema in force: the compiled-in flags with the live file's changes.
    pub fn schema(&self) -> Arc<Schema> {
        Arc::clone(&self.state().merged)
    }

    // ---- publishing ---------------------------------------------------------------------------

    pub(crate) fn downgrade(&self) -> WeakStore {
        WeakStore(Arc::downgrade(&self.inner))
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Store {
        Store { inner }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // State is replaced whole or not at all, so a panic elsewhere leaves it consistent.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Compiles the merged flags anew and publishes them; returns the flags whose override
    /// or kill switch no longer applies (see [`carry_overrides`]).
    fn recompile(&self, state: &mut State) -> Vec<String> {
        let definitions = Arc::new(Definitions::compile_with_kinds(
            &state.merged,
            state.environment.as_deref(),
            &|name| state.compiled_variants.get(name).cloned(),
        ));
        let cleared = carry_overrides(&state.definitions, &definitions, &mut state.overrides);
        state.definitions = definitions;
        self.publish(state);
        cleared
    }

    fn publish(&self, state: &State) {
        // The constants are withdrawn before the snapshot is swapped, and set after: a reader
        // that has seen the new snapshot then reads no old constant, nor one that has seen
        // a new constant an old snapshot. Reads move forward only, each answer whole from
        // one configuration or the other.
        for slot in &self.inner.constants {
            slot.store(NO_CONSTANT, Ordering::Release);
        }
        self.inner
            .current
            .store(Arc::new(Store::snapshot_of(state, self.inner.schema_id)));
        for (index, slot) in self.inner.constants.iter().enumerate() {
            let bits = if state.listeners.is_empty() {
                state
                    .definitions
                    .flags
                    .get(index)
                    .map_or(NO_CONSTANT, |flag| {
                        constant(flag, state.overrides.get(flag.name).copied())
                    })
            } else {
                NO_CONSTANT
            };
            slot.store(bits, Ordering::Release);
        }
    }

    fn snapshot_of(state: &State, schema_id: u64) -> Snapshot {
        let fixed = state
            .definitions
            .flags
            .iter()
            .map(|flag| fixed_answer(flag, state.overrides.get(flag.name).copied()))
            .collect();
        Snapshot {
            definitions: Arc::clone(&state.definitions),
            fixed,
            frozen_now: state.frozen_now,
            listeners: state.listeners.iter().map(Arc::downgrade).collect(),
            schema_id,
        }
    }
}

/// Keeps each override and kill switch in force under the `next` definitions of its flag,
/// and returns, sorted, the flags whose one no longer applies there. A flag compiled into the
/// binary keeps its type and variants, though a file may pin it; one that only a file defines
/// may change them, or go. A variant is carried by name, as its position may change; a value of another type than
/// the flag's new one, a variant it no longer has, a flag now pinned, or gone, ends the
/// override, as [`Store::set`] would refuse it.
fn carry_overrides(
    previous: &Definitions,
    next: &Definitions,
    overrides: &mut HashMap<&'static str, Override>,
) -> Vec<String> {
    let mut cleared = Vec::new();
    overrides.retain(|name, value| {
        let Some(flag) = next
            .by_name
            .get(*name)
            .and_then(|&index| next.flags.get(index))
        else {
            cleared.push((*name).to_owned());
            return false;
        };
        let carried = match *value {
            _ if flag.pinned => None,
            Override::Kill => Some(Override::Kill),
            Override::Serve(Served::Variant(position)) => previous
                .by_name
                .get(*name)
                .and_then(|&index| previous.flags.get(index))
                .and_then(|before| before.variants.get(usize::from(position)))
                .and_then(|variant| flag.variants.iter().position(|now| now == variant))
                .and_then(|position| u16::try_from(position).ok())
                .map(|position| Override::Serve(Served::Variant(position))),
            Override::Serve(served) => {
                (kind_of(served) == flag.kind).then_some(Override::Serve(served))
            }
        };
        match carried {
            Some(carried) => {
                *value = carried;
                true
            }
            None => {
                cleared.push((*name).to_owned());
                false
            }
        }
    });
    cleared.sort_unstable();
    cleared
}

const NO_CONSTANT: u64 = 0;
const TAG_SHIFT: u32 = 56;
const PAYLOAD: u64 = (1 << TAG_SHIFT) - 1;
const TAG_BOOL: u64 = 1 << TAG_SHIFT;
const TAG_INT: u64 = 2 << TAG_SHIFT;
const TAG_VARIANT: u64 = 3 << TAG_SHIFT;

/// The answer of `flag` for every context, encoded in 64 bits, or `NO_CONSTANT` when it
/// depends on the context or does not fit (floats, strings, integers beyond 56 bits).
fn constant(flag: &CompiledFlag, current: Option<Override>) -> u64 {
    let Some((served, _)) = fixed_answer(flag, current) else {
        return NO_CONSTANT;
    };
    match served {
        Served::Bool(value) => TAG_BOOL | u64::from(value),
        Served::Int(value) if (-(1 << 55)..(1 << 55)).contains(&value) => {
            TAG_INT | (value as u64 & PAYLOAD)
        }
        Served::Variant(index) => TAG_VARIANT | u64::from(index),
        _ => NO_CONSTANT,
    }
}

#[inline(always)]
fn decode(bits: u64) -> Option<Served> {
    let payload = bits & PAYLOAD;
    match bits & !PAYLOAD {
        TAG_BOOL => Some(Served::Bool(payload != 0)),
        // Shifting left then right (arithmetic) restores the sign of a 56-bit integer.
        TAG_INT => Some(Served::Int(((payload << 8) as i64) >> 8)),
        TAG_VARIANT => Some(Served::Variant(payload as u16)),
        _ => None,
    }
}

fn kind_of(served: Served) -> Kind {
    match served {
        Served::Bool(_) => Kind::Bool,
        Served::Int(_) => Kind::Int,
        Served::Float(_) => Kind::Float,
        Served::Str(_) => Kind::Str,
        Served::Variant(_) => Kind::Variant,
    }
}

/// "a boolean", "an integer", ... for messages.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "a boolean",
        Kind::Int => "an integer",
        Kind::Float => "a float",
        Kind::Str => "a string",
        Kind::Variant => "a variant",
    }
}
