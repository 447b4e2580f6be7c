//! A small HTTP service (std only): each request carries its own context (the `X-User-Id`,
//! `X-Country` and `X-Account-Id` headers), and flags reload from the file `FLAGS_FILE` names
//! while the service runs.
//!
//! ```text
//! FLAGS_FILE=flags.toml FLAGS_ENV=production cargo run -p examples --bin service
//! curl -H 'X-User-Id: u-2007' -H 'X-Country: EE' -H 'X-Account-Id: acct-42' http://127.0.0.1:8080/
//! ```
//!
//! The address is `127.0.0.1:8080`, or the first argument (`127.0.0.1:0` picks a free port);
//! the first line printed says where it listens.

#![forbid(unsafe_code)]

flags_runtime::flags!();

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use flags_runtime::Context;

/// Requests larger than this are refused: a flags demo has no use for big headers.
const MAX_HEAD: usize = 16 * 1024;

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
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                std::thread::spawn(move || {
                    if let Err(error) = serve(stream) {
                        eprintln!("request failed: {error}");
                    }
                });
            }
            Err(error) => eprintln!("connection failed: {error}"),
        }
    }
    std::process::ExitCode::SUCCESS
}

/// One request, one response, then the connection closes.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    // Never more than `MAX_HEAD` bytes read, however long a line a client sends.
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_HEAD as u64 + 1);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if reader.limit() == 0 {
        return respond(
            stream,
            "431 Request Header Fields Too Large",
            "headers too large\n",
        );
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let mut parts = request_line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some("/")) => {
            let Some(user) = header("x-user-id") else {
                return respond(stream, "400 Bad Request", "send an X-User-Id header\n");
            };
            let mut ctx = Context::new(user);
            if let Some(country) = header("x-country") {
                ctx.set("country", country);
            }
            if let Some(account) = header("x-account-id") {
                ctx.set("account_id", account);
            }
            respond(stream, "200 OK", &page(&ctx))
        }
        (Some("GET"), Some(_)) => respond(stream, "404 Not Found", "not found\n"),
        _ => respond(stream, "405 Method Not Allowed", "GET only\n"),
    }
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

fn respond(mut stream: TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
