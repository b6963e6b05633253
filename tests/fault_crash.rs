//! The server process fails: SIGKILL in the middle of service, a store that
//! stops taking writes, readers that stop reading. The server runs in a
//! process of its own (see `fault_support::server`); displays are the real
//! engine, model and update, compared at the end with the HTTP snapshot.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod fault_support;

use fault_support::api::{Api, order_body};
use fault_support::display::Display;
use fault_support::proxy::FaultProxy;
use fault_support::server::{FAST_SERVER_CONFIG, ServerProcess};
use futures_util::StreamExt;
use kds::model::Column;
use kds::msg::ActionOutcome;
use kds_protocol::{EventKind, Order, Status};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::time::Instant;

/// Process control blocks for a moment; keep the runtime's other worker going.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Waits until the display shows exactly what the server's snapshot holds.
async fn converge(display: &mut Display, api: &Api, station: &str) {
    let deadline = Instant::now() + fault_support::PATIENCE;
    loop {
        display.run_for(Duration::from_millis(50)).await;
        match display.compare(&api.snapshot(station).await) {
            Ok(()) => return,
            Err(why) => assert!(
                Instant::now() < deadline,
                "{} never matched the server: {why}\nstates {:?}\nsaid {:?}",
                display.name,
                display.states,
                display.said
            ),
        }
    }
}

/// A point of sale: creates `count` orders, each with its own idempotency
/// key, retrying each until the server answers 2xx (as a till would).
async fn point_of_sale(api: Api, count: usize) -> Vec<Order> {
    let mut acknowledged = Vec::new();
    for i in 0..count {
        let station = if i % 4 == 3 { "bar" } else { "grill" };
        let body = order_body(station, &format!("Dish {i}"));
        let key = format!("till-{i}");
        let deadline = Instant::now() + fault_support::PATIENCE;
        loop {
            let reply = api.post_order(&body, Some(&key)).await;
            match reply.status() {
                Some(200 | 201) => {
                    acknowledged.push(reply.order().unwrap());
                    break;
                }
                None | Some(502..=504) => {
                    assert!(Instant::now() < deadline, "order {i} never accepted");
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                Some(_) => panic!("order {i}: {reply:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_service_keeps_every_acknowledged_write_and_displays_converge() {
    let mut server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let proxy = FaultProxy::start(server.addr).await;
    let api = Api::new(&proxy.url);
    let dir = tempfile::tempdir().unwrap();
    let mut preloaded = Vec::new();
    for item in ["Burger", "Fries", "Salad"] {
        preloaded.push(api.create("grill", item).await);
    }
    let mut cook = Display::quick("cook", &proxy.url, "grill", dir.path());
    let mut expo = Display::quick("expo", &proxy.url, "all", dir.path());
    cook.until("live with the tickets", |d| {
        d.is_live() && d.tickets().len() == 3
    })
    .await;
    expo.until("live with the tickets", |d| {
        d.is_live() && d.tickets().len() == 3
    })
    .await;

    // Orders flow in from the till while the cook bumps the oldest ticket
    // every 60 ms; the server dies right after one bump goes out.
    let till = tokio::spawn(point_of_sale(api.clone(), 16));
    let started = Instant::now();
    let mut killed_at: Option<Instant> = None;
    let mut restarted = false;
    let mut bumps = 0;
    for _ in 0..200 {
        cook.run_for(Duration::from_millis(60)).await;
        expo.drain();
        let oldest = Column::ALL
            .into_iter()
            .find_map(|c| cook.model.column(c).first().map(|t| t.id.clone()));
        if let Some(id) = oldest
            && bumps < 24
            && cook.bump(&id).is_some()
        {
            bumps += 1;
            if killed_at.is_none() && started.elapsed() > Duration::from_millis(300) {
                cook.run_for(Duration::from_millis(3)).await;
                blocking(|| server.kill());
                killed_at = Some(Instant::now());
            }
        }
        if !restarted && killed_at.is_some_and(|at| at.elapsed() > Duration::from_millis(500)) {
            blocking(|| server.restart());
            proxy.retarget(server.addr);
            restarted = true;
        }
        if restarted && till.is_finished() && bumps >= 24 {
            break;
        }
    }
    assert!(restarted, "the server was killed and restarted");
    let acknowledged = till.await.unwrap();
    cook.until("every bump answered", |d| {
        d.model.pending_actions().is_empty() && d.model.queued() == 0
    })
    .await;

    // The truth, from the restarted server.
    let truth = Api::new(&server.url);
    let all = truth.snapshot("all").await;
    let held: Vec<&Order> = all.orders.iter().chain(&all.recent).collect();
    let held_ids: BTreeSet<&str> = held.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(held.len(), held_ids.len());
    let expected_ids: BTreeSet<&str> = preloaded
        .iter()
        .chain(&acknowledged)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(acknowledged.len(), 16);
    assert_eq!(
        held_ids, expected_ids,
        "exactly the acknowledged orders, once each"
    );
    // Every bump was answered as applied (a retry after the crash replays
    // the first answer), and each order stands at its last acknowledged status.
    let mut last_acked: BTreeMap<&str, Status> = BTreeMap::new();
    for (id, outcome) in &cook.outcomes {
        match outcome {
            ActionOutcome::Applied(order) => {
                last_acked.insert(order.id.as_str(), order.status);
            }
            other => panic!("action {id}: {other:?}"),
        }
    }
    assert_eq!(cook.outcomes.len(), bumps);
    for order in &held {
        let expected = last_acked
            .get(order.id.as_str())
            .copied()
            .unwrap_or(Status::Pending);
        assert_eq!(order.status, expected, "{order:?}");
    }
    // The log agrees: one creation per order, one event per move, in order.
    let events = truth.events("all", 0).await;
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    for order in &held {
        let own: Vec<_> = events.iter().filter(|e| e.order.id == order.id).collect();
        assert_eq!(own[0].kind, EventKind::Created);
        assert_eq!(own.len() as i64, order.version, "{order:?}");
        assert_eq!(&own[own.len() - 1].order, *order);
    }
    converge(&mut cook, &truth, "grill").await;
    converge(&mut expo, &truth, "all").await;
    assert_eq!(server.starts(), 2);
    cook.shutdown().await;
    expo.shutdown().await;
}

/// A raw WebSocket client: returns the first frame as JSON.
async fn first_frame(url: &str) -> Value {
    let ws_url = format!("{}/ws/stations/grill", url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let frame = tokio::time::timeout(fault_support::PATIENCE, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    serde_json::from_str(frame.to_text().unwrap()).unwrap()
}

/// A server with one order and a live display of it, whose disk then fills
/// up: no file may grow by a single byte.
async fn full_disk() -> (ServerProcess, Api, Display, Order, tempfile::TempDir) {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let first = api.create("grill", "Burger").await;
    let mut cook = Display::quick("cook", &server.url, "grill", dir.path());
    cook.until("live with the ticket", |d| {
        d.is_live() && d.tickets().len() == 1
    })
    .await;
    blocking(|| server.limit_file_size(Some(1)));
    (server, api, cook, first, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_while_reads_and_websockets_go_on() {
    let (server, api, mut cook, first, _dir) = full_disk().await;
    let refused = api
        .post_order(&order_body("grill", "Fries"), Some("while-full"))
        .await;
    assert_eq!(
        refused.status(),
        Some(503),
        "{refused:?}\n{}",
        server.log_tail()
    );
    let error = refused.error().expect("the contract's error shape");
    assert_eq!(error.error.code, kds_protocol::ErrorCode::Unavailable);
    assert_eq!(
        error.error.message,
        "the order store is unavailable, try again shortly"
    );
    let moved = api
        .move_status(&first.id, Status::Preparing, Status::Pending, None)
        .await;
    assert_eq!(moved.status(), Some(503), "{moved:?}");
    // The cook's bump meets the same wall: it stays queued, not lost.
    assert_eq!(cook.bump(&first.id), Some(Status::Preparing));
    cook.run_for(Duration::from_millis(500)).await;
    assert!(cook.outcomes.is_empty(), "{:?}", cook.outcomes);
    assert_eq!(cook.model.pending_actions().len(), 1);
    assert_eq!(cook.model.queued(), 1);

    // Reads, new WebSockets and the open one go on meanwhile, and the
    // refused writes changed nothing.
    let snapshot = api.snapshot("grill").await;
    assert_eq!(snapshot.orders, std::slice::from_ref(&first));
    assert_eq!(snapshot.seq, 1);
    assert_eq!(api.order(&first.id).await, first);
    assert_eq!(api.events("all", 0).await.len(), 1);
    let frame = first_frame(&server.url).await;
    assert_eq!(frame["type"], "snapshot");
    assert_eq!(frame["orders"], json!([first]));
    assert!(api.healthy().await);
    assert!(cook.is_live(), "states: {:?}", cook.states);
    assert_eq!(cook.model.order(&first.id), Some(&first));
    blocking(|| server.limit_file_size(None));
    cook.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_full_disk_writes_work_again_without_a_restart() {
    let (server, api, mut cook, first, _dir) = full_disk().await;
    let refused = api
        .post_order(&order_body("grill", "Fries"), Some("while-full"))
        .await;
    assert_eq!(refused.status(), Some(503), "{refused:?}");
    assert_eq!(cook.bump(&first.id), Some(Status::Preparing));
    cook.run_for(Duration::from_millis(300)).await;

    // Space again: the server takes writes by itself.
    blocking(|| server.limit_file_size(None));
    let deadline = Instant::now() + Duration::from_secs(5);
    let created = loop {
        let reply = api
            .post_order(&order_body("grill", "Fries"), Some("while-full"))
            .await;
        if let Some(order) = reply.order() {
            break order;
        }
        assert!(
            Instant::now() < deadline,
            "still refused: {reply:?}\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    cook.until("the queued bump answered", |d| d.outcomes.len() == 1)
        .await;
    assert!(
        matches!(&cook.outcomes[0].1, ActionOutcome::Applied(o) if o.status == Status::Preparing),
        "{:?}",
        cook.outcomes
    );
    // The refused writes left nothing behind: the next number, three events.
    assert_eq!(created.number, 2);
    let seqs: Vec<i64> = api.events("all", 0).await.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(api.order(&first.id).await.version, 2);
    converge(&mut cook, &api, "grill").await;
    assert_eq!(server.starts(), 1, "recovered without a restart");
    cook.shutdown().await;
}

/// An order body near the 64 KiB limit, so a few dozen fill socket buffers.
fn big_order(n: usize) -> Value {
    let item = json!({
        "name": format!("{n:>80}"),
        "qty": 1,
        "modifiers": vec!["m".repeat(30); 20],
    });
    json!({"station": "grill", "items": vec![item; 70]})
}

/// Connects a WebSocket with a tiny receive buffer, and never reads it.
async fn stalled_reader(addr: std::net::SocketAddr) -> impl Sized {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws/stations/grill"), stream)
        .await
        .unwrap();
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_that_stop_reading_cost_bounded_memory_and_the_others_stay_on_time() {
    let server = blocking(|| ServerProcess::start(FAST_SERVER_CONFIG));
    let api = Api::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let mut cook = Display::quick("cook", &server.url, "grill", dir.path());
    cook.until("live", Display::is_live).await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        stalled.push(stalled_reader(server.addr).await);
    }
    // Warm up, so allocator and page cache growth is not counted as the readers'.
    for n in 0..10 {
        api.post_order(&big_order(n), None).await;
    }
    cook.until("the warm-up orders", |d| d.tickets().len() == 10)
        .await;
    let before = blocking(|| server.rss_kib());

    // ~7 MB of frames: kept for each of 20 readers that would be 140 MB.
    let mut slowest = Duration::ZERO;
    for n in 10..150 {
        let reply = api.post_order(&big_order(n), None).await;
        let order = reply.order().unwrap_or_else(|| panic!("{reply:?}"));
        let posted = Instant::now();
        cook.until("the new ticket", |d| d.position(&order.id).is_some())
            .await;
        slowest = slowest.max(posted.elapsed());
    }
    let after = blocking(|| server.rss_kib());
    let grown_mib = after.saturating_sub(before) / 1024;
    assert!(
        grown_mib < 40,
        "the server grew by {grown_mib} MiB ({before} -> {after} KiB)"
    );
    assert!(
        slowest < Duration::from_secs(2),
        "a ticket took {slowest:?}"
    );
    // The stalled ones were cut off (after the 1 s send timeout), the
    // healthy one is the only connection left.
    let closes = api.metric("kds_websocket_slow_closes_total").await;
    assert!(closes >= 20, "slow closes: {closes}");
    fault_support::eventually("only the healthy display connected", || async {
        (api.metric("kds_websocket_connections").await == 1).then_some(())
    })
    .await;
    converge(&mut cook, &api, "grill").await;
    drop(stalled);
    cook.shutdown().await;
}
