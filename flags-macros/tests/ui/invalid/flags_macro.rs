// The file's errors, and no others: the code that uses its flags still resolves.
use flags_runtime::Context;

flags_runtime::flags!();

fn main() {
    let ctx = Context::new("u-1");
    if flags::new_registration_flow(&ctx) {
        println!("two-step registration");
    }
    match flags::checkout_layout(&ctx) {
        flags::CheckoutLayout::Classic => {}
        flags::CheckoutLayout::OnePage => {}
    }
    let dark: bool = flags::dark_mode(&ctx);
    let _ = (dark, flags::store().kill(flags::NEW_REGISTRATION_FLOW));
}
