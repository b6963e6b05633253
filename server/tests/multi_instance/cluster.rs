//! A kitchen group for tests: several in-process instances on one fresh
//! `PostgreSQL` database, writers that retry like a careful POS, and
//! readers that follow a station the way a display does.

use crate::pg_support::{FreshDatabase, admin_url};
use futures_util::StreamExt;
use kds_server::{RunningServer, ServerConfig, WebSocketConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, sleep, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;

/// How long any whole phase of a test may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// Pause between attempts while an instance or the database is away.
const RETRY: Duration = Duration::from_millis(50);

/// An instance's settings: any free port, the shared database, room in the
/// feed so a busy test never needs a resync.
pub fn config(database: &str) -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: database.to_owned(),
        websocket: WebSocketConfig {
            feed_capacity: 4096,
            ..WebSocketConfig::default()
        },
        ..ServerConfig::default()
    }
}

pub struct Cluster {
    pub instances: Vec<RunningServer>,
    pub http: reqwest::Client,
    // Last: the database outlives the instances.
    pub database: FreshDatabase,
}

impl Cluster {
    /// `count` instances on a fresh database; `None` (the test is skipped,
    /// and says so) when no `PostgreSQL` is configured.
    pub async fn start(test: &str, count: usize) -> Option<Self> {
        let database = FreshDatabase::create(&admin_url(test)?).await;
        let mut instances = Vec::new();
        for _ in 0..count {
            let server = kds_server::spawn(config(&database.url)).await.unwrap();
            instances.push(server);
        }
        Some(Self {
            instances,
            http: client(),
            database,
        })
    }

    pub fn url(&self, instance: usize) -> String {
        self.instances[instance].base_url()
    }

    /// Every event of `station` from the first, paging on, through `instance`.
    pub async fn all_events(&self, instance: usize, station: &str) -> Vec<Value> {
        let mut since = 0;
        let mut events = Vec::new();
        for _ in 0..1000 {
            let path = format!("/api/stations/{station}/events?since={since}");
            let (status, page) = get_until_answered(&self.http, &self.url(instance), &path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let got = page["events"].as_array().unwrap().clone();
            since = page["seq"].as_i64().unwrap();
            if got.is_empty() {
                return events;
            }
            events.extend(got);
        }
        panic!("more than 1000 pages");
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A new order for `station`.
pub fn order_body(station: &str) -> Value {
    json!({"station": station, "items": [{"name": "Fries", "qty": 1}]})
}

/// The body that moves `order` one step on, guarded by its status.
pub fn bump_body(order: &Value) -> Value {
    let next = match order["status"].as_str().unwrap() {
        "pending" => "preparing",
        "preparing" => "ready",
        _ => "completed",
    };
    json!({"status": next, "from": order["status"]})
}

/// POSTs with an `Idempotency-Key` until the answer is final: a dropped
/// connection or a 503 may hide a commit, so the same key is sent again.
pub async fn post_until_answered(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let sent = http
            .post(url)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await;
        if let Some(answer) = final_answer(sent).await {
            return answer;
        }
        sleep(RETRY).await;
    }
    panic!("no final answer from {url} for key {key}");
}

pub async fn get_until_answered(
    http: &reqwest::Client,
    base: &str,
    path: &str,
) -> (StatusCode, Value) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Some(answer) = final_answer(http.get(format!("{base}{path}")).send().await).await {
            return answer;
        }
        sleep(RETRY).await;
    }
    panic!("no final answer from {base}{path}");
}

async fn final_answer(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Option<(StatusCode, Value)> {
    let response = sent.ok()?;
    let status = response.status();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let body = response.json().await.ok()?;
    Some((status, body))
}

/// What a reader saw: the event frames (or pages' events), in order.
pub type Seen = Vec<Value>;

/// Follows `station` over a `WebSocket` on `base` from the beginning,
/// reconnecting with `since` whenever the socket ends, until it has seen
/// the seq `target` will hold. Fails on a snapshot: with nothing pruned, a
/// resume must always be a replay.
pub async fn follow_websocket(
    base: String,
    station: &str,
    mut target: watch::Receiver<i64>,
) -> Seen {
    let ws_base = base.replace("http://", "ws://");
    let deadline = Instant::now() + PATIENCE * 2;
    let mut seen: Seen = Vec::new();
    let mut last = 0;
    while Instant::now() < deadline {
        let url = format!("{ws_base}/ws/stations/{station}?since={last}");
        let Ok(Ok((mut ws, _))) = timeout_at(deadline, tokio_tungstenite::connect_async(url)).await
        else {
            sleep(RETRY).await;
            continue;
        };
        loop {
            if *target.borrow_and_update() <= last && *target.borrow() > 0 {
                return seen;
            }
            let next = tokio::select! {
                next = timeout_at(deadline, ws.next()) => next.expect("events in time"),
                _ = target.changed() => continue,
            };
            let Some(Ok(message)) = next else { break };
            let Message::Text(text) = message else {
                if let Message::Close(_) = message {
                    break;
                }
                continue;
            };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            assert_eq!(
                frame["type"], "event",
                "a resume that was not a replay: {frame}"
            );
            let seq = frame["seq"].as_i64().unwrap();
            assert!(seq > last, "seq {seq} after {last}");
            last = seq;
            seen.push(frame);
        }
        sleep(RETRY).await;
    }
    panic!(
        "{station} on {base}: reached seq {last}, never {}",
        *target.borrow()
    );
}

/// The same through long polls (`wait=1`), which page on with `seq`.
pub async fn follow_long_poll(base: String, station: &str, target: watch::Receiver<i64>) -> Seen {
    let http = client();
    let deadline = Instant::now() + PATIENCE * 2;
    let mut seen: Seen = Vec::new();
    let mut since = 0;
    while Instant::now() < deadline {
        // Here `since` moves past other stations' events too, so compare
        // with the newest seq in the store, which `target` then holds.
        if *target.borrow() > 0 && since >= *target.borrow() {
            return seen;
        }
        let path = format!("/api/stations/{station}/events?since={since}&wait=1");
        let (status, page) = get_until_answered(&http, &base, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for event in page["events"].as_array().unwrap() {
            let seq = event["seq"].as_i64().unwrap();
            assert!(seq > since, "seq {seq} after {since}");
            since = seq;
            seen.push(event.clone());
        }
        since = since.max(page["seq"].as_i64().unwrap());
    }
    panic!("{station} on {base}: reached seq {since}");
}

/// (seq, order id, version) of each event: what two readers must agree on.
pub fn digest(events: &[Value]) -> Vec<(i64, String, i64)> {
    events
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["order"]["id"].as_str().unwrap().to_owned(),
                e["order"]["version"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// How long after its 201 an order may take to reach a display on another
/// instance, as a median. The safety-net poll is every 2 s (a median near
/// 1 s), so a median this low shows that notifications carried the events.
pub const NOTIFIED_WITHIN: Duration = Duration::from_millis(500);

/// Creates orders on `from` and returns the median time from each 201 until
/// the order shows on a fresh `WebSocket` of `to`.
pub async fn median_crossing(cluster: &Cluster, from: usize, to: usize, station: &str) -> Duration {
    let ws_url = format!("{}/ws/stations/{station}", cluster.url(to)).replace("http://", "ws://");
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "snapshot");
    let mut crossings = Vec::new();
    for i in 0..9 {
        let key = format!("cross-{from}-{to}-{i}-{station}");
        let url = format!("{}/api/orders", cluster.url(from));
        let (status, order) =
            post_until_answered(&cluster.http, &url, &key, &order_body(station)).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        // From the 201: how long the POST itself took on a busy machine is
        // not the question.
        let started = Instant::now();
        let frame = next_json(&mut ws).await;
        crossings.push(started.elapsed());
        assert_eq!(frame["type"], "event");
        assert_eq!(frame["order"]["id"], order["id"]);
    }
    crossings.sort();
    crossings[crossings.len() / 2]
}

/// The next text frame as JSON, pings skipped.
async fn next_json(ws: &mut WsClient) -> Value {
    for _ in 0..1000 {
        let message = timeout(PATIENCE, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
    panic!("only control frames");
}

type WsClient =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One writer: orders for `station` while `more(n)` holds, each created and
/// moved `changes - 1` steps, every request on the next instance in turn.
/// Returns the acknowledged orders, one per change.
pub async fn write_orders(
    cluster: &Cluster,
    writer: usize,
    station: &str,
    changes: usize,
    more: impl Fn(usize) -> bool,
) -> Vec<Value> {
    let http = client();
    let mut acked = Vec::new();
    for n in (0..1000).take_while(|&n| more(n)) {
        let mut order = Value::Null;
        for step in 0..changes {
            let instance = (writer + n + step) % cluster.instances.len();
            let key = format!("w{writer}-o{n}-s{step}");
            let (url, body) = if step == 0 {
                let url = format!("{}/api/orders", cluster.url(instance));
                (url, order_body(station))
            } else {
                let id = order["id"].as_str().unwrap();
                let url = format!("{}/api/orders/{id}/status", cluster.url(instance));
                (url, bump_body(&order))
            };
            let (status, answer) = post_until_answered(&http, &url, &key, &body).await;
            assert!(status.is_success(), "{status} {answer}");
            order = answer;
            acked.push(order.clone());
        }
    }
    acked
}

/// The log is one gapless run of seqs from 1 and holds every acknowledged
/// change exactly once, and nothing else.
pub fn check_log(log: &[Value], acked: &[Value]) {
    let seqs: Vec<i64> = digest(log).iter().map(|d| d.0).collect();
    assert_eq!(
        seqs,
        (1..=acked.len() as i64).collect::<Vec<_>>(),
        "one gapless log"
    );
    let mut logged: BTreeMap<(String, i64), usize> = BTreeMap::new();
    for (_, id, version) in digest(log) {
        *logged.entry((id, version)).or_default() += 1;
    }
    for order in acked {
        let id = order["id"].as_str().unwrap().to_owned();
        let version = order["version"].as_i64().unwrap();
        assert_eq!(logged.get(&(id, version)), Some(&1), "{order}");
    }
}
