flags_runtime::flags!("no/such/flags.toml");

fn main() {}
