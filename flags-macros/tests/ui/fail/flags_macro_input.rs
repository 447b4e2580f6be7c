flags_runtime::flags!(flags_toml);

fn main() {}
