//! Every construct of the format, read into the model.

use flags_schema::*;

const EVERYTHING: &str = r#"
environments = ["development", "staging", "production"]

[segments.beta_testers]
description = "Testers who do a final sanity check on production"
users = ["u-1001", "u-1002"]

[segments.nordics]
when = [{ attribute = "country", in = ["EE", "FI", "SE", "NO", "DK", "IS"] }]
exclude = ["u-666"]

[segments.staff]
users = ["u-1"]
when = [{ attribute = "email", ends_with = "@example.com", case_insensitive = true }]

[flags.new_registration_flow]
description = "Two-step registration with email verification"
owner = "growth-team"
expires = 2027-03-01
default = false

[[flags.new_registration_flow.rules]]
segment = "beta_testers"
serve = true

[[flags.new_registration_flow.rules]]
description = "Estonia and Finland first"
when = [{ attribute = "country", in = ["EE", "FI"] }]
rollout = 25
serve = true

[[flags.new_registration_flow.rules]]
rollout = 12.345
serve = true

[flags.new_registration_flow.environments.staging]
default = true

[flags.new_registration_flow.environments.development]
rules = [{ users = ["dev-1"], serve = true }]

[flags.checkout_layout]
description = "A/B test of checkout page layouts"
owner = "payments"
expires = 2027-01-15
variants = ["classic", "one_page", "express"]
default = "classic"
salt = "checkout-2026"
[[flags.checkout_layout.rules]]
split = { classic = 50, one_page = 25, express = 25 }
bucket_by = "account_id"

[flags.search_page_size]
description = "How many results the search page shows"
owner = "search"
permanent = true
default = 20

[flags.price_factor]
description = "Multiplier on displayed prices"
owner = "pricing"
permanent = true
default = 1.0
[[flags.price_factor.rules]]
when = [{ attribute = "plan", eq = "enterprise" }]
serve = 0.9

[flags.greeting]
description = "Headline on the home page"
owner = "marketing"
expires = 2027-06-01
default = "Hello"
[[flags.greeting.rules]]
split = { "Hello" = 50, "Welcome" = 50 }

[flags.holiday_banner]
description = "The holiday banner"
owner = "marketing"
expires = 2027-01-10
pinned = true
default = true
from = 2026-12-01T09:00:00+02:00
until = 2027-01-06

[flags.everything]
description = "Uses every operator"
owner = "platform"
expires = 2027-12-31
default = false
requires = { new_registration_flow = true, checkout_layout = "one_page" }
[[flags.everything.rules]]
users = ["u-1", "u-2"]
segment = ["beta_testers", "staff"]
from = 2026-12-01T09:00:00Z
until = 2026-12-24T18:00:00Z
when = [
  { attribute = "country", in = ["EE"], case_insensitive = true },
  { attribute = "tenant", not_in = [1, 2, 3] },
  { attribute = "tier", eq = 3 },
  { attribute = "beta", eq = true },
  { attribute = "name", starts_with = "A" },
  { attribute = "name", ends_with = "z" },
  { attribute = "groups", contains = "admins" },
  { attribute = "email", matches = "^[a-z]+@example\\.com$", case_insensitive = true },
  { attribute = "age", lt = 65 },
  { attribute = "age", le = 64.5 },
  { attribute = "age", gt = 17 },
  { attribute = "age", ge = 18 },
  { attribute = "signed_up", before = 2026-01-01 },
  { attribute = "signed_up", after = 2020-01-01T00:00:00Z },
  { attribute = "app_version", semver_eq = "2.4.1" },
  { attribute = "app_version", semver_lt = "3.0.0" },
  { attribute = "app_version", semver_le = "2.9.9" },
  { attribute = "app_version", semver_gt = "2.0.0-beta.1" },
  { attribute = "app_version", semver_ge = "2.0.0" },
  { attribute = "ip", cidr = ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] },
  { attribute = "ip", cidr = "172.16.0.0/12", negate = true },
  { attribute = "location", within = { lat = 59.437, lon = 24.754, radius_km = 25 } },
  { flag = { name = "search_page_size", is = 20 } },
  { flag = { name = "greeting", is = "Welcome" }, negate = true },
]
serve = true
"#;

fn schema() -> Schema {
    Schema::parse("flags.toml", EVERYTHING).unwrap_or_else(|errors| panic!("{errors}"))
}

#[test]
fn the_examples_flags_toml_is_valid() {
    let text = include_str!("../../flags.toml");
    let schema = Schema::parse("flags.toml", text).unwrap_or_else(|errors| panic!("{errors}"));
    assert!(schema.flag("new_registration_flow").is_some());
}

/// The README's `flags.toml` blocks (the quickstart's, the reference's) are files a user may
/// copy: each is valid.
#[test]
fn every_flags_toml_in_the_readme_is_valid() {
    let readme = include_str!("../../README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(block, _)| block))
        .filter(|block| !block.starts_with("# Cargo.toml"))
        .collect();
    assert!(
        blocks.len() >= 2,
        "the README's flags.toml blocks are missing"
    );
    for block in blocks {
        let schema = Schema::parse("flags.toml", block)
            .unwrap_or_else(|errors| panic!("{errors}\nin the README's block:\n{block}"));
        assert!(schema.flag("new_registration_flow").is_some());
    }
}

#[test]
fn environments_and_segments_keep_their_order() {
    let schema = schema();
    let environments: Vec<_> = schema
        .environments
        .iter()
        .map(|e| e.value.as_str())
        .collect();
    assert_eq!(environments, ["development", "staging", "production"]);
    let segments: Vec<_> = schema.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(segments, ["beta_testers", "nordics", "staff"]);

    let nordics = schema.segment("nordics").unwrap();
    assert_eq!(nordics.exclude, ["u-666"]);
    assert!(nordics.users.is_empty());
    let staff = schema.segment("staff").unwrap();
    assert_eq!(staff.users, ["u-1"]);
    assert!(matches!(
        &staff.when[0].test,
        Test::Attribute { case_insensitive: true, operator: Operator::EndsWith(suffix), .. }
            if suffix == "@example.com"
    ));
}

#[test]
fn flag_types_follow_the_default() {
    let schema = schema();
    let kind = |name: &str| schema.flag(name).unwrap().kind.clone();
    assert_eq!(kind("new_registration_flow"), FlagKind::Bool);
    assert_eq!(kind("search_page_size"), FlagKind::Int);
    assert_eq!(kind("price_factor"), FlagKind::Float);
    assert_eq!(kind("greeting"), FlagKind::String);
    let FlagKind::Variants(variants) = kind("checkout_layout") else {
        panic!("checkout_layout is a variant flag");
    };
    let names: Vec<_> = variants.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(names, ["classic", "one_page", "express"]);
}

#[test]
fn metadata_is_read() {
    let schema = schema();
    let flag = schema.flag("new_registration_flow").unwrap();
    assert_eq!(
        flag.description,
        "Two-step registration with email verification"
    );
    assert_eq!(flag.owner, "growth-team");
    assert_eq!(
        flag.expires.as_ref().unwrap().value,
        Date::new(2027, 3, 1).unwrap()
    );
    assert!(!flag.permanent && !flag.pinned);
    assert!(flag.is_expired(Date::new(2027, 3, 2).unwrap()));
    assert!(!flag.is_expired(Date::new(2027, 3, 1).unwrap()));

    let permanent = schema.flag("search_page_size").unwrap();
    assert!(permanent.permanent && permanent.expires.is_none());
    assert!(schema.flag("holiday_banner").unwrap().pinned);
    assert_eq!(
        schema.flag("checkout_layout").unwrap().bucket_salt(),
        "checkout-2026"
    );
    assert_eq!(schema.flag("greeting").unwrap().bucket_salt(), "greeting");
}

#[test]
fn rules_serve_rollouts_and_splits() {
    let schema = schema();
    let flag = schema.flag("new_registration_flow").unwrap();
    assert_eq!(flag.rules.len(), 3);
    assert_eq!(flag.rules[0].segments[0].value, "beta_testers");
    assert!(matches!(
        &flag.rules[0].outcome,
        Outcome::Serve(value) if value.value == Value::Bool(true)
    ));
    let Outcome::Rollout { percent, serve } = &flag.rules[1].outcome else {
        panic!("rule 2 is a rollout");
    };
    assert_eq!(percent.value.thousandths(), 25_000);
    assert_eq!(serve.value, Value::Bool(true));
    assert_eq!(
        flag.rules[1].description.as_deref(),
        Some("Estonia and Finland first")
    );
    let Outcome::Rollout { percent, .. } = &flag.rules[2].outcome else {
        panic!("rule 3 is a rollout");
    };
    assert_eq!(percent.value.thousandths(), 12_345);

    let layout = schema.flag("checkout_layout").unwrap();
    let Outcome::Split(arms) = &layout.rules[0].outcome else {
        panic!("checkout_layout splits");
    };
    let arms: Vec<_> = arms
        .value
        .iter()
        .map(|arm| (arm.value.clone(), arm.weight.thousandths()))
        .collect();
    assert_eq!(
        arms,
        [
            (Value::String("classic".into()), 50_000),
            (Value::String("one_page".into()), 25_000),
            (Value::String("express".into()), 25_000),
        ],
        "split arms keep their declared order"
    );
    assert_eq!(layout.rules[0].bucket_by.as_deref(), Some("account_id"));
    assert!(layout.rules[0].matches_everyone());
}

#[test]
fn environments_replace_default_or_rules() {
    let schema = schema();
    let flag = schema.flag("new_registration_flow").unwrap();
    let staging = flag.targeting(Some("staging"));
    assert_eq!(staging.default.value, Value::Bool(true));
    assert_eq!(staging.rules.len(), 3, "staging keeps the base rules");
    let development = flag.targeting(Some("development"));
    assert_eq!(development.default.value, Value::Bool(false));
    assert_eq!(development.rules.len(), 1);
    assert_eq!(development.rules[0].users, ["dev-1"]);
    let production = flag.targeting(Some("production"));
    assert_eq!(production.rules.len(), 3);
    assert_eq!(flag.all_rules().count(), 4);
}

#[test]
fn windows_are_instants() {
    let schema = schema();
    let banner = schema.flag("holiday_banner").unwrap();
    let from = banner.window.from.as_ref().unwrap().value;
    let until = banner.window.until.as_ref().unwrap().value;
    assert_eq!(from.to_string(), "2026-12-01T07:00:00Z");
    assert_eq!(
        until.to_string(),
        "2027-01-06T00:00:00Z",
        "a date means midnight UTC"
    );
    assert!(banner.window.contains(from));
    assert!(!banner.window.contains(until));
}

#[test]
fn every_operator_is_read() {
    let schema = schema();
    let flag = schema.flag("everything").unwrap();
    assert_eq!(flag.requires.len(), 2);
    assert_eq!(flag.requires[1].flag.value, "checkout_layout");
    assert_eq!(flag.requires[1].is.value, Value::String("one_page".into()));
    let rule = &flag.rules[0];
    assert_eq!(rule.users, ["u-1", "u-2"]);
    assert_eq!(rule.segments.len(), 2);
    assert!(!rule.window.is_always());
    let keys: Vec<&str> = rule
        .when
        .iter()
        .map(|condition| match &condition.test {
            Test::Attribute { operator, .. } => operator.key(),
            Test::Flag(_) => "flag",
        })
        .collect();
    assert_eq!(
        keys,
        [
            "in",
            "not_in",
            "eq",
            "eq",
            "starts_with",
            "ends_with",
            "contains",
            "matches",
            "lt",
            "le",
            "gt",
            "ge",
            "before",
            "after",
            "semver_eq",
            "semver_lt",
            "semver_le",
            "semver_gt",
            "semver_ge",
            "cidr",
            "cidr",
            "within",
            "flag",
            "flag",
        ]
    );
    let operator = |index: usize| match &rule.when[index].test {
        Test::Attribute { operator, .. } => operator.clone(),
        Test::Flag(_) => panic!("not an attribute test"),
    };
    assert!(matches!(operator(1), Operator::NotIn(ListValues::Ints(ints)) if ints == [1, 2, 3]));
    assert!(matches!(operator(2), Operator::Eq(Value::Int(3))));
    assert!(matches!(operator(3), Operator::Eq(Value::Bool(true))));
    let Operator::Matches(regex) = operator(7) else {
        panic!()
    };
    assert!(
        regex.is_match("ADA@EXAMPLE.COM"),
        "case_insensitive applies to regexes"
    );
    assert!(
        matches!(operator(9), Operator::Le(value) if value == flags_schema::Number::Float(64.5))
    );
    let Operator::Cidr(networks) = operator(19) else {
        panic!()
    };
    assert_eq!(networks.len(), 3);
    assert_eq!(
        networks[2].to_string(),
        "192.168.1.7/32",
        "a bare address is a /32"
    );
    assert!(rule.when[20].negate);
    let Operator::Within(fence) = operator(21) else {
        panic!()
    };
    assert_eq!(
        (fence.lat, fence.lon, fence.radius_km),
        (59.437, 24.754, 25.0)
    );
    let Test::Flag(prerequisite) = &rule.when[22].test else {
        panic!()
    };
    assert_eq!(prerequisite.is.value, Value::Int(20));
    assert!(rule.when[23].negate);
}

#[test]
fn summaries_describe_targeting_for_people() {
    let schema = schema();
    assert_eq!(
        schema
            .flag("new_registration_flow")
            .unwrap()
            .targeting_summary(),
        [
            "1. segment `beta_testers`: true",
            "2. `country` in [\"EE\", \"FI\"]: 25% get true",
            "3. everyone: 12.345% get true",
            "otherwise: false",
            "in staging: otherwise: true",
            "in development: 1. users [dev-1]: true",
            "in development: otherwise: false",
        ]
    );
    assert_eq!(
        schema.flag("holiday_banner").unwrap().targeting_summary(),
        ["pinned at compile time to true"]
    );
}

#[test]
fn empty_file_is_an_empty_schema() {
    let schema = Schema::parse("flags.toml", "").unwrap();
    assert!(schema.flags.is_empty() && schema.segments.is_empty());
}

/// One evaluation runs the rules of one environment: their prerequisite evaluations are not
/// added up across environments against `MAX_PREREQUISITE_EVALUATIONS`.
#[test]
fn prerequisite_evaluations_count_one_environment_at_a_time() {
    // `g0` tests `g1` in two rules, `g1` tests `g2` in two, ...: 2 + 4 + ... + 2^12 = 8190
    // evaluations under each of `top`'s two environments' rules, 16 380 if added up.
    let mut text = String::from("environments = [\"staging\", \"production\"]\n");
    let flag = |name: &str| {
        format!(
            "[flags.{name}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = false\n"
        )
    };
    let tests = |target: &str| {
        format!("{{ when = [{{ flag = {{ name = \"{target}\", is = true }} }}], serve = true }}")
    };
    for level in 0..=12 {
        text += &flag(&format!("g{level}"));
        if level < 12 {
            let rule = tests(&format!("g{}", level + 1));
            text += &format!("rules = [{rule}, {rule}]\n");
        }
    }
    text += &flag("top");
    for environment in ["staging", "production"] {
        text += &format!(
            "[flags.top.environments.{environment}]\nrules = [{}]\n",
            tests("g0")
        );
    }
    if let Err(errors) = Schema::parse("flags.toml", &text) {
        panic!("{errors}");
    }
}

/// A flag that needs another in one environment, which needs it back in another, is no
/// cycle: an evaluation runs one environment's rules.
#[test]
fn prerequisites_in_two_environments_make_no_cycle() {
    let text = r#"
environments = ["staging", "production"]
[flags.a]
description = "A"
owner = "web"
permanent = true
default = false
[flags.a.environments.staging]
rules = [{ when = [{ flag = { name = "b", is = true } }], serve = true }]
[flags.b]
description = "B"
owner = "web"
permanent = true
default = false
[flags.b.environments.production]
rules = [{ when = [{ flag = { name = "a", is = true } }], serve = true }]
"#;
    if let Err(errors) = Schema::parse("flags.toml", text) {
        panic!("{errors}");
    }
    // A cycle of every environment, which an environment's search finds from another flag,
    // is reported once, as every environment's.
    let everywhere = r#"
environments = ["staging"]
[flags.a]
description = "A"
owner = "web"
permanent = true
default = false
rules = [{ when = [{ flag = { name = "b", is = true } }], serve = true }]
[flags.a.environments.staging]
rules = [{ when = [{ flag = { name = "c", is = true } }], serve = true }]
[flags.b]
description = "B"
owner = "web"
permanent = true
default = false
requires = { c = true }
[flags.c]
description = "C"
owner = "web"
permanent = true
default = false
requires = { b = true }
"#;
    let errors = Schema::parse("flags.toml", everywhere).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(
        errors
            .to_string()
            .contains("prerequisite cycle: `b` requires `c` requires `b`"),
        "{errors}"
    );
    // A cycle of two environments' rules names both.
    let two = r#"
environments = ["staging", "production"]
[segments.s]
when = [{ flag = { name = "b", is = true } }]
[flags.a]
description = "A"
owner = "web"
permanent = true
default = false
[flags.a.environments.staging]
rules = [{ segment = "s", serve = true }]
[flags.a.environments.production]
rules = [{ segment = "s", serve = true }]
[flags.b]
description = "B"
owner = "web"
permanent = true
default = false
requires = { a = true }
"#;
    let errors = Schema::parse("flags.toml", two).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(
        errors
            .to_string()
            .contains("prerequisite cycle in environments `staging`, `production`: `a`"),
        "{errors}"
    );
    // In one environment, it is one.
    let errors = Schema::parse(
        "flags.toml",
        &text.replace(
            "[flags.b.environments.production]",
            "[flags.b.environments.staging]",
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        errors
            .contains("prerequisite cycle in environment `staging`: `a` requires `b` requires `a`"),
        "{errors}"
    );
}

#[test]
fn instants_keep_milliseconds_and_leap_seconds() {
    let text = "[flags.launch]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
                default = false\nfrom = 2026-12-01T09:00:00.125+02:00\n\
                until = 2026-12-31T23:59:60Z\n";
    let schema = Schema::parse("flags.toml", text).unwrap_or_else(|errors| panic!("{errors}"));
    let window = &schema.flag("launch").unwrap().window;
    let from = window.from.as_ref().unwrap().value;
    let until = window.until.as_ref().unwrap().value;
    assert_eq!(from.to_string(), "2026-12-01T07:00:00.125Z");
    assert_eq!(until.to_string(), "2026-12-31T23:59:59.999Z");
    let before_1970 = flags_schema::Timestamp::parse_rfc3339("1969-12-31T23:59:59.9995Z").unwrap();
    assert_eq!(
        before_1970.unix_millis(),
        -1,
        "instants round down, also before 1970"
    );
}

#[test]
fn prerequisite_costs_follow_each_environment_through_every_flag() {
    // In `a`, `x` tests `y` in 100 rules and `y` has no rules; in `b`, `y` tests `z` in 100
    // rules and `x` has none: 100 evaluations at most in either, 10 100 if the two were
    // taken together.
    let mut text = String::from("environments = [\"a\", \"b\"]\n");
    for name in ["x", "y", "z"] {
        text += &format!(
            "[flags.{name}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = false\n"
        );
    }
    let rules = |target: &str| {
        let rule = format!(
            "{{ when = [{{ flag = {{ name = \"{target}\", is = true }} }}], serve = true }}"
        );
        vec![rule; 100].join(", ")
    };
    text += &format!("[flags.x.environments.a]\nrules = [{}]\n", rules("y"));
    text += &format!("[flags.y.environments.b]\nrules = [{}]\n", rules("z"));
    if let Err(errors) = Schema::parse("flags.toml", &text) {
        panic!("{errors}");
    }
    // With `x`'s rules in `b` as well, `b` takes 100 x (100 + 1).
    text += &format!("[flags.x.environments.b]\nrules = [{}]\n", rules("y"));
    let errors = Schema::parse("flags.toml", &text).expect_err("too many in `b`");
    assert!(
        errors.to_string().contains(
            "flag `x` in environment `b`: one evaluation may evaluate its prerequisites 10100 times"
        ),
        "{errors}"
    );
}
