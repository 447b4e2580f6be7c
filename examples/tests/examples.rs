//! Every example runs, and says what the README says it does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn run(binary: &str) -> String {
    run_in(binary, None)
}

/// Runs an example in `environment` (`FLAGS_ENV`), or in none.
fn run_in(binary: &str, environment: Option<&str>) -> String {
    let mut command = Command::new(binary);
    command.env_remove("FLAGS_ENV").env_remove("FLAGS_FILE");
    if let Some(environment) = environment {
        command.env("FLAGS_ENV", environment);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    // A minute at most: an example that hangs fails the test rather than the whole run.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{binary} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    assert!(
        status.success(),
        "{binary} failed:\n{stdout}\n{}",
        stderr.join().unwrap_or_default()
    );
    stdout
}

#[test]
fn registration_rolls_out_and_widens_without_a_restart() {
    let output = run(env!("CARGO_BIN_EXE_registration"));
    assert!(output.starts_with("Environment: production\n"), "{output}");
    assert!(
        output.contains("u-1001   DE       two-step  segment `beta_testers` (rule 1)"),
        "{output}"
    );
    assert!(
        output.contains("u-2007   EE       two-step  rollout (rule 2, bucket 16178)"),
        "{output}"
    );
    assert!(
        output.contains("u-2002   BR       one-step  default"),
        "{output}"
    );
    assert!(
        output.contains("Reloaded without a restart: applied "),
        "{output}"
    );
    assert!(output.contains("changed new_registration_flow"), "{output}");
    assert!(
        output.contains("  u-2003 (EE): one-step -> two-step\n"),
        "{output}"
    );
    assert!(
        output.contains("  u-2009 (SE): one-step -> two-step\n"),
        "{output}"
    );
    assert!(
        output.contains("4 of 11 sample users; nobody moved back"),
        "{output}"
    );
}

#[test]
fn registration_in_staging_is_on_for_everyone() {
    let output = run_in(env!("CARGO_BIN_EXE_registration"), Some("staging"));
    assert!(output.starts_with("Environment: staging\n"), "{output}");
    // The first table: every sample user, each on the new flow by the staging default.
    let rows: Vec<&str> = output
        .lines()
        .map(str::trim_start)
        .skip_while(|line| !line.starts_with("user"))
        .skip(1)
        .take_while(|line| line.starts_with("u-"))
        .collect();
    assert_eq!(rows.len(), 11, "{output}");
    for row in rows {
        assert!(row.contains(" two-step  default"), "{row}");
    }
    assert!(
        output.contains("Nobody: in staging the flag does not depend on the rollouts."),
        "{output}"
    );
}

/// A mistyped `FLAGS_ENV` is an error, not the production demo in disguise.
#[test]
fn registration_refuses_an_unknown_environment() {
    let output = Command::new(env!("CARGO_BIN_EXE_registration"))
        .env("FLAGS_ENV", "stagng")
        .env_remove("FLAGS_FILE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("FLAGS_ENV=\"stagng\": flags.toml declares no such environment"),
        "{stderr}"
    );
}

/// The demo watches a live file of its own: another one's changes would pass for its.
#[test]
fn registration_refuses_a_live_file_of_yours() {
    let output = Command::new(env!("CARGO_BIN_EXE_registration"))
        .env_remove("FLAGS_ENV")
        .env("FLAGS_FILE", "/nonexistent/flags.toml")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("FLAGS_FILE is set"), "{stderr}");
}

#[test]
fn checkout_ab_measures_the_split_per_account() {
    let output = run(env!("CARGO_BIN_EXE_checkout_ab"));
    for (layout, target) in [("classic", 50.0), ("one_page", 25.0), ("express", 25.0)] {
        let line = output
            .lines()
            .find(|line| line.trim_start().starts_with(layout))
            .unwrap_or_else(|| panic!("no line for {layout}:\n{output}"));
        let measured: f64 = line
            .split_whitespace()
            .nth(2)
            .and_then(|share| share.trim_end_matches('%').parse().ok())
            .unwrap();
        assert!(
            (measured - target).abs() < 2.0,
            "{layout}: {measured}% for {target}%"
        );
    }
    assert!(
        output.contains("acct-42 sees the classic checkout")
            && output.contains("  why: split (rule 1, bucket 7995)"),
        "{output}"
    );
    assert!(
        output.contains("acct-3 sees the express checkout")
            && output.contains("  why: split (rule 1, bucket 98683)"),
        "{output}"
    );
}

#[test]
fn scheduled_launch_turns_on_at_the_minute_and_the_kill_switch_works() {
    let output = run(env!("CARGO_BIN_EXE_scheduled_launch"));
    let lines: Vec<&str> = output.lines().skip(1).collect();
    assert_eq!(lines.len(), 6, "{output}");
    let shows = |line: usize, text: &str, ending: &str| {
        assert!(
            lines[line].contains(text) && lines[line].ends_with(ending),
            "line {line} should show {text:?}, ending {ending:?}:\n{output}"
        );
    };
    shows(0, "(no banner)", "(outside its time window)");
    shows(1, "Holiday sale", "(rule 1)");
    shows(2, "Holiday sale", "(rule 1)");
    shows(3, "(no banner)", "(killed)");
    shows(4, "Holiday sale", "(rule 1)");
    assert!(lines[4].contains("10:30"), "{output}");
    shows(5, "(no banner)", "(outside its time window)");
}

/// Kills the service when the test ends, passed or failed; keeps what it writes to stderr.
struct Service(Child, std::sync::Arc<std::sync::Mutex<String>>);

impl Service {
    /// What the service has written to stderr so far.
    fn logged(&self) -> String {
        self.1
            .lock()
            .map(|logged| logged.clone())
            .unwrap_or_default()
    }

    /// Waits, ten seconds at most, until the service has written `expected` to stderr.
    fn logs_soon(&self, expected: &str) {
        soon(&format!("logged {expected:?}"), || {
            let logged = self.1.lock().unwrap().clone();
            (logged.contains(expected), logged)
        });
    }
}

/// Starts the service example on a free port of loopback, serving `environment` and watching
/// the file at `path`; returns it (stopped when dropped) and its address.
fn start_service(path: &std::path::Path, environment: &str) -> (Service, String) {
    start_service_with(path, environment, &[])
}

/// [`start_service`] with more environment variables (the service's limits).
fn start_service_with(
    path: &std::path::Path,
    environment: &str,
    settings: &[(&str, &str)],
) -> (Service, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_service"))
        .arg("127.0.0.1:0")
        .env("FLAGS_FILE", path)
        .env("FLAGS_FILE_POLL_MS", "20")
        .env("FLAGS_ENV", environment)
        .envs(settings.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let logged = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&logged);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut logged = sink.lock().unwrap();
            logged.push_str(&line);
            logged.push('\n');
        }
    });
    let service = Service(child, logged);
    // The first line, or a failure within 30 s rather than a test that hangs.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first_line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first_line);
        let _ = sender.send(first_line);
    });
    let first_line = receiver
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("the service did not start: {}", service.logged()));
    let address = first_line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first_line}"))
        .to_owned();
    (service, address)
}

/// The root flags.toml with one more environment, `canary`, where the search page shows 99
/// results.
fn with_canary() -> String {
    let compiled = include_str!("../../flags.toml");
    let live = compiled.replacen(
        "environments = [\"development\", \"staging\", \"production\"]",
        "environments = [\"development\", \"staging\", \"production\", \"canary\"]",
        1,
    ) + "\n[flags.search_page_size.environments.canary]\ndefault = 99\n";
    assert_ne!(live, compiled);
    live
}

#[test]
fn the_environment_may_be_one_only_the_live_file_declares() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    std::fs::write(&path, with_canary()).unwrap();

    let (_service, address) = start_service(&path, "canary");
    let american = get(&address, &[("X-User-Id", "u-3001"), ("X-Country", "US")]);
    assert!(american.contains("search_page_size: 99\n"), "{american}");
}

#[test]
fn such_an_environment_applies_once_a_good_live_file_lands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    let live = with_canary();
    std::fs::write(&path, live.replace("serve = 30", "serve = \"many\"")).unwrap();

    // The live file is rejected, so `canary` is unknown: the base definitions are served.
    let (_service, address) = start_service(&path, "canary");
    let american = get(&address, &[("X-User-Id", "u-3001"), ("X-Country", "US")]);
    assert!(american.contains("search_page_size: 20\n"), "{american}");

    replace(&path, &live);
    answers_soon(
        &address,
        &[("X-User-Id", "u-3001"), ("X-Country", "US")],
        "search_page_size: 99\n",
    );
}

/// Asks the service until its answer contains `expected`, for ten seconds at most.
fn answers_soon(address: &str, headers: &[(&str, &str)], expected: &str) {
    soon(&format!("answered {expected:?}"), || {
        let answer = get(address, headers);
        (answer.contains(expected), answer)
    });
}

/// Tries `probe` until it holds, for ten seconds at most; it returns whether it holds and
/// what it saw, shown if it never does.
fn soon(what: &str, mut probe: impl FnMut() -> (bool, String)) {
    let start = Instant::now();
    loop {
        let (holds, seen) = probe();
        if holds {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never {what}: {seen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(address: &str, headers: &[(&str, &str)]) -> String {
    try_get(address, headers).unwrap()
}

/// [`get`], with what went wrong rather than a panic.
fn try_get(address: &str, headers: &[(&str, &str)]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    // A service that stops answering fails the test rather than hanging it.
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = String::from("GET / HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[test]
fn service_answers_per_request_and_follows_the_live_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    let compiled = include_str!("../../flags.toml");
    std::fs::write(&path, compiled).unwrap();

    let (service, address) = start_service(&path, "production");

    let tester = get(&address, &[("X-User-Id", "u-1001"), ("X-Country", "DE")]);
    assert!(tester.starts_with("HTTP/1.1 200 OK\r\n"), "{tester}");
    assert!(
        tester.contains("registration: two-step (segment `beta_testers` (rule 1))"),
        "{tester}"
    );
    let swede = get(&address, &[("X-User-Id", "u-3001"), ("X-Country", "SE")]);
    assert!(swede.contains("search_page_size: 30\n"), "{swede}");
    let american = get(&address, &[("X-User-Id", "u-3001"), ("X-Country", "US")]);
    assert!(american.contains("search_page_size: 20\n"), "{american}");
    assert!(
        get(&address, &[]).starts_with("HTTP/1.1 400"),
        "no user, no context"
    );
    // The checkout layout is split by account (buckets 98 683, 56 502 and 7 995 of
    // 100 000), the same for every user of one.
    for (account, layout) in [
        ("acct-3", "express"),
        ("acct-5", "one_page"),
        ("acct-42", "classic"),
    ] {
        for user in ["u-1", "u-2"] {
            let page = get(&address, &[("X-User-Id", user), ("X-Account-Id", account)]);
            assert!(page.contains(&format!("checkout: {layout}\n")), "{page}");
        }
    }
    // A header that is not UTF-8 is read, not a reason to drop the connection.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nX-User-Id: u-1\r\nX-Note: caf\xe9\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");

    // Search asks for 45 results in the Nordics: a file change, no restart.
    replace(&path, &compiled.replace("serve = 30", "serve = 45"));
    answers_soon(
        &address,
        &[("X-User-Id", "u-3001"), ("X-Country", "SE")],
        "search_page_size: 45\n",
    );

    // A broken file changes nothing, once the service has read and refused it.
    replace(&path, &compiled.replace("serve = 30", "serve = \"many\""));
    service.logs_soon("rejected; the last good one stays in force");
    let swede = get(&address, &[("X-User-Id", "u-3001"), ("X-Country", "SE")]);
    assert!(swede.contains("search_page_size: 45\n"), "{swede}");
    // And the watcher goes on: the next good file applies.
    replace(&path, &compiled.replace("serve = 30", "serve = 46"));
    answers_soon(
        &address,
        &[("X-User-Id", "u-3001"), ("X-Country", "SE")],
        "search_page_size: 46\n",
    );
}

/// A bad `FLAGS_FILE` is reported when the service starts, before any request.
#[test]
fn the_service_reports_a_bad_live_file_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    let compiled = include_str!("../../flags.toml");
    std::fs::write(&path, compiled.replace("serve = 30", "serve = \"many\"")).unwrap();
    let (service, _address) = start_service(&path, "production");
    service.logs_soon("new flag configuration rejected");
}

/// Headers past the limit are refused without reading them all, even as one endless line.
#[test]
fn the_service_refuses_oversized_requests() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    std::fs::write(&path, include_str!("../../flags.toml")).unwrap();
    let (_service, address) = start_service(&path, "production");
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let line = format!("GET / HTTP/1.1\r\nX-User-Id: {}", "u".repeat(64 * 1024));
    // The service may close before reading it all; what it answers is the point.
    let _ = stream.write_all(line.as_bytes());
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");
}

/// Past its connection limit the service answers `503` at once; a client that trickles its
/// request in gets `408` at the request's deadline, however often it sends a byte.
#[test]
fn the_service_limits_connections_and_slow_requests() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    std::fs::write(&path, include_str!("../../flags.toml")).unwrap();
    let (_service, address) = start_service_with(
        &path,
        "production",
        &[
            ("SERVICE_MAX_CONNECTIONS", "1"),
            // Long enough that the turned-away request below is sure to come while the slow
            // one holds the slot, even on a machine busy with other tests.
            ("SERVICE_REQUEST_DEADLINE_MS", "3000"),
        ],
    );
    let mut slow = TcpStream::connect(&address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nX-User-Id: u-").unwrap();
    // The slow connection holds the only slot: another, a whole request sent, is turned
    // away at once, and reads the answer.
    let turned_away = get(&address, &[("X-User-Id", "u-1")]);
    assert!(turned_away.starts_with("HTTP/1.1 503"), "{turned_away}");
    // A byte every 100 ms keeps every read short, but not the request: it ends at the
    // deadline, three seconds after it began, while the client is still sending.
    slow.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let mut response = Vec::new();
    while started.elapsed() < Duration::from_secs(15) {
        let _ = slow.write_all(b"1");
        let mut chunk = [0; 1024];
        match slow.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => response.extend_from_slice(&chunk[..read]),
            Err(_) if response.is_empty() => {}
            Err(_) => break,
        }
    }
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Its slot is free again soon (a probe may still meet the old request's last moments),
    // though the client goes on sending after its answer: what is left unread is read for a
    // moment in all, not a moment per byte.
    let trickling = std::thread::spawn(move || {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(12) {
            if slow.write_all(b"1").is_err() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        started.elapsed()
    });
    soon("a 200 once the slow request is over", || {
        match try_get(&address, &[("X-User-Id", "u-1")]) {
            Ok(response) => (response.starts_with("HTTP/1.1 200"), response),
            Err(error) => (false, error.to_string()),
        }
    });
    let trickled = trickling.join().unwrap();
    assert!(
        trickled < Duration::from_secs(12),
        "never cut off: {trickled:?}"
    );
}

/// Sends `request` as it is, and returns the answer.
fn exchange(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// What is not a whole `GET` (or `HEAD`) of `/` gets the status HTTP gives it.
#[test]
fn the_service_answers_malformed_requests_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flags.toml");
    std::fs::write(&path, include_str!("../../flags.toml")).unwrap();
    let (_service, address) = start_service(&path, "production");
    let status = |request: &[u8]| {
        let response = exchange(&address, request);
        response.lines().next().unwrap_or_default().to_owned()
    };
    // Cut off before the empty line that ends the head, or nothing at all.
    assert_eq!(
        status(b"GET / HTTP/1.1\r\nX-User-Id: u-1"),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(status(b""), "HTTP/1.1 400 Bad Request");
    assert_eq!(status(b"GET\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        status(b"GET / HTTP/1.1\r\nX-User-Id:\r\n\r\n"),
        "HTTP/1.1 400 Bad Request"
    );
    let refused = exchange(&address, b"POST / HTTP/1.1\r\nX-User-Id: u-1\r\n\r\n");
    assert!(refused.starts_with("HTTP/1.1 405"), "{refused}");
    assert!(refused.contains("\r\nAllow: GET, HEAD\r\n"), "{refused}");
    // A query is no other page; `HEAD` gets the headers alone.
    let queried = exchange(
        &address,
        b"GET /?from=mail HTTP/1.1\r\nX-User-Id: u-1\r\n\r\n",
    );
    assert!(queried.starts_with("HTTP/1.1 200"), "{queried}");
    // An empty line before the request, and the absolute form a proxy sends, are accepted.
    let lenient = exchange(
        &address,
        b"\r\nGET http://127.0.0.1/?a=1 HTTP/1.1\r\nX-User-Id: u-1\r\n\r\n",
    );
    assert!(lenient.starts_with("HTTP/1.1 200"), "{lenient}");
    let head = exchange(&address, b"HEAD / HTTP/1.1\r\nX-User-Id: u-1\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .and_then(|length| length.trim().parse().ok())
        .unwrap();
    assert!(length > 0 && head.ends_with("\r\n\r\n"), "{head}");
}

/// Replaces the file at `path` in one step (a sibling, renamed over it), so that the service's
/// watcher never reads half a file.
fn replace(path: &std::path::Path, text: &str) {
    let sibling = path.with_extension("toml.new");
    std::fs::write(&sibling, text).unwrap();
    std::fs::rename(&sibling, path).unwrap();
}
