flags_runtime::flags!();
use flags_runtime::feature_flag;

#[feature_flag(new_registration_flow, fallback = register_legacy)]
fn register(email: &str) {}

fn register_legacy(_email: &str) {}

struct Poller;

impl Poller {
    // Another crate's `Context`, written with its path, is not the flag's.
    #[feature_flag(new_registration_flow, fallback = poll_legacy)]
    fn poll(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        cx.waker().wake_by_ref();
        true
    }

    fn poll_legacy(&mut self, _cx: &mut std::task::Context<'_>) -> bool {
        false
    }
}

fn main() {}
