//! `#[feature_flag]` in a crate of edition 2021, where the temporaries of a block's last
//! expression outlive the block's locals (edition 2024 drops them first). The UI tests cannot
//! show this: trybuild builds them in the edition of `flags-macros`.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::sync::Mutex;

use flags_runtime::{feature_flag, Context};

flags_runtime::flags!();

/// The last expression borrows from a name the argument's pattern binds: the temporary `Ref`
/// must be gone before `cache` is.
#[feature_flag(new_count, fallback = count_legacy)]
pub fn count(ctx: &Context<'_>, (cache, extra): (RefCell<Vec<u8>>, usize)) -> usize {
    cache.borrow().len() + extra
}

pub fn count_legacy(_ctx: &Context<'_>, _counted: (RefCell<Vec<u8>>, usize)) -> usize {
    0
}

/// The same with a lock guard, in a method.
pub struct Counter;

impl Counter {
    #[feature_flag(new_count, fallback = locked_legacy)]
    pub fn locked(&self, ctx: &Context<'_>, (items, _): (Mutex<Vec<u8>>, ())) -> usize {
        items.lock().map_or(0, |items| items.len())
    }

    pub fn locked_legacy(&self, _ctx: &Context<'_>, _items: (Mutex<Vec<u8>>, ())) -> usize {
        0
    }
}

/// A count as the `count_style` flag shows it.
pub fn shown(ctx: &Context<'_>, count: usize) -> String {
    match flags::count_style(ctx) {
        flags::CountStyle::Plain => count.to_string(),
        flags::CountStyle::Grouped => format!("{count} items"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_arguments_reach_the_new_body_and_the_fallback() {
        let tester = Context::new("tester");
        let other = Context::new("someone");
        let cache = || (RefCell::new(vec![1, 2, 3]), 10);
        assert_eq!(count(&tester, cache()), 13);
        assert_eq!(count(&other, cache()), 0);
        let items = || (Mutex::new(vec![1, 2]), ());
        assert_eq!(Counter.locked(&tester, items()), 2);
        assert_eq!(Counter.locked(&other, items()), 0);
    }

    #[test]
    fn the_generated_module_serves_variants() {
        assert_eq!(shown(&Context::new("tester"), 3), "3 items");
        assert_eq!(shown(&Context::new("someone"), 3), "3");
        let detail = flags::count_style_detail(&Context::new("tester"));
        assert_eq!(detail.value, flags::CountStyle::Grouped);
    }
}
