//! `cargo flags check` and `cargo flags list`; see `cargo flags --help`.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(cargo_flags::cli::main(std::env::args_os()));
}
