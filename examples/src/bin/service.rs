//! A small HTTP service (std only): each request carries its own context (the `X-User-Id`,
//! `X-Country` and `X-Account-Id` headers), and flags reload from the file `FLAGS_FILE` names
//! while the service runs.
//!
//! ```text
//! cp flags.toml /tmp/live-flags.toml    # a copy to edit: flags.toml is compiled in
//! FLAGS_FILE=/tmp/live-flags.toml FLAGS_ENV=production cargo run -p examples --bin service
//! curl -H 'X-User-Id: u-2007' -H 'X-Country: EE' -H 'X-Account-Id: acct-3' http://127.0.0.1:8080/
//! ```
//!
//! The address is `127.0.0.1:8080`, or the first argument (`127.0.0.1:0` picks a free port);
//! the first line printed says where it listens.

#![forbid(unsafe_code)]

flags_runtime::flags!();

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flags_runtime::Context;

/// Requests larger than this are refused: a flags demo has no use for big headers.
const MAX_HEAD: usize = 16 * 1024;

/// How long a client has to send its whole request, however slowly it trickles in
/// (`SERVICE_REQUEST_DEADLINE_MS` changes it, for the tests).
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// Connections served at once; more are answered `503` at once, so that slow clients cannot
/// take every thread (`SERVICE_MAX_CONNECTIONS` changes it, for the tests).
const MAX_CONNECTIONS: usize = 256;

/// A setting from the environment, or its default.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(default)
}

/// A connection being served: counted until it is dropped, whatever ends the request (a
/// panic included).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The client's side of a connection, read until a deadline for the whole request: each read
/// waits no longer than what is left of it, so a client that trickles a byte at a time is
/// cut off as one that sends nothing is.
struct UntilDeadline {
    stream: TcpStream,
    deadline: Instant,
}

impl Read for UntilDeadline {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buffer)
    }
}

/// Prints what the flags runtime logs (a live file applied or refused, `FLAGS_ENV`) to
/// stderr: the first file is read when the first flag is, before any callback could be set.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{}: {}", record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

fn main() -> std::process::ExitCode {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = match TcpListener::bind(&address) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {address}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if log::set_logger(&StderrLogger).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    // Started now, so that a bad `FLAGS_FILE` or `FLAGS_ENV` is reported before the first
    // request rather than during it.
    let _ = flags::store();
    match listener.local_addr() {
        Ok(local) => println!("listening on http://{local}"),
        Err(error) => {
            eprintln!("{error}");
            return std::process::ExitCode::FAILURE;
        }
    }
    let max_connections =
        usize::try_from(setting("SERVICE_MAX_CONNECTIONS", MAX_CONNECTIONS as u64))
            .unwrap_or(MAX_CONNECTIONS);
    let request_deadline = Duration::from_millis(setting(
        "SERVICE_REQUEST_DEADLINE_MS",
        REQUEST_DEADLINE.as_millis() as u64,
    ));
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                // Out of file descriptors, say: a pause, rather than a loop that only prints.
                eprintln!("connection failed: {error}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let served = open.fetch_add(1, Ordering::AcqRel);
        let slot = Slot(Arc::clone(&open));
        if served >= max_connections {
            drop(slot);
            // Answered on the accepting thread, which must not wait for a slow client: a
            // read that would block ends the wait for unread bytes.
            let _ = stream.set_nonblocking(true);
            let _ = respond(stream, "503 Service Unavailable", "too many connections\n");
            continue;
        }
        let spawned = std::thread::Builder::new()
            .name("request".to_owned())
            .spawn(move || {
                let _slot = slot;
                if let Err(error) = serve(stream, request_deadline) {
                    let _ = writeln!(std::io::stderr(), "request failed: {error}");
                }
            });
        if let Err(error) = spawned {
            // The stream and the slot went with the closure: the client sees the connection
            // close, and the slot is free again.
            eprintln!("cannot serve a connection: {error}");
        }
    }
    std::process::ExitCode::SUCCESS
}

/// A line of the request head, or why there is none.
enum Line {
    /// As text: a header that is not UTF-8 is read as `U+FFFD` rather than failing the
    /// request.
    Text(String),
    /// The client stopped sending before the head was whole.
    End,
    /// The request's deadline passed.
    Late,
}

/// Reads one line of the request head.
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Line> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(0) => Ok(Line::End),
        Ok(_) => Ok(Line::Text(String::from_utf8_lossy(&line).into_owned())),
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            Ok(Line::Late)
        }
        Err(error) => Err(error),
    }
}

/// One request, one response, then the connection closes.
fn serve(stream: TcpStream, request_deadline: Duration) -> std::io::Result<()> {
    let client = UntilDeadline {
        stream: stream.try_clone()?,
        deadline: Instant::now() + request_deadline,
    };
    // Never more than `MAX_HEAD` bytes read, however long a line a client sends.
    let mut reader = BufReader::new(client).take(MAX_HEAD as u64 + 1);
    let mut lines = Vec::new();
    // The head ends at an empty line; a client that stops before it sent no request. Empty
    // lines before the request line are skipped (RFC 9112, 2.2).
    let ended = loop {
        match read_line(&mut reader)? {
            Line::Text(line) if (line == "\r\n" || line == "\n") && lines.is_empty() => {}
            Line::Text(line) if line == "\r\n" || line == "\n" => break true,
            Line::Text(line) => lines.push(line),
            Line::End => break false,
            Line::Late => {
                return respond(stream, "408 Request Timeout", "request too slow\n");
            }
        }
    };
    if reader.limit() == 0 {
        return respond(
            stream,
            "431 Request Header Fields Too Large",
            "headers too large\n",
        );
    }
    if !ended {
        return respond(stream, "400 Bad Request", "incomplete request\n");
    }
    let mut lines = lines.into_iter();
    let request_line = lines.next().unwrap_or_default();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let parts: Vec<&str> = request_line.split_whitespace().collect();
    let [method, target, version] = parts[..] else {
        return respond(stream, "400 Bad Request", "expected `GET / HTTP/1.1`\n");
    };
    if !version.starts_with("HTTP/") {
        return respond(stream, "400 Bad Request", "expected `GET / HTTP/1.1`\n");
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let answer = Answer::new("405 Method Not Allowed", "GET or HEAD only\n");
            return answer.header("Allow: GET, HEAD").send(stream);
        }
    };
    // The page takes no query; a client may still send one, and a proxy the absolute form
    // (`http://host/`).
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => target,
    };
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    if path != "/" {
        return Answer::new("404 Not Found", "not found\n")
            .head_only(head_only)
            .send(stream);
    }
    let Some(user) = header("x-user-id").filter(|user| !user.is_empty()) else {
        return Answer::new("400 Bad Request", "send an X-User-Id header\n")
            .head_only(head_only)
            .send(stream);
    };
    let mut ctx = Context::new(user);
    if let Some(country) = header("x-country") {
        ctx.set("country", country);
    }
    if let Some(account) = header("x-account-id") {
        ctx.set("account_id", account);
    }
    Answer::new("200 OK", &page(&ctx))
        .head_only(head_only)
        .send(stream)
}

/// What this user's pages look like today.
fn page(ctx: &Context) -> String {
    let registration = flags::new_registration_flow_detail(ctx);
    format!(
        "user: {}\nregistration: {} ({})\ncheckout: {}\nsearch_page_size: {}\nholiday_banner: {}\n",
        ctx.key(),
        if registration.value {
            "two-step"
        } else {
            "one-step"
        },
        registration.reason,
        flags::checkout_layout(ctx),
        flags::search_page_size(ctx),
        flags::holiday_sale_banner(ctx),
    )
}

fn respond(stream: TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    Answer::new(status, body).send(stream)
}

/// A response, sent whole in one write, then the connection closed.
struct Answer<'a> {
    status: &'a str,
    headers: Vec<&'a str>,
    body: &'a str,
    head_only: bool,
}

impl<'a> Answer<'a> {
    fn new(status: &'a str, body: &'a str) -> Self {
        Answer {
            status,
            headers: Vec::new(),
            body,
            head_only: false,
        }
    }

    fn header(mut self, line: &'a str) -> Self {
        self.headers.push(line);
        self
    }

    /// For `HEAD`: the headers `GET` would get, without the body.
    fn head_only(mut self, head_only: bool) -> Self {
        self.head_only = head_only;
        self
    }

    fn send(self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut response = format!(
            "HTTP/1.1 {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n",
            self.status,
            self.body.len()
        );
        for line in &self.headers {
            response.push_str(line);
            response.push_str("\r\n");
        }
        response.push_str("\r\n");
        if !self.head_only {
            response.push_str(self.body);
        }
        stream.write_all(response.as_bytes())?;
        stream.flush()?;
        close_gracefully(stream);
        Ok(())
    }
}

/// How long, in all, the service reads what a client sent that was not read, once it has
/// answered.
const DRAIN_LIMIT: Duration = Duration::from_millis(500);

/// Ends the answer, then reads (briefly, and a bounded amount) what the client sent that was
/// not read: closing on unread bytes would reset the connection, and the client might lose
/// the answer (a `503` answered before reading, a `431` that read only part). Briefly in all,
/// not per read: a client that trickles bytes after its answer holds no slot for long.
fn close_gracefully(stream: TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + DRAIN_LIMIT;
    let mut rest = [0; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match (&stream).read(&mut rest) {
            Ok(0) | Err(_) => break,
            Ok(read) => left = left.saturating_sub(read),
        }
    }
}
