//! Bad input from outside: random request bodies and headers, hostile
//! WebSocket frames, slow headers, thousands of connections opened and
//! dropped, broken config files. The server (in a process of its own, see
//! `fault_support::server`) stays up, answers the rest on time and changes
//! no data it was not asked to; the client names file, line and key.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod fault_support;
#[path = "../protocol/tests/strategies/mod.rs"]
mod strategies;

use fault_support::api::Api;
use fault_support::display::Display;
use fault_support::server::{FAST_SERVER_CONFIG, ServerProcess};
use kds_protocol::{ErrorBody, Order};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use strategies::JsonShape;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Process control blocks for a moment; keep the runtime's other worker going.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

// ---------------------------------------------------------------------------
// Request bodies

/// Small random JSON, in the words of request bodies.
fn any_json() -> impl Strategy<Value = Value> {
    strategies::json(JsonShape {
        words: vec!["pending", "ready", "grill", "all", "takeout"],
        keys: strategies::REQUEST_KEYS.to_vec(),
        max_string: 40,
        depth: 3,
        size: 32,
        width: 6,
    })
}

/// A valid order or status body with one field replaced or removed.
fn mutated_body() -> impl Strategy<Value = Value> {
    let bodies = vec![
        json!({"station": "grill", "items": [{"name": "Burger", "qty": 2, "modifiers": ["no onion"]}],
               "notes": "nut allergy", "kind": "takeout", "table": "4", "customer": "Sam", "rush": true}),
        json!({"status": "preparing", "from": "pending"}),
        json!({"status": "preparing"}),
    ];
    strategies::mutated(bodies, any_json())
}

fn request_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        mutated_body().prop_map(|v| v.to_string().into_bytes()),
        mutated_body().prop_map(|v| v.to_string().into_bytes()),
        // Just over the 64 KiB limit.
        Just(
            json!({"station": "grill", "notes": "x".repeat(66_000)})
                .to_string()
                .into_bytes()
        ),
    ]
}

/// Where a request goes, with which headers.
#[derive(Debug, Clone)]
struct Request {
    /// 0 create, 1 move the known order, 2 move an unknown one, 3 a path with no POST.
    route: u8,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    key: Option<String>,
}

fn request() -> impl Strategy<Value = Request> {
    (
        0_u8..4,
        request_body(),
        prop::sample::select(vec![
            None,
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ]),
        prop_oneof![
            Just(None),
            "[a-z0-9-]{1,16}".prop_map(Some),
            prop::sample::select(
                ["", "é", "tab\there", &"k".repeat(129)]
                    .map(str::to_owned)
                    .to_vec()
            )
            .prop_map(Some),
        ],
    )
        .prop_map(|(route, body, content_type, key)| Request {
            route,
            body,
            content_type,
            key,
        })
}

/// Sends one request; checks the answer and that nothing changed that the
/// answer does not account for.
async fn check_request(http: &reqwest::Client, api: &Api, known: &Order, request: &Request) {
    let before = api.snapshot("all").await.seq;
    let known_before = api.order(&known.id).await;
    let path = match request.route {
        0 => "/api/orders".to_owned(),
        1 => format!("/api/orders/{}/status", known.id),
        2 => "/api/orders/no-such-order/status".to_owned(),
        _ => format!("/api/orders/{}", known.id),
    };
    let mut builder = http
        .post(format!("{}{path}", api.base))
        .body(request.body.clone());
    if let Some(kind) = request.content_type {
        builder = builder.header("content-type", kind);
    }
    if let Some(key) = &request.key
        && let Ok(value) = reqwest::header::HeaderValue::from_bytes(key.as_bytes())
    {
        builder = builder.header("idempotency-key", value);
    }
    let response = builder.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let after = api.snapshot("all").await.seq;
    let body = String::from_utf8_lossy(&request.body);
    assert!(status < 500, "{status} for {path} {body:?}: {text}");
    if (200..300).contains(&status) {
        let order: Order = serde_json::from_str(&text).unwrap();
        // One event per change, and none for a replay or a no-op.
        let changed = after - before;
        assert!(
            changed == 0 || changed == 1,
            "{changed} events for one request"
        );
        if status == 201 {
            assert_eq!(changed, 1);
            assert_eq!(request.route, 0);
        } else if request.route == 1 && changed == 1 {
            assert_eq!(order.version, known_before.version + 1);
        }
        return;
    }
    let error: ErrorBody = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{status} is not in the error shape ({err}): {text}"));
    assert!(!error.error.message.trim().is_empty(), "{text}");
    assert!(
        error.error.code.http_status() == status || status == 405,
        "{status} with code {:?}",
        error.error.code
    );
    if status == 422 {
        // The message leads with the field it is about.
        assert!(error.error.message.contains(": "), "{text}");
    }
    assert_eq!(after, before, "a {status} changed data: {text}");
    assert_eq!(api.order(&known.id).await, known_before);
}

#[test]
fn random_request_bodies_get_a_clear_4xx_and_change_nothing() {
    let server = ServerProcess::start(FAST_SERVER_CONFIG);
    let rt = runtime();
    let api = Api::new(&server.url);
    let known = rt.block_on(api.create("grill", "Burger"));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let config = Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new(config)
        .run(&request(), |request| {
            rt.block_on(check_request(&http, &api, &known, &request));
            Ok(())
        })
        .unwrap();
    assert!(rt.block_on(api.healthy()));
}

// ---------------------------------------------------------------------------
// WebSocket frames and connections

/// An HTTP/1.1 WebSocket upgrade request for station grill.
const UPGRADE: &[u8] = b"GET /ws/stations/grill HTTP/1.1\r\nHost: kds\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Opens a raw TCP connection and upgrades it, leaving frames to the caller.
async fn raw_websocket(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(UPGRADE).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 4096, "no end to the upgrade answer");
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// A client frame: masked, as clients must, with the header bits given.
fn frame(first: u8, payload: &[u8], mask: bool) -> Vec<u8> {
    let mut out = vec![first];
    let flag = if mask { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(flag | n as u8),
        n @ 126..=0xffff => {
            out.push(flag | 0x7e);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(flag | 0x7f);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x12, 0x34, 0x56, 0x78];
    if mask {
        out.extend_from_slice(&key);
    }
    out.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| if mask { b ^ key[i % 4] } else { *b }),
    );
    out
}

/// One hostile thing to send after the upgrade.
fn hostile_bytes(rng: &mut StdRng) -> Vec<u8> {
    let random =
        |rng: &mut StdRng, len: usize| -> Vec<u8> { (0..len).map(|_| rng.random()).collect() };
    match rng.random_range(0..12) {
        // Pure noise.
        0 => {
            let len = rng.random_range(1..2000);
            random(rng, len)
        }
        // Any header bits, any opcode, a random payload.
        1 => {
            let len = rng.random_range(0..300);
            let payload = random(rng, len);
            frame(rng.random(), &payload, rng.random())
        }
        // A length that claims 2^63 bytes.
        2 => {
            let mut bytes = vec![0x82, 0xff];
            bytes.extend_from_slice(&u64::MAX.to_be_bytes());
            bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
            bytes
        }
        // Text that is not UTF-8, or not JSON.
        3 => frame(0x81, &[0xff, 0xfe, 0xc3, 0x28], true),
        4 => frame(0x81, b"not json at all", true),
        // Over the 4 KiB client limit, and far over the 64 KiB socket limit.
        5 => frame(0x81, &[b'x'; 5000], true),
        6 => frame(0x82, &vec![0_u8; 200 * 1024], true),
        // Control frames that break the rules: a 126-byte ping, a fragmented close.
        7 => frame(0x89, &[0_u8; 126], true),
        8 => frame(0x08, &[0x03, 0xe8], true),
        // A continuation with nothing to continue, and an unmasked frame.
        9 => frame(0x80, b"{}", true),
        10 => frame(0x81, b"{}", false),
        // A message begun and never finished.
        _ => frame(0x01, b"{\"type\":", true),
    }
}

/// Reads until the server closes the connection; whether it did in `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = vec![0_u8; 64 * 1024];
    let deadline = Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Creates an order every `every` until `stop`, checking that `watcher`
/// shows each on time; returns how many were created and the slowest.
async fn orders_on_time(api: &Api, watcher: &mut Display, count: usize) -> Duration {
    let mut slowest = Duration::ZERO;
    for n in 0..count {
        let order = api.create("grill", &format!("Dish {n}")).await;
        let posted = Instant::now();
        watcher
            .until("the new ticket", |d| d.position(&order.id).is_some())
            .await;
        slowest = slowest.max(posted.elapsed());
        watcher.run_for(Duration::from_millis(40)).await;
    }
    slowest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_websocket_frames_close_only_their_own_connection() {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Display::quick("watcher", &server.url, "grill", dir.path());
    watcher.until("live", Display::is_live).await;
    let addr = server.addr;
    // 240 connections at once, each sending one to three hostile things.
    let mut rng = StdRng::seed_from_u64(0x6b64_735f_6675_7a7a);
    let mut attackers = Vec::new();
    for _ in 0..240 {
        let sends: Vec<Vec<u8>> = (0..rng.random_range(1..=3))
            .map(|_| hostile_bytes(&mut rng))
            .collect();
        attackers.push(tokio::spawn(async move {
            let mut stream = raw_websocket(addr).await;
            for bytes in &sends {
                if stream.write_all(bytes).await.is_err() {
                    break;
                }
            }
            // Never answering pings, it is closed by the 3 s dead-peer rule at the latest.
            let closed = closed_within(&mut stream, Duration::from_secs(6)).await;
            let heads: Vec<Vec<u8>> = sends
                .iter()
                .map(|s| s.iter().take(12).copied().collect())
                .collect();
            (closed, heads)
        }));
    }
    let slowest = orders_on_time(&api, &mut watcher, 30).await;
    let mut unclosed = Vec::new();
    for attacker in attackers {
        let (closed, heads) = attacker.await.unwrap();
        if !closed {
            unclosed.push(heads);
        }
    }
    assert!(unclosed.is_empty(), "left open: {unclosed:?}");
    assert!(
        slowest < Duration::from_secs(1),
        "a ticket took {slowest:?}"
    );
    assert!(api.healthy().await);
    assert_eq!(server.starts(), 1);
    // Only the watcher is left, and no hostile frame changed any data.
    fault_support::eventually("only the watcher connected", || async {
        (api.metric("kds_websocket_connections").await == 1).then_some(())
    })
    .await;
    assert_eq!(api.snapshot("all").await.seq, 30);
    assert_eq!(api.snapshot("grill").await.orders.len(), 30);
    watcher.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_do_not_starve_the_other_clients() {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Display::quick("watcher", &server.url, "grill", dir.path());
    watcher.until("live", Display::is_live).await;
    // 300 clients trickle a request a byte every 50 ms (slowloris).
    let request = b"GET /api/stations/grill/orders HTTP/1.1\r\nHost: kds\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let trickle = tokio::spawn(async move {
        for byte in request {
            for stream in &mut slow {
                let _ = stream.write_all(&[*byte]).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        slow
    });
    // Meanwhile everyone else is served on time.
    let slowest = orders_on_time(&api, &mut watcher, 20).await;
    assert!(
        slowest < Duration::from_secs(1),
        "a ticket took {slowest:?}"
    );
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(api.snapshot("grill").await.orders.len(), 20);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    let slow = trickle.await.unwrap();
    assert!(api.healthy().await);
    drop(slow);
    watcher.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_stop_mid_headers_cannot_lock_everyone_out() {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    // A small descriptor budget stands in for a large number of attackers.
    let pid = i32::try_from(server.pid()).unwrap();
    rlimit::prlimit(pid, rlimit::Resource::NOFILE, Some((160, 160)), None).unwrap();
    let mut stuck = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost:").await;
        stuck.push(stream);
    }
    // Every descriptor is taken: for now no one gets in...
    let answered = tokio::time::timeout(Duration::from_secs(1), api.healthy()).await;
    assert!(!matches!(answered, Ok(true)), "the budget was not used up");
    // ...but the server times out headers that do not come (10 s), frees
    // their descriptors and answers again.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(20);
    while !api.healthy().await {
        assert!(Instant::now() < deadline, "locked out for good");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_connections_opened_and_dropped_leave_nothing_behind() {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = Display::quick("watcher", &server.url, "grill", dir.path());
    watcher.until("live", Display::is_live).await;
    assert!(api.healthy().await);
    let sockets_before = blocking(|| server.open_sockets());
    let addr = server.addr;
    let churn = tokio::spawn(async move {
        for round in 0..4_usize {
            let mut batch = Vec::new();
            for n in 0..500_usize {
                batch.push(tokio::spawn(async move {
                    let Ok(mut stream) = TcpStream::connect(addr).await else {
                        return;
                    };
                    match (round + n) % 8 {
                        // Half a request, then go.
                        1 => {
                            let _ = stream.write_all(b"GET /api/stations/grill/ord").await;
                        }
                        // A WebSocket, dropped without a close frame.
                        2 => {
                            let _ = stream.write_all(UPGRADE).await;
                            let mut buf = [0_u8; 512];
                            let _ =
                                tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf))
                                    .await;
                        }
                        // A whole request, not waiting for the answer.
                        3 => {
                            let _ = stream
                                .write_all(b"GET /healthz HTTP/1.1\r\nHost: kds\r\n\r\n")
                                .await;
                        }
                        // Connect and go.
                        _ => {}
                    }
                }));
            }
            for task in batch {
                task.await.unwrap();
            }
        }
    });
    let slowest = orders_on_time(&api, &mut watcher, 20).await;
    churn.await.unwrap();
    assert!(
        slowest < Duration::from_secs(1),
        "a ticket took {slowest:?}"
    );
    // Everything the 3000 connections held is given back.
    // (A few more may be the test's own keep-alive connections.)
    fault_support::eventually("the connections' sockets closed", || async {
        let now = blocking(|| server.open_sockets());
        (now <= sockets_before + 4).then_some(())
    })
    .await;
    fault_support::eventually("only the watcher connected", || async {
        (api.metric("kds_websocket_connections").await == 1).then_some(())
    })
    .await;
    assert!(api.healthy().await);
    assert_eq!(api.snapshot("grill").await.orders.len(), 20);
    assert_eq!(server.starts(), 1);
    watcher.shutdown().await;
}

// ---------------------------------------------------------------------------
// Config files

/// The example config, which lists every key.
fn example() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap()
}

/// The table each line of `text` belongs to (`""` before the first header).
fn tables(text: &str) -> Vec<String> {
    let mut table = String::new();
    text.lines()
        .map(|line| {
            let line = line.trim();
            if line.starts_with('[') && !line.starts_with("[[") {
                line.trim_matches(['[', ']']).clone_into(&mut table);
            }
            table.clone()
        })
        .collect()
}

/// `kds check-config FILE`: exit code and stderr.
fn check_config(path: &std::path::Path) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kds"))
        .arg("check-config")
        .arg(path)
        .env_clear()
        .env("KDS_DATA_DIR", path.parent().unwrap())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The server's reading of the same file.
fn server_config(path: &std::path::Path) -> Result<(), String> {
    use clap::Parser;
    let cli = kds_server::Cli::try_parse_from(["kds-server", "--config", path.to_str().unwrap()])
        .unwrap();
    cli.load().map(|_| ()).map_err(|err| err.to_string())
}

#[test]
fn an_unknown_key_anywhere_is_named_with_its_file_and_line() {
    let text = example();
    let lines: Vec<&str> = text.lines().collect();
    let owners = tables(&text);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let config = Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    };
    // After which line of the example the unknown key goes, and its name.
    let strategy = (1..lines.len(), "[a-z]{3,10}_x");
    TestRunner::new(config)
        .run(&strategy, |(after, key)| {
            let table = &owners[after - 1];
            if table.is_empty() || table == "keys" || table == "server.tokens" {
                // Before any table, [keys] (its names are checked as key
                // bindings) and the commented-out token tables: not this test.
                return Ok(());
            }
            let mut mutated: Vec<&str> = lines.clone();
            let line = format!("{key} = 1");
            mutated.insert(after, &line);
            std::fs::write(&path, mutated.join("\n")).unwrap();
            let line_number = after + 1;
            let place = format!("line {line_number}");
            if table.starts_with("server") {
                let err = server_config(&path).unwrap_err();
                prop_assert!(err.contains(&path.display().to_string()), "{err}");
                prop_assert!(err.contains(&place) && err.contains(&key), "{err}");
                // The display ignores the server's tables.
                prop_assert_eq!(check_config(&path).0, Some(0));
            } else {
                let (code, stderr) = check_config(&path);
                prop_assert_eq!(code, Some(2), "{}", stderr);
                prop_assert!(stderr.contains(&path.display().to_string()), "{stderr}");
                prop_assert!(stderr.contains(&place) && stderr.contains(&key), "{stderr}");
                // And the server ignores the display's.
                prop_assert!(server_config(&path).is_ok());
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_value_of_the_wrong_type_is_named_with_its_key_and_line() {
    let text = example();
    let lines: Vec<&str> = text.lines().collect();
    let owners = tables(&text);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    // Every `key = value` line outside [keys], with its dotted key.
    let settings: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter(|(i, line)| {
            let table = &owners[*i];
            !line.trim_start().starts_with(['#', '[']) && line.contains(" = ") && table != "keys"
        })
        .map(|(i, line)| {
            let key = line.split(" = ").next().unwrap().trim();
            (i, format!("{}.{key}", owners[i]))
        })
        .collect();
    assert!(settings.len() > 20, "{settings:?}");
    for (i, dotted) in settings {
        let mut mutated: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let key = dotted.rsplit('.').next().unwrap().to_owned();
        // A table where a value belongs: wrong for every key of the file.
        mutated[i] = format!("{key} = {{ nested = true }}");
        std::fs::write(&path, mutated.join("\n")).unwrap();
        let place = format!("line {}", i + 1);
        let message = if dotted.starts_with("server") {
            server_config(&path).unwrap_err()
        } else {
            let (code, stderr) = check_config(&path);
            assert_eq!(code, Some(2), "{stderr}");
            stderr
        };
        assert!(
            message.contains(&path.display().to_string()),
            "{dotted}: {message}"
        );
        assert!(message.contains(&place), "{dotted}: {message}");
        assert!(message.contains(&key), "{dotted}: {message}");
    }
}

#[test]
fn damaged_config_files_are_refused_with_a_place_never_a_crash() {
    let text = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    // Cut the file short, or drop in a stray character, somewhere.
    let strategy = (
        0..text.len(),
        prop::sample::select(vec!["", "[", "=", "\"", "]]", "\u{0}", "é"]),
    );
    TestRunner::new(config)
        .run(&strategy, |(at, stray)| {
            let at = (at..text.len())
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(text.len());
            let damaged = if stray.is_empty() {
                text[..at].to_owned()
            } else {
                format!("{}{stray}{}", &text[..at], &text[at..])
            };
            std::fs::write(&path, &damaged).unwrap();
            let (code, stderr) = check_config(&path);
            prop_assert!(
                code == Some(0) || code == Some(2),
                "exit {code:?}: {stderr}"
            );
            if code == Some(2) {
                prop_assert!(stderr.contains(&path.display().to_string()), "{stderr}");
                let line = stderr
                    .split("line ")
                    .nth(1)
                    .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse::<usize>().ok());
                prop_assert!(
                    line.is_some_and(|n| (1..=damaged.lines().count().max(1)).contains(&n)),
                    "no line in range: {stderr}"
                );
            }
            // The server reads the same file without panicking either way.
            let _ = server_config(&path);
            Ok(())
        })
        .unwrap();
}
