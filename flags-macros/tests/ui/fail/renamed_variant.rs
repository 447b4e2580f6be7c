flags_runtime::flags!();
use flags_runtime::Context;

fn main() {
    let ctx = Context::new("u-1");
    match flags::checkout_layout(&ctx) {
        flags::CheckoutLayout::Classic => {}
        flags::CheckoutLayout::OnePage => {}
        flags::CheckoutLayout::Expres => {}
    }
}
