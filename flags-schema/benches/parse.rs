//! Parsing and validating flags.toml files of growing size.
//!
//! `cargo bench -p flags-schema --features generate`

#![forbid(unsafe_code)]

use flags_schema::{Schema, generate};

fn main() {
    divan::main();
}

#[divan::bench(args = [10, 100, 1000])]
fn parse_and_validate(bencher: divan::Bencher, flags: usize) {
    let text = generate::flags_toml(flags);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        // The schema is returned, so that divan drops it after timing: an application keeps
        // it, and freeing it is not part of reading the file.
        .bench(|| Schema::parse("flags.toml", divan::black_box(&text)));
}

#[divan::bench(args = [1000])]
fn toml_only(bencher: divan::Bencher, flags: usize) {
    let text = generate::flags_toml(flags);
    // Returned, as the schema is above: freeing the tree is not timed for either.
    bencher.bench(|| toml::de::DeTable::parse(divan::black_box(&text)));
}
