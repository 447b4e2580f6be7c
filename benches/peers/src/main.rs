//! What one flag evaluation costs in flags-runtime, in LaunchDarkly's Rust evaluation engine
//! and in Unleash's (Yggdrasil), on the same five flags and the same 10 000 contexts, in one
//! process and one run:
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml
//! ```
//!
//! Each engine gets the flags in its own model: ours as `flags.toml`, LaunchDarkly's as its
//! flag JSON, Unleash's as its `ClientFeatures` JSON (the last two as their SDKs receive them
//! from the server). Every engine's contexts are built once, before timing; only evaluation is
//! timed.
//!
//! Before anything is timed, the answers are checked, and the program exits with status 1 if
//! one is wrong: every engine must give the expected answer for every context on the four
//! cases without a rollout, and each engine's 20% rollout must take 20% (±1 point) of the keys.
//!
//! Method: a run evaluates one flag for all 10 000 contexts, five times over (50 000
//! evaluations). After three warm-up runs per engine, fifteen runs are timed, taking the three
//! engines in turn, so that a noisy moment of the machine costs all of them alike. A case's
//! figure is the median run divided by the evaluations in it.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use launchdarkly::LaunchDarkly;
use ours::Ours;
use unleash::Unleash;

/// How many contexts there are; their keys are `user-0` .. `user-9999`.
const CONTEXTS: usize = 10_000;
/// Every tenth key is in the user list of case (e), spread over the whole list.
const LISTED_EVERY: usize = 10;
/// The countries the contexts cycle through.
const COUNTRIES: [&str; 5] = ["EE", "FI", "DE", "SE", "US"];
/// The countries the country rule targets.
const TARGETED_COUNTRIES: [&str; 2] = ["EE", "FI"];
/// Every context's plan: none of the nine plan rules of case (d) matches it.
const PLAN: &str = "free";
/// The plan rules in front of the country rule in case (d).
const PLAN_RULES: usize = 9;
/// The rollout of case (b), in percent.
const ROLLOUT_PERCENT: u32 = 20;
/// How far from `ROLLOUT_PERCENT` a rollout's share of the keys may be, in points. A fair 20%
/// share of 10 000 keys has a standard deviation of 0.4 points, so this is 2.5 of them: about
/// one flag name in 80 fails it with a correct engine (Unleash gives 18.96% when the flag is
/// called `rollout`). A broken rollout (wrong unit, inverted comparison, constant bucket) is
/// off by far more.
const SHARE_TOLERANCE_POINTS: f64 = 1.0;

/// Passes over all contexts per timed run.
const SWEEPS_PER_RUN: usize = 5;
const EVALUATIONS_PER_RUN: usize = SWEEPS_PER_RUN * CONTEXTS;
const WARM_UP_RUNS: usize = 3;
const TIMED_RUNS: usize = 15;

/// The benchmarked flags, in the order `flags.toml` declares them: a case's discriminant is the
/// position our typed key uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Plain = 0,
    Rollout = 1,
    CountryRule = 2,
    TenRules = 3,
    UserList = 4,
}

impl Case {
    const ALL: [Case; 5] = [
        Case::Plain,
        Case::Rollout,
        Case::CountryRule,
        Case::TenRules,
        Case::UserList,
    ];

    const fn index(self) -> usize {
        self as usize
    }

    /// The flag's name (its key, for LaunchDarkly) in every engine. It is also the salt of the
    /// rollout's buckets in every engine, so it decides which keys are in the rollout.
    const fn flag_name(self) -> &'static str {
        match self {
            Case::Plain => "plain",
            Case::Rollout => "rollout_20_percent",
            Case::CountryRule => "country_rule",
            Case::TenRules => "ten_rules",
            Case::UserList => "user_list",
        }
    }

    /// The row label in the results table.
    const fn label(self) -> &'static str {
        match self {
            Case::Plain => "(a) bool flag, no rules",
            Case::Rollout => "(b) 20% rollout, 10 000 keys",
            Case::CountryRule => "(c) country in [EE, FI]",
            Case::TenRules => "(d) 10 rules, 40% match the last",
            Case::UserList => "(e) user list of 1000",
        }
    }

    /// Whether our flag has rules: `flags!()` marks the keys of such flags (see
    /// `flags_schema::Flag::is_targeted`), and `Ours::new` checks that the schema agrees.
    const fn targeted(self) -> bool {
        !matches!(self, Case::Plain)
    }

    /// What the flag serves when no rule matches, in our `flags.toml` (and so in the metadata
    /// of our typed key).
    const fn default_value(self) -> bool {
        matches!(self, Case::Plain)
    }

    /// The right answer for `subject`; `None` for the rollout, whose answer depends on each
    /// engine's hash (only its share is checked).
    fn expected(self, subject: &Subject) -> Option<bool> {
        match self {
            Case::Plain => Some(true),
            Case::Rollout => None,
            // No context has any of the nine plans, so the country rule decides alone.
            Case::CountryRule | Case::TenRules => {
                Some(TARGETED_COUNTRIES.contains(&subject.country))
            }
            Case::UserList => Some(subject.listed),
        }
    }
}

/// One context, before each engine is given it in its own type.
struct Subject {
    key: String,
    country: &'static str,
    /// Whether the key is in the user list of case (e).
    listed: bool,
}

fn subjects() -> Vec<Subject> {
    (0..CONTEXTS)
        .map(|i| Subject {
            key: format!("user-{i}"),
            country: COUNTRIES[i % COUNTRIES.len()],
            listed: i % LISTED_EVERY == 0,
        })
        .collect()
}

/// The user list of case (e), in key order: 1000 keys, a tenth of the contexts.
fn listed_keys(subjects: &[Subject]) -> Vec<&str> {
    subjects
        .iter()
        .filter(|subject| subject.listed)
        .map(|subject| subject.key.as_str())
        .collect()
}

/// The values of the plan rules of case (d): `plan-0` .. `plan-8`.
fn plan_values() -> impl Iterator<Item = String> {
    (0..PLAN_RULES).map(|i| format!("plan-{i}"))
}

mod ours {
    //! flags-runtime, through the typed keys `flags!()` generates: the path applications use.

    use flags_runtime::__private::shared_store;
    use flags_runtime::{Context, FlagInfo, FlagKey, Schema, Store};

    use crate::{Case, PLAN, ROLLOUT_PERCENT, Subject, TARGETED_COUNTRIES};

    /// The name the store is registered and reported under; no file is read.
    const PATH: &str = "benches/peers/flags.toml";
    /// Stands for the id `flags!()` derives from the file: keys carrying it index the store's
    /// flags directly instead of looking them up by name.
    const SCHEMA_ID: u64 = 0x7065_6572_7321;

    /// What `flags!()` would generate for each flag, in declared order.
    static FLAG_INFOS: [FlagInfo; 5] = [
        flag_info(Case::Plain),
        flag_info(Case::Rollout),
        flag_info(Case::CountryRule),
        flag_info(Case::TenRules),
        flag_info(Case::UserList),
    ];

    const fn flag_info(case: Case) -> FlagInfo {
        FlagInfo {
            name: case.flag_name(),
            description: case.label(),
            owner: "bench",
            expires: None,
            permanent: true,
            pinned: false,
            kind: "bool",
            variants: &[],
            default: if case.default_value() {
                "true"
            } else {
                "false"
            },
        }
    }

    pub struct Ours {
        store: &'static Store,
        pub contexts: Vec<Context<'static>>,
    }

    impl Ours {
        pub fn new(subjects: &[Subject]) -> Result<Ours, String> {
            // `shared_store` applies these to the store, as generated code would; the
            // benchmark must evaluate exactly the flags written here.
            for variable in ["FLAGS_ENV", "FLAGS_FILE"] {
                if std::env::var_os(variable).is_some_and(|value| !value.is_empty()) {
                    return Err(format!(
                        "{variable} is set; unset it so that the benchmarked flags are the ones \
                         built here"
                    ));
                }
            }
            let source = flags_toml(subjects);
            // `shared_store` logs a bad file and serves defaults; find out here instead.
            Schema::parse(PATH, &source).map_err(|diagnostics| diagnostics.to_string())?;
            // The store lives as long as the process, like the one `flags!()` creates.
            let store = shared_store(PATH, source.leak(), SCHEMA_ID);
            let schema = store.schema();
            for case in Case::ALL {
                if schema.flag_index(case.flag_name()) != Some(case.index()) {
                    return Err(format!(
                        "flag `{}` is not at position {} of the generated flags.toml",
                        case.flag_name(),
                        case.index()
                    ));
                }
                let targeted = schema.flags[case.index()].is_targeted();
                if targeted != case.targeted() {
                    return Err(format!(
                        "flag `{}` is targeted: {targeted}, where its key says {}",
                        case.flag_name(),
                        case.targeted()
                    ));
                }
            }
            let contexts: Vec<Context<'static>> = subjects
                .iter()
                .map(|subject| {
                    Context::new(subject.key.clone())
                        .with("country", subject.country)
                        .with("plan", PLAN)
                })
                .collect();
            Ok(Ours { store, contexts })
        }

        /// The key `flags!()` would generate for the case's flag.
        pub fn key(case: Case) -> FlagKey<bool> {
            let key = FlagKey::__new(
                case.index(),
                SCHEMA_ID,
                case.default_value(),
                &FLAG_INFOS[case.index()],
            );
            if case.targeted() {
                key.__targeted()
            } else {
                key
            }
        }

        #[inline]
        pub fn get(&self, key: FlagKey<bool>, context: &Context<'_>) -> bool {
            self.store.get(key, context)
        }

        /// The same answer through the by-name API, to check that the typed keys point at the
        /// right flags.
        pub fn get_by_name(&self, name: &str, context: &Context<'_>) -> Option<bool> {
            self.store.get_by_name(name, context)
        }
    }

    /// The five flags, in `Case::ALL` order.
    fn flags_toml(subjects: &[Subject]) -> String {
        let mut toml = String::new();
        for case in Case::ALL {
            let name = case.flag_name();
            toml.push_str(&format!(
                "[flags.{name}]\ndescription = \"{}\"\nowner = \"bench\"\npermanent = true\n\
                 default = {}\n",
                case.label(),
                case.default_value()
            ));
            let rule = format!("[[flags.{name}.rules]]\n");
            let country_rule = format!(
                "{rule}when = [{{ attribute = \"country\", in = [{}] }}]\nserve = true\n",
                quoted(TARGETED_COUNTRIES)
            );
            match case {
                Case::Plain => {}
                Case::Rollout => {
                    toml.push_str(&format!(
                        "{rule}rollout = {ROLLOUT_PERCENT}\nserve = true\n"
                    ));
                }
                Case::CountryRule => toml.push_str(&country_rule),
                Case::TenRules => {
                    // `in` with one value, as the peers have no `eq` for strings.
                    for plan in crate::plan_values() {
                        toml.push_str(&format!(
                            "{rule}when = [{{ attribute = \"plan\", in = [\"{plan}\"] }}]\n\
                             serve = true\n"
                        ));
                    }
                    toml.push_str(&country_rule);
                }
                Case::UserList => {
                    toml.push_str(&format!(
                        "{rule}users = [{}]\nserve = true\n",
                        quoted(crate::listed_keys(subjects))
                    ));
                }
            }
            toml.push('\n');
        }
        toml
    }

    /// `"a", "b"`: the items of a TOML array of plain ASCII strings.
    fn quoted<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
        items
            .into_iter()
            .map(|item| format!("\"{}\"", item.as_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

mod launchdarkly {
    //! `launchdarkly-server-sdk-evaluation`: the engine inside LaunchDarkly's Rust server SDK.

    use launchdarkly_server_sdk_evaluation::{
        Context, ContextBuilder, Flag, FlagValue, Segment, Store, evaluate,
    };
    use serde_json::{Value, json};

    use crate::{Case, PLAN, ROLLOUT_PERCENT, Subject, TARGETED_COUNTRIES};

    /// Every flag's variations are `[false, true]`; rules and targets name them by index.
    const FALSE: usize = 0;
    const TRUE: usize = 1;

    /// `evaluate` asks its store only for prerequisite flags and for the segments of
    /// `segmentMatch` clauses. The benchmarked flags have neither, so an empty store gives
    /// exactly the answers a full one would.
    struct NoPrerequisitesOrSegments;

    impl Store for NoPrerequisitesOrSegments {
        fn flag(&self, _flag_key: &str) -> Option<Flag> {
            None
        }

        fn segment(&self, _segment_key: &str) -> Option<Segment> {
            None
        }
    }

    pub struct LaunchDarkly {
        /// In `Case::ALL` order.
        flags: Vec<Flag>,
        pub contexts: Vec<Context>,
    }

    impl LaunchDarkly {
        pub fn new(subjects: &[Subject]) -> Result<LaunchDarkly, String> {
            let flags: Vec<Flag> = Case::ALL
                .into_iter()
                .map(|case| {
                    serde_json::from_value(flag_json(case, subjects)).map_err(|error| {
                        format!("LaunchDarkly flag `{}`: {error}", case.flag_name())
                    })
                })
                .collect::<Result<_, _>>()?;
            let contexts: Vec<Context> = subjects
                .iter()
                .map(|subject| {
                    ContextBuilder::new(subject.key.as_str())
                        .set_string("country", subject.country)
                        .set_string("plan", PLAN)
                        .build()
                        .map_err(|error| format!("LaunchDarkly context `{}`: {error}", subject.key))
                })
                .collect::<Result<_, _>>()?;
            Ok(LaunchDarkly { flags, contexts })
        }

        pub fn flag(&self, case: Case) -> &Flag {
            &self.flags[case.index()]
        }

        /// `None` when the evaluation failed (a malformed flag): the SDK then serves the
        /// caller's default.
        #[inline]
        pub fn get(&self, flag: &Flag, context: &Context) -> Option<bool> {
            evaluate(&NoPrerequisitesOrSegments, flag, context, None)
                .value
                .and_then(FlagValue::as_bool)
        }
    }

    /// The flag as LaunchDarkly's servers send it to SDKs.
    fn flag_json(case: Case, subjects: &[Subject]) -> Value {
        let name = case.flag_name();
        let mut targets = json!([]);
        let mut rules = json!([]);
        let mut fallthrough = json!({ "variation": FALSE });
        match case {
            Case::Plain => fallthrough = json!({ "variation": TRUE }),
            Case::Rollout => {
                // Weights are in thousandths of a percent.
                fallthrough = json!({ "rollout": { "variations": [
                    { "variation": TRUE, "weight": ROLLOUT_PERCENT * 1000 },
                    { "variation": FALSE, "weight": (100 - ROLLOUT_PERCENT) * 1000 },
                ] } });
            }
            Case::CountryRule => rules = json!([in_rule("country", &TARGETED_COUNTRIES)]),
            Case::TenRules => {
                let mut ten: Vec<Value> = crate::plan_values()
                    .map(|plan| in_rule("plan", &[plan.as_str()]))
                    .collect();
                ten.push(in_rule("country", &TARGETED_COUNTRIES));
                rules = Value::Array(ten);
            }
            Case::UserList => {
                targets = json!([{
                    "contextKind": "user",
                    "values": crate::listed_keys(subjects),
                    "variation": TRUE,
                }]);
            }
        }
        json!({
            "key": name,
            "version": 1,
            "on": true,
            "targets": targets,
            "contextTargets": [],
            "rules": rules,
            "prerequisites": [],
            "fallthrough": fallthrough,
            "offVariation": FALSE,
            "variations": [false, true],
            "clientSide": false,
            // The salt of the rollout's buckets (LaunchDarkly generates a random one).
            "salt": name,
            "trackEvents": false,
            "trackEventsFallthrough": false,
        })
    }

    /// A rule serving `true` when the user's `attribute` is one of `values`.
    fn in_rule(attribute: &str, values: &[&str]) -> Value {
        json!({
            "id": format!("{attribute}-in-{}", values.join("-")),
            "clauses": [{
                "contextKind": "user",
                "attribute": attribute,
                "op": "in",
                "values": values,
                "negate": false,
            }],
            "variation": TRUE,
            "trackEvents": false,
        })
    }
}

mod unleash {
    //! `unleash-yggdrasil`: the engine Unleash's server SDKs share.

    use std::collections::HashMap;

    use serde_json::{Value, json};
    use unleash_yggdrasil::{ClientFeatures, Context, EngineState, UpdateMessage};

    use crate::{Case, PLAN, ROLLOUT_PERCENT, Subject, TARGETED_COUNTRIES};

    pub struct Unleash {
        engine: EngineState,
        pub contexts: Vec<Context>,
    }

    impl Unleash {
        pub fn new(subjects: &[Subject]) -> Result<Unleash, String> {
            let features: Vec<Value> = Case::ALL
                .into_iter()
                .map(|case| feature_json(case, subjects))
                .collect();
            let features: ClientFeatures =
                serde_json::from_value(json!({ "version": 2, "features": features }))
                    .map_err(|error| format!("Unleash features: {error}"))?;
            let engine = EngineState::default();
            // A strategy that fails to compile would silently be off: refuse it instead.
            if let Some(warnings) = engine.take_state(UpdateMessage::FullResponse(features)) {
                let warnings: Vec<String> = warnings
                    .iter()
                    .map(|warning| format!("{}: {}", warning.toggle_name, warning.message))
                    .collect();
                return Err(format!("Unleash features: {}", warnings.join("; ")));
            }
            // `is_enabled` answers `false` for an unknown name; make sure none is.
            let known = engine.list_known_toggles();
            for case in Case::ALL {
                if !known.iter().any(|toggle| toggle.name == case.flag_name()) {
                    return Err(format!("Unleash does not know `{}`", case.flag_name()));
                }
            }
            let contexts: Vec<Context> = subjects
                .iter()
                .map(|subject| Context {
                    user_id: Some(subject.key.clone()),
                    // Every context field Unleash does not name goes in `properties`.
                    properties: Some(HashMap::from([
                        ("country".to_owned(), subject.country.to_owned()),
                        ("plan".to_owned(), PLAN.to_owned()),
                    ])),
                    ..Context::default()
                })
                .collect();
            Ok(Unleash { engine, contexts })
        }

        #[inline]
        pub fn get(&self, name: &str, context: &Context) -> bool {
            self.engine.is_enabled(name, context, &None)
        }
    }

    /// The feature as Unleash's `/api/client/features` sends it. A feature is on for a context
    /// when any of its strategies is.
    fn feature_json(case: Case, subjects: &[Subject]) -> Value {
        let name = case.flag_name();
        let strategies = match case {
            Case::Plain => json!([{ "name": "default", "parameters": {} }]),
            Case::Rollout => json!([{
                "name": "flexibleRollout",
                "parameters": {
                    "rollout": ROLLOUT_PERCENT.to_string(),
                    // Unleash's default: the user id, else the session id, else random.
                    "stickiness": "default",
                    "groupId": name,
                },
            }]),
            Case::CountryRule => json!([in_strategy("country", &TARGETED_COUNTRIES)]),
            Case::TenRules => {
                let mut ten: Vec<Value> = crate::plan_values()
                    .map(|plan| in_strategy("plan", &[plan.as_str()]))
                    .collect();
                ten.push(in_strategy("country", &TARGETED_COUNTRIES));
                Value::Array(ten)
            }
            Case::UserList => json!([{
                "name": "userWithId",
                "parameters": { "userIds": crate::listed_keys(subjects).join(",") },
            }]),
        };
        json!({
            "name": name,
            "type": "release",
            "enabled": true,
            "project": "default",
            "strategies": strategies,
        })
    }

    /// A strategy on for everyone whose `context_name` property is one of `values`.
    fn in_strategy(context_name: &str, values: &[&str]) -> Value {
        json!({
            "name": "default",
            "parameters": {},
            "constraints": [{
                "contextName": context_name,
                "operator": "IN",
                "values": values,
                "caseInsensitive": false,
                "inverted": false,
            }],
        })
    }
}

/// The three engines, each with the same contexts in its own type, in the same order.
struct Engines {
    ours: Ours,
    launchdarkly: LaunchDarkly,
    unleash: Unleash,
}

/// Who gives each answer of [`Engines::answers`], in order.
const ANSWERERS: [&str; 4] = ["ours", "ours (by name)", "LaunchDarkly", "Unleash"];
/// The answers that are engines (the by-name answer is ours again, to check our typed keys).
const ENGINE_ANSWERS: [usize; 3] = [0, 2, 3];

impl Engines {
    fn new(subjects: &[Subject]) -> Result<Engines, String> {
        Ok(Engines {
            ours: Ours::new(subjects)?,
            launchdarkly: LaunchDarkly::new(subjects)?,
            unleash: Unleash::new(subjects)?,
        })
    }

    /// Every answer for the case's flag and the context at `index` (see [`ANSWERERS`]); `None`
    /// where an engine gave no boolean.
    fn answers(&self, case: Case, index: usize) -> [Option<bool>; 4] {
        let name = case.flag_name();
        // All three context lists were built from the same subjects, in order.
        let ours = &self.ours.contexts[index];
        [
            Some(self.ours.get(Ours::key(case), ours)),
            self.ours.get_by_name(name, ours),
            self.launchdarkly.get(
                self.launchdarkly.flag(case),
                &self.launchdarkly.contexts[index],
            ),
            Some(self.unleash.get(name, &self.unleash.contexts[index])),
        ]
    }
}

/// Whether every engine gives the expected answer for every context, on each case without a
/// rollout. Prints the first wrong answers.
fn check_exact_cases(engines: &Engines, subjects: &[Subject]) -> bool {
    const SHOWN: usize = 5;
    let mut all_right = true;
    for case in Case::ALL {
        // The rollout has no single right answer per context: `check_rollout_shares` checks it.
        let Some(expectations) = subjects
            .iter()
            .map(|subject| case.expected(subject))
            .collect::<Option<Vec<bool>>>()
        else {
            continue;
        };
        let mut wrong = 0;
        for (index, (subject, &expected)) in subjects.iter().zip(&expectations).enumerate() {
            let answers = engines.answers(case, index);
            if answers.iter().all(|answer| *answer == Some(expected)) {
                continue;
            }
            wrong += 1;
            if wrong <= SHOWN {
                let given: Vec<String> = ANSWERERS
                    .iter()
                    .zip(answers)
                    .map(|(answerer, answer)| format!("{answerer} {answer:?}"))
                    .collect();
                println!(
                    "  WRONG {}: {} (country {}): expected {expected}, got {}",
                    case.flag_name(),
                    subject.key,
                    subject.country,
                    given.join(", ")
                );
            }
        }
        let served_true = expectations.iter().filter(|&&value| value).count();
        if wrong == 0 {
            println!(
                "check {}: every engine right for all {} contexts ({served_true} served true)",
                case.label(),
                subjects.len()
            );
        } else {
            println!(
                "check {}: FAILED, wrong answers for {wrong} of {} contexts",
                case.label(),
                subjects.len()
            );
            all_right = false;
        }
    }
    all_right
}

/// Whether each engine's rollout serves `true` to `ROLLOUT_PERCENT` ± `SHARE_TOLERANCE_POINTS`
/// of the keys. The engines hash differently, so they pick different keys: only the shares can
/// agree.
fn check_rollout_shares(engines: &Engines) -> bool {
    let mut served_true = [0_usize; 4];
    let mut typed_differs_from_by_name = 0;
    for index in 0..CONTEXTS {
        let answers = engines.answers(Case::Rollout, index);
        typed_differs_from_by_name += usize::from(answers[0] != answers[1]);
        for (count, answer) in served_true.iter_mut().zip(answers) {
            *count += usize::from(answer == Some(true));
        }
    }
    let mut all_right = true;
    if typed_differs_from_by_name > 0 {
        println!(
            "check {}: FAILED, our typed key and our by-name lookup differ for \
             {typed_differs_from_by_name} contexts",
            Case::Rollout.label()
        );
        all_right = false;
    }
    let target = f64::from(ROLLOUT_PERCENT);
    let mut shares = Vec::new();
    for answer in ENGINE_ANSWERS {
        let share = 100.0 * served_true[answer] as f64 / CONTEXTS as f64;
        let in_range = (share - target).abs() <= SHARE_TOLERANCE_POINTS;
        all_right &= in_range;
        let verdict = if in_range { "ok" } else { "OUT OF RANGE" };
        shares.push(format!("{} {share:.2}% {verdict}", ANSWERERS[answer]));
    }
    println!(
        "check {}: share of the {CONTEXTS} keys served true (must be {target}% ± \
         {SHARE_TOLERANCE_POINTS} point): {}",
        Case::Rollout.label(),
        shares.join(", ")
    );
    all_right
}

/// Times one run: `SWEEPS_PER_RUN` passes of `evaluate` over `contexts`. Generic, so each
/// engine's loop is compiled on its own with the evaluation inlined: no indirect call is timed.
fn timed_run<C>(contexts: &[C], mut evaluate: impl FnMut(&C) -> bool) -> Duration {
    let start = Instant::now();
    for _ in 0..SWEEPS_PER_RUN {
        for context in contexts {
            // The opaque context keeps the compiler from hoisting work out of the loop; the
            // opaque answer keeps it from dropping the evaluation.
            black_box(evaluate(black_box(context)));
        }
    }
    start.elapsed()
}

/// How many engines are compared.
const ENGINES: usize = 3;

/// Warms up, then times the engines' runs in turn; returns each engine's median nanoseconds
/// per evaluation.
fn race(mut runs: [&mut dyn FnMut() -> Duration; ENGINES]) -> [f64; ENGINES] {
    for run in runs.iter_mut() {
        for _ in 0..WARM_UP_RUNS {
            run();
        }
    }
    let mut times: [Vec<Duration>; ENGINES] =
        std::array::from_fn(|_| Vec::with_capacity(TIMED_RUNS));
    for _ in 0..TIMED_RUNS {
        for (engine_times, run) in times.iter_mut().zip(runs.iter_mut()) {
            engine_times.push(run());
        }
    }
    times.map(|mut durations| {
        durations.sort_unstable();
        durations[TIMED_RUNS / 2].as_secs_f64() * 1e9 / EVALUATIONS_PER_RUN as f64
    })
}

/// Nanoseconds per evaluation of ours, LaunchDarkly and Unleash, on one case.
fn time_case(engines: &Engines, case: Case) -> [f64; ENGINES] {
    let Engines {
        ours,
        launchdarkly,
        unleash,
    } = engines;
    let key = Ours::key(case);
    let flag = launchdarkly.flag(case);
    let name = case.flag_name();
    let mut time_ours = || timed_run(&ours.contexts, |context| ours.get(key, context));
    let mut time_launchdarkly = || {
        timed_run(&launchdarkly.contexts, |context| {
            launchdarkly.get(flag, context).unwrap_or(false)
        })
    };
    let mut time_unleash = || timed_run(&unleash.contexts, |context| unleash.get(name, context));
    race([&mut time_ours, &mut time_launchdarkly, &mut time_unleash])
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|cpuinfo| {
            cpuinfo.lines().find_map(|line| {
                let (field, value) = line.split_once(':')?;
                (field.trim() == "model name").then(|| value.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown (no \"model name\" in /proc/cpuinfo)".to_owned())
}

fn core_count() -> String {
    std::thread::available_parallelism().map_or_else(
        |error| format!("unknown ({error})"),
        |cores| cores.to_string(),
    )
}

/// The `rustc` on `PATH`: normally, but not necessarily, the one that built this binary.
fn rustc_version() -> String {
    std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |version| version.trim().to_owned())
}

fn nanoseconds(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        format!("{ns:.0}")
    }
}

/// How many times faster ours is than `theirs`.
fn speed_up(theirs: f64, ours: f64) -> String {
    if ours <= 0.0 {
        return "n/a".to_owned();
    }
    let ratio = theirs / ours;
    if ratio < 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.0}×")
    }
}

fn main() -> ExitCode {
    let subjects = subjects();
    let engines = match Engines::new(&subjects) {
        Ok(engines) => engines,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    // Timing wrong answers would be meaningless: check first.
    let exact = check_exact_cases(&engines, &subjects);
    let shares = check_rollout_shares(&engines);
    if !(exact && shares) {
        eprintln!("error: the engines' answers are wrong; nothing was timed");
        return ExitCode::FAILURE;
    }
    println!();

    let mut rows = Vec::with_capacity(Case::ALL.len());
    for case in Case::ALL {
        eprintln!("timing {} ...", case.label());
        rows.push((case, time_case(&engines, case)));
    }

    println!("flags-runtime vs LaunchDarkly vs Unleash: nanoseconds per flag evaluation");
    println!();
    println!(
        "- date: {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("- CPU: {}", cpu_model());
    println!("- cores available: {}", core_count());
    println!("- rustc: {}", rustc_version());
    println!(
        // The LaunchDarkly version is the exact pin of Cargo.toml; the crate exports none.
        "- peers: launchdarkly-server-sdk-evaluation 2.2.1, unleash-yggdrasil {}",
        unleash_yggdrasil::CORE_VERSION
    );
    println!(
        "- method: {CONTEXTS} rotating contexts, {EVALUATIONS_PER_RUN} evaluations per run; \
         median of {TIMED_RUNS} runs after {WARM_UP_RUNS} warm-up runs, engines taking turns"
    );
    println!();
    println!(
        "| case | ours ns | LaunchDarkly ns | Unleash ns | speed-up vs LD | speed-up vs Unleash |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (case, [ours, launchdarkly, unleash]) in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            case.label(),
            nanoseconds(ours),
            nanoseconds(launchdarkly),
            nanoseconds(unleash),
            speed_up(launchdarkly, ours),
            speed_up(unleash, ours),
        );
    }
    ExitCode::SUCCESS
}
