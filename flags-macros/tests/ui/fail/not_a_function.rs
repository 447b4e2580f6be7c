flags_runtime::flags!();
use flags_runtime::feature_flag;

#[feature_flag(new_registration_flow, fallback = Legacy)]
struct Registration;

fn main() {}
