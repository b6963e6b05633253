//! Rate limits (PROTOCOL.md 1.1): a client over its rate gets 429
//! `rate_limited` with `Retry-After` and changes nothing; other clients go
//! on. The server's clock is manual, so no time passes unless the test
//! moves it: exactly a burst gets through, then exactly the rate.

use crate::support::{Backend, PATIENCE, TestServer, code, order_body};
use futures_util::{StreamExt, stream};
use kds_protocol::Timestamp;
use kds_server::{Clock, RateLimits, Role, TokenConfig};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

const T0: i64 = 1_800_000_000_000;

/// What one request was answered.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    body: Value,
}

/// Sends every request, 16 in flight at a time, and returns the answers
/// in the order given; bounded by the count and by three `PATIENCE`s.
async fn send_all(requests: Vec<RequestBuilder>) -> Vec<Answer> {
    let answers = stream::iter(requests)
        .map(|request| async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().to_owned());
            let body = response.json().await.unwrap_or(Value::Null);
            Answer {
                status,
                retry_after,
                body,
            }
        })
        .buffered(16)
        .collect();
    tokio::time::timeout(PATIENCE * 3, answers)
        .await
        .expect("the flood is answered in time")
}

/// How many answers had each status.
fn tally(answers: &[Answer]) -> HashMap<u16, usize> {
    let mut counts = HashMap::new();
    for answer in answers {
        *counts.entry(answer.status.as_u16()).or_default() += 1;
    }
    counts
}

/// Every 429 is in the contract's shape, with a whole number of seconds.
fn assert_well_formed_429s(answers: &[Answer], seconds: &str) {
    for answer in answers.iter().filter(|a| a.status == 429) {
        assert_eq!(code(&answer.body), "rate_limited", "{:?}", answer.body);
        assert!(
            answer.body["error"]["message"].as_str().is_some(),
            "{:?}",
            answer.body
        );
        assert_eq!(answer.retry_after.as_deref(), Some(seconds));
    }
}

fn token(token: &str, role: Role) -> TokenConfig {
    TokenConfig {
        token: token.into(),
        role,
        name: None,
    }
}

fn as_client(server: &TestServer, token: &str, method: Method, path: &str) -> RequestBuilder {
    server
        .http
        .request(method, server.url(path))
        .bearer_auth(token)
}

pub async fn a_flooding_client_is_held_back_while_another_bumps_and_watches(backend: Backend) {
    let clock = Clock::manual(Timestamp::from_millis(T0));
    let mut server = TestServer::start_with(backend, |config| {
        config.tokens = vec![
            token("till", Role::Pos),
            token("screen", Role::Display),
            token("flood", Role::Pos),
            token("office", Role::Viewer),
        ];
        config.rate_limits = RateLimits {
            changes_per_second: 10,
            change_burst: 50,
            reads_per_second: 10,
            read_burst: 100,
        };
        config.clock = clock.clone();
    })
    .await;
    server.token = Some("till".into());
    let mut orders = Vec::new();
    for _ in 0..5 {
        orders.push(server.create("grill").await);
    }
    server.token = Some("screen".into());
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    // 2,000 new orders and 1,000 snapshots, as fast as the server answers,
    // from one token; the screen bumps its five orders meanwhile.
    let requests = (0..3000)
        .map(|n| match n % 3 {
            0 => as_client(&server, "flood", Method::GET, "/api/stations/fry/orders"),
            _ => as_client(&server, "flood", Method::POST, "/api/orders").json(&order_body("fry")),
        })
        .collect();
    let bumps = async {
        let mut moved = Vec::new();
        for to in ["preparing", "ready", "completed"] {
            for order in &orders {
                let path = crate::support::order_path(order, "/status");
                let (status, order) = server.post(&path, &json!({"status": to})).await;
                assert_eq!(status, StatusCode::OK, "{order}");
                moved.push((order["id"].clone(), json!(to)));
            }
        }
        moved
    };
    // The screen's WebSocket is read all along (it answers pings as it reads).
    let watch = async {
        let mut seen = Vec::new();
        while seen.len() < 15 {
            let frame = ws.json().await;
            assert_eq!(frame["event"], "status_changed", "{frame}");
            seen.push((
                frame["order"]["id"].clone(),
                frame["order"]["status"].clone(),
            ));
        }
        seen
    };
    let (flood, moved, seen) = tokio::join!(send_all(requests), bumps, watch);
    assert_eq!(seen, moved, "every bump reached the WebSocket, in order");
    let (read_answers, change_answers): (Vec<_>, Vec<_>) =
        flood.into_iter().enumerate().partition(|(n, _)| n % 3 == 0);
    let unnumber = |answers: Vec<(usize, Answer)>| -> Vec<Answer> {
        answers.into_iter().map(|(_, answer)| answer).collect()
    };
    let (read_answers, change_answers) = (unnumber(read_answers), unnumber(change_answers));
    // Exactly a burst of each kind got through: the clock did not move.
    assert_eq!(
        tally(&read_answers),
        HashMap::from([(200, 100), (429, 900)])
    );
    assert_eq!(
        tally(&change_answers),
        HashMap::from([(201, 50), (429, 1950)])
    );
    // The rate is 10 a second: the next request passes in 0.1 s, which is
    // said in whole seconds.
    assert_well_formed_429s(&read_answers, "1");
    assert_well_formed_429s(&change_answers, "1");
    // A 429 did nothing: 50 new orders, and one event per change.
    server.token = Some("office".into());
    let (_, fry) = server.get("/api/stations/fry/orders").await;
    assert_eq!(fry["orders"].as_array().unwrap().len(), 50);
    assert_eq!(server.all_events().await.len(), 5 + 15 + 50);
    // A second later, ten more of the flood's get through.
    clock.advance(Duration::from_secs(1));
    let again = (0..30)
        .map(|_| as_client(&server, "flood", Method::POST, "/api/orders").json(&order_body("fry")))
        .collect();
    assert_eq!(
        tally(&send_all(again).await),
        HashMap::from([(201, 10), (429, 20)])
    );
    // Tokens nobody configured are refused before any limit is counted.
    let strangers = (0..200)
        .map(|n| {
            as_client(
                &server,
                &format!("guess-{n}"),
                Method::GET,
                "/api/stations/fry/orders",
            )
        })
        .collect();
    assert_eq!(
        tally(&send_all(strangers).await),
        HashMap::from([(401, 200)])
    );
}

/// A client of an open server that connects from `ip` (any of 127.0.0.0/8).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .timeout(PATIENCE)
        .build()
        .unwrap()
}

pub async fn an_open_server_limits_each_address_apart(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.rate_limits = RateLimits {
            changes_per_second: 10,
            change_burst: 20,
            reads_per_second: 10,
            read_burst: 20,
        };
        config.clock = Clock::manual(Timestamp::from_millis(T0));
    })
    .await;
    let (flooder, neighbour) = (client_from([127, 0, 0, 3]), client_from([127, 0, 0, 2]));
    let get = |client: &reqwest::Client, path: &str| client.get(server.url(path));
    let flood = (0..500)
        .map(|_| get(&flooder, "/api/stations/grill/orders"))
        .collect();
    assert_eq!(
        tally(&send_all(flood).await),
        HashMap::from([(200, 20), (429, 480)])
    );
    // Its WebSocket upgrade is one read more: refused before the upgrade.
    let ws_url = server.ws_url("/ws/stations/grill");
    let upgrade = flooder
        .get(ws_url.replace("ws://", "http://"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(upgrade.status(), StatusCode::TOO_MANY_REQUESTS);
    // Probes and scrapers are never limited.
    for path in ["/healthz", "/metrics"] {
        assert_eq!(get(&flooder, path).send().await.unwrap().status(), 200);
    }
    // Its changes have a budget of their own, and the neighbour has both.
    let (status, _) = server
        .call(
            flooder
                .post(server.url("/api/orders"))
                .json(&order_body("grill")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let neighbour_reads = (0..20)
        .map(|_| get(&neighbour, "/api/stations/grill/orders"))
        .collect();
    assert_eq!(
        tally(&send_all(neighbour_reads).await),
        HashMap::from([(200, 20)])
    );
    let (status, _) = server
        .call(
            neighbour
                .post(server.url("/api/orders"))
                .json(&order_body("grill")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// 1,100 reads and 1,100 changes (of orders that do not exist) from one
/// client, as fast as the server answers.
async fn burst_of_1100_each(server: &TestServer) -> (HashMap<u16, usize>, HashMap<u16, usize>) {
    let reads = (0..1100)
        .map(|_| server.request(Method::GET, "/api/orders/missing"))
        .collect();
    let changes = (0..1100)
        .map(|_| {
            server
                .request(Method::POST, "/api/orders/missing/status")
                .json(&json!({"status": "preparing"}))
        })
        .collect();
    let reads = send_all(reads).await;
    let changes = send_all(changes).await;
    assert_well_formed_429s(&reads, "1");
    assert_well_formed_429s(&changes, "1");
    (tally(&reads), tally(&changes))
}

pub async fn the_defaults_allow_bursts_of_1000_and_0_turns_a_limit_off(backend: Backend) {
    let clock = Clock::manual(Timestamp::from_millis(T0));
    let defaults = TestServer::start_with(backend, |config| config.clock = clock.clone()).await;
    assert_eq!(
        burst_of_1100_each(&defaults).await,
        (
            HashMap::from([(404, 1000), (429, 100)]),
            HashMap::from([(404, 1000), (429, 100)])
        )
    );
    defaults.shutdown().await;
    let off = TestServer::start_with(backend, |config| {
        config.clock = clock.clone();
        // Either setting of a kind at 0 turns that kind's limit off.
        config.rate_limits.changes_per_second = 0;
        config.rate_limits.read_burst = 0;
    })
    .await;
    assert_eq!(
        burst_of_1100_each(&off).await,
        (HashMap::from([(404, 1100)]), HashMap::from([(404, 1100)]))
    );
}
