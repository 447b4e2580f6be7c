//! `async fn`, as functions and methods; the fallback is awaited.

flags_runtime::flags!();
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use flags_runtime::{Context, feature_flag};

#[feature_flag(new_registration_flow, fallback = fetch_legacy)]
async fn fetch(ctx: &Context<'_>, id: u32) -> String {
    format!("new {id}")
}

async fn fetch_legacy(_ctx: &Context<'_>, id: u32) -> String {
    format!("old {id}")
}

struct Client;

impl Client {
    #[feature_flag(new_registration_flow, fallback = get_legacy)]
    async fn get(&self, ctx: &Context<'_>) -> u8 {
        2
    }

    async fn get_legacy(&self, _ctx: &Context<'_>) -> u8 {
        1
    }
}

/// These futures never wait, so one poll finishes them.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the future waited"),
    }
}

fn main() {
    let tester = Context::new("tester");
    let visitor = Context::new("visitor");
    assert_eq!(block_on(fetch(&tester, 7)), "new 7");
    assert_eq!(block_on(fetch(&visitor, 7)), "old 7");
    assert_eq!(block_on(Client.get(&tester)), 2);
    assert_eq!(block_on(Client.get(&visitor)), 1);
}
