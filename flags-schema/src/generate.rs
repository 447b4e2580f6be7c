//! Synthetic `flags.toml` files, for benchmarks and load tests.

use std::fmt::Write;

/// A valid `flags.toml` with `count` flags named `flag_0`, `flag_1`, ... of every type, with
/// segments, rules of every kind, rollouts, splits, prerequisites and environment values, in
/// proportions like a real product's.
///
/// ```
/// let text = flags_schema::generate::flags_toml(100);
/// let schema = flags_schema::Schema::parse("flags.toml", &text).unwrap();
/// assert_eq!(schema.flags.len(), 100);
/// ```
pub fn flags_toml(count: usize) -> String {
    let mut text = String::with_capacity(count * 400);
    text.push_str("environments = [\"development\", \"staging\", \"production\"]\n\n");
    for segment in 0..10 {
        let _ = writeln!(
            text,
            "[segments.segment_{segment}]\nusers = [\"u-{segment}01\", \"u-{segment}02\", \"u-{segment}03\"]\n\
             when = [{{ attribute = \"plan\", in = [\"plan-{segment}\", \"enterprise\"] }}]\n"
        );
    }
    for index in 0..count {
        let _ = write!(
            text,
            "[flags.flag_{index}]\ndescription = \"Synthetic flag {index}\"\nowner = \"team-{}\"\n\
             expires = 2030-01-{:02}\n",
            index % 17,
            index % 28 + 1
        );
        match index % 20 {
            0..=11 => bool_flag(&mut text, index),
            12..=14 => variant_flag(&mut text, index),
            15..=16 => {
                let _ = writeln!(
                    text,
                    "default = {index}\n[[flags.flag_{index}.rules]]\n\
                     when = [{{ attribute = \"app_version\", semver_ge = \"2.{}.0\" }}]\nserve = {}\n",
                    index % 10,
                    index + 1
                );
            }
            17..=18 => {
                let _ = writeln!(
                    text,
                    "default = \"plain\"\n[[flags.flag_{index}.rules]]\n\
                     when = [{{ attribute = \"email\", ends_with = \"@example.com\", case_insensitive = true }}]\n\
                     serve = \"fancy\"\n"
                );
            }
            _ => {
                let _ = writeln!(
                    text,
                    "default = 1.0\n[[flags.flag_{index}.rules]]\n\
                     when = [{{ attribute = \"score\", ge = {}.5 }}]\nserve = 0.5\n",
                    index % 100
                );
            }
        }
    }
    text
}

fn bool_flag(text: &mut String, index: usize) {
    let _ = writeln!(text, "default = false");
    if index % 7 == 3 && index > 0 {
        let _ = writeln!(text, "requires = {{ flag_0 = false }}");
    }
    let _ = writeln!(
        text,
        "[[flags.flag_{index}.rules]]\nsegment = \"segment_{}\"\nserve = true\n\n\
         [[flags.flag_{index}.rules]]\n\
         when = [{{ attribute = \"country\", in = [\"EE\", \"FI\", \"SE\", \"LV\", \"LT\"] }}]\n\
         rollout = {}\nserve = true\n\n\
         [[flags.flag_{index}.rules]]\nrollout = {}.5\nserve = true\n\n\
         [flags.flag_{index}.environments.staging]\ndefault = true\n",
        index % 10,
        index % 100,
        index % 50
    );
}

fn variant_flag(text: &mut String, index: usize) {
    let _ = writeln!(
        text,
        "variants = [\"control\", \"treatment_a\", \"treatment_b\"]\ndefault = \"control\"\n\
         [[flags.flag_{index}.rules]]\nusers = [\"u-1\", \"u-2\"]\nserve = \"treatment_a\"\n\n\
         [[flags.flag_{index}.rules]]\nsplit = {{ control = 50, treatment_a = 25, treatment_b = 25 }}\n\
         bucket_by = \"account_id\"\n"
    );
}
