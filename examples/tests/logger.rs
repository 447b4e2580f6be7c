//! A logger that reads flags, installed before the first flag is read. Starting the store
//! logs (the live file is applied), and the logger's call back into the same `flags` module
//! must get the store as it is so far, not wait for the start it is part of.
//!
//! The scenario needs `FLAGS_FILE` set before anything reads a flag, so it runs in a child
//! process: this test binary, started again with the variables set.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flags_runtime::Context;

flags_runtime::flags!();

static LOGGED_WITH_FLAGS: AtomicUsize = AtomicUsize::new(0);

struct FlagReadingLogger;

impl log::Log for FlagReadingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, _: &log::Record<'_>) {
        let verbose = flags::search_page_size(&Context::new("the-logger")) > 0;
        if verbose {
            LOGGED_WITH_FLAGS.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn flush(&self) {}
}

/// The child's side; does nothing when run as an ordinary test.
#[test]
fn logger_child_process() {
    if std::env::var_os("FLAGS_LOGGER_CHILD").is_none() {
        return;
    }
    log::set_logger(&FlagReadingLogger).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let page_size = flags::search_page_size(&Context::new("u-1"));
    assert!(
        LOGGED_WITH_FLAGS.load(Ordering::Relaxed) > 0,
        "nothing was logged"
    );
    println!("read {page_size} with a logger that reads flags");
}

#[test]
fn a_logger_that_reads_flags_does_not_hang_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    std::fs::write(&path, include_str!("../../flags.toml")).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["logger_child_process", "--exact", "--nocapture"])
        .env("FLAGS_LOGGER_CHILD", "1")
        .env("FLAGS_FILE", &path)
        .env_remove("FLAGS_ENV")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the first flag read never returned: the logger waited for the store's start");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut output).unwrap();
    assert!(status.success(), "{output}");
    assert!(
        output.contains("read 20 with a logger that reads flags"),
        "{output}"
    );
}
