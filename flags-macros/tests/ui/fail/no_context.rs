flags_runtime::flags!();
use flags_runtime::feature_flag;

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(email: &str) {}

fn register_legacy(_email: &str) {}

fn main() {}
