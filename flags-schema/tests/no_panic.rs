//! Nothing a user can write makes the parser or validator panic, and every reported location
//! lies inside the file.

use flags_schema::Schema;
use proptest::prelude::*;

const VALID: &str = include_str!("../../flags.toml");

fn check(text: &str) {
    if let Err(errors) = Schema::parse("flags.toml", text) {
        assert!(!errors.is_empty());
        let rendered = errors.to_string();
        assert!(rendered.starts_with("error: "));
        for located in errors.located() {
            assert!(located.byte_start <= located.byte_end);
            assert!(located.byte_end <= text.len());
            assert!(located.line >= 1 && located.column >= 1);
        }
    }
}

/// Weights of a split are added in 64 bits: 42 951 arms add up to 2^32 + 100% in
/// thousandths, which in 32 bits would panic in a debug build and wrap to exactly 100% in a
/// release build.
#[test]
fn split_weights_past_32_bits_are_rejected() {
    let mut split: Vec<String> = (0..42_950).map(|arm| format!("v{arm} = 100")).collect();
    split.push("last = 67.296".to_owned());
    let text = format!(
        "[flags.huge_split]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
         default = \"v0\"\n[[flags.huge_split.rules]]\nsplit = {{ {} }}\n",
        split.join(", ")
    );
    let errors = Schema::parse("flags.toml", &text).expect_err("the weights add up to 4 295 067%");
    assert!(
        errors
            .to_string()
            .contains("split weights add up to 4295067.296, not 100"),
        "{errors}"
    );
}

/// Values of every TOML type, valid and not, for any key.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        (-200.0f64..200.0).prop_map(|f| format!("{f:?}")),
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        "[a-z_]{0,10}".prop_map(|s| format!("{s:?}")),
        Just("2027-03-01".to_owned()),
        Just("2026-12-01T09:00:00Z".to_owned()),
        Just("2026-12-01T09:00:00".to_owned()),
        Just("09:00:00".to_owned()),
        Just("[]".to_owned()),
        Just("[\"EE\", \"FI\"]".to_owned()),
        Just("[1, \"a\"]".to_owned()),
        Just("{}".to_owned()),
        Just("{ classic = 50, one_page = 50 }".to_owned()),
        Just("{ lat = 1, lon = 2, radius_km = 3 }".to_owned()),
        Just("{ name = \"a\", is = true }".to_owned()),
        Just("\"(a\"".to_owned()),
        Just("\"10.0.0.0/33\"".to_owned()),
        Just("\"2.4\"".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "description",
            "owner",
            "expires",
            "permanent",
            "pinned",
            "default",
            "variants",
            "requires",
            "from",
            "until",
            "salt",
            "rules",
            "environments",
            "users",
            "segment",
            "when",
            "serve",
            "rollout",
            "split",
            "bucket_by",
            "attribute",
            "in",
            "not_in",
            "eq",
            "matches",
            "lt",
            "before",
            "semver_ge",
            "cidr",
            "within",
            "flag",
            "negate",
            "case_insensitive",
            "exclude",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ]
}

fn condition() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value()), 0..4).prop_map(|pairs| {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!("{{ {} }}", body.join(", "))
    })
}

/// A file shaped like flags.toml, with random keys and values in the right places.
fn generated_file() -> impl Strategy<Value = String> {
    let flag = (
        prop::sample::select(vec!["a", "b", "beta", "match", "Beta", "a_detail", "store"]),
        prop::collection::vec((key(), value()), 0..8),
        prop::collection::vec(
            (
                prop::collection::vec((key(), value()), 0..4),
                prop::collection::vec(condition(), 0..3),
            ),
            0..3,
        ),
    );
    (
        prop::option::of(value()),
        prop::collection::vec(flag, 0..4),
        prop::collection::vec((key(), value()), 0..3),
    )
        .prop_map(|(environments, flags, segment)| {
            let mut text = String::new();
            if let Some(environments) = environments {
                text.push_str(&format!("environments = {environments}\n"));
            }
            text.push_str("[segments.s]\n");
            for (k, v) in segment {
                text.push_str(&format!("{k} = {v}\n"));
            }
            for (name, pairs, rules) in flags {
                text.push_str(&format!("[flags.{name}]\n"));
                for (k, v) in pairs {
                    text.push_str(&format!("{k} = {v}\n"));
                }
                for (pairs, conditions) in rules {
                    text.push_str(&format!("[[flags.{name}.rules]]\n"));
                    for (k, v) in pairs {
                        text.push_str(&format!("{k} = {v}\n"));
                    }
                    if !conditions.is_empty() {
                        text.push_str(&format!("when = [{}]\n", conditions.join(", ")));
                    }
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn generated_files_never_panic(text in generated_file()) {
        check(&text);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, "\\PC{0,6}"), 1..6)
    ) {
        let mut text = VALID.to_owned();
        for (at, action, insert) in edits {
            let mut position = at.index(text.len() + 1);
            while !text.is_char_boundary(position) {
                position -= 1;
            }
            match action {
                0 => text.insert_str(position, &insert),
                1 => {
                    let mut end = (position + insert.len().max(1)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(position..end, "");
                }
                2 => {
                    let mut end = (position + insert.len()).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(position..end, &insert);
                }
                _ => {
                    // Duplicate a line: duplicate keys and tables.
                    let line_start = text[..position].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = text[position..].find('\n').map_or(text.len(), |i| position + i + 1);
                    let line = text[line_start..line_end].to_owned();
                    text.insert_str(line_end, &line);
                }
            }
        }
        check(&text);
    }
}

/// Rules that list many segments, each testing many flags, fan out to rules × segments ×
/// conditions evaluations; the check counts them without walking each one, so a small
/// crafted file is checked at once and the count is exact.
#[test]
fn prerequisite_fan_out_is_counted_not_walked() {
    const SEGMENTS: usize = 100;
    const CONDITIONS: usize = 20;
    const FLAGS: usize = 1;
    const RULES: usize = 100;
    let mut text = String::from(
        "[flags.base]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = false\n",
    );
    let conditions = vec!["{ flag = { name = \"base\", is = true } }"; CONDITIONS].join(", ");
    for segment in 0..SEGMENTS {
        text.push_str(&format!("[segments.s{segment}]\nwhen = [{conditions}]\n"));
    }
    let segments: Vec<String> = (0..SEGMENTS)
        .map(|segment| format!("\"s{segment}\""))
        .collect();
    let segments = segments.join(",");
    for flag in 0..FLAGS {
        text.push_str(&format!(
            "[flags.f{flag}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\n\
             default = false\n"
        ));
        for _ in 0..RULES {
            text.push_str(&format!(
                "[[flags.f{flag}.rules]]\nsegment = [{segments}]\nserve = true\n"
            ));
        }
    }
    assert!(text.len() < 150_000, "{}", text.len());
    let errors =
        Schema::parse("flags.toml", &text).expect_err("each flag evaluates `base` too often");
    let rendered = errors.to_string();
    let evaluations = RULES * SEGMENTS * CONDITIONS;
    assert_eq!(errors.len(), FLAGS, "{rendered}");
    assert!(
        rendered.contains(&format!(
            "flag `f0`: one evaluation may evaluate its prerequisites {evaluations} times"
        )),
        "{rendered}"
    );
}

/// A flag with its own rules in thousands of environments: costs are worked out once per
/// environment, each in time proportional to the file, not to its square per environment.
#[test]
fn many_environments_are_checked_in_reasonable_work() {
    const ENVIRONMENTS: usize = 2000;
    let names: Vec<String> = (0..ENVIRONMENTS).map(|at| format!("\"e{at}\"")).collect();
    let mut text = format!("environments = [{}]\n", names.join(","));
    for name in ["x", "y"] {
        text += &format!(
            "[flags.{name}]\ndescription = \"d\"\nowner = \"o\"\npermanent = true\ndefault = false\n"
        );
    }
    for at in 0..ENVIRONMENTS {
        text += &format!(
            "[[flags.x.environments.e{at}.rules]]\nwhen = [{{ flag = {{ name = \"y\", is = true }} }}]\nserve = true\n"
        );
    }
    assert!(text.len() < 250_000, "{}", text.len());
    if let Err(errors) = Schema::parse("flags.toml", &text) {
        panic!("{errors}");
    }
}
