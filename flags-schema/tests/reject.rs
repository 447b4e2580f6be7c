//! Every file under `tests/reject/` must be rejected with exactly the messages in the `.stderr`
//! file beside it. `BLESS=1 cargo test -p flags-schema --test reject` rewrites the `.stderr`
//! files after an intended change; review the diff.

use std::fs;
use std::path::Path;

use flags_schema::Schema;

#[test]
fn every_mistake_is_reported_at_its_place_with_its_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reject");
    let bless = std::env::var_os("BLESS").is_some();
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() > 50, "the rejection cases are missing");

    let mut failures = Vec::new();
    for case in &cases {
        let text = fs::read_to_string(case).unwrap();
        let rendered = match Schema::parse("flags.toml", &text) {
            Ok(_) => "accepted\n".to_owned(),
            Err(errors) => {
                // Tools slice the file with the byte ranges given.
                for error in errors.located() {
                    assert!(
                        text.get(error.byte_start..error.byte_end).is_some(),
                        "{}: {error}: bytes {}..{} are not a slice of the file",
                        case.display(),
                        error.byte_start,
                        error.byte_end
                    );
                }
                errors.to_string()
            }
        };
        let expected_path = case.with_extension("stderr");
        if bless {
            fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if rendered != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- got\n{rendered}",
                case.display()
            ));
        }
        assert!(
            rendered.starts_with("error: "),
            "{} was not rejected",
            case.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn machine_readable_form_gives_path_line_column_and_bytes() {
    let text = "[flags.beta]\ndescription = \"A flag\"\nowner = \"web\"\nexpires = 2030-01-01\ndefault = false\n[[flags.beta.rules]]\nrollout = 120\nserve = true\n";
    let errors = Schema::parse("config/flags.toml", text).unwrap_err();
    let located = errors.located();
    assert_eq!(located.len(), 1);
    let error = &located[0];
    assert_eq!(error.path, "config/flags.toml");
    assert_eq!((error.line, error.column), (7, 11));
    assert_eq!((error.end_line, error.end_column), (7, 14));
    assert_eq!(&text[error.byte_start..error.byte_end], "120");
    assert_eq!(error.source_line, "rollout = 120");
    assert_eq!(
        error.to_string(),
        "config/flags.toml:7:11: flag `beta`, rule 1: rollout 120 is outside 0..=100"
    );
}
