flags_runtime::flags!();

fn main() {}
