flags_runtime::flags!();
use flags_runtime::Context;

fn main() {
    let ctx = Context::new("u-1");
    let _ = flags::new_registraton_flow(&ctx);
}
