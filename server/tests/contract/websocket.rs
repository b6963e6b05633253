//! `GET /ws/stations/{station}`: snapshot or replay, live events, heartbeat,
//! shutdown, client frames, slow and lagging clients.

use crate::support::{Backend, Frame, TestServer, Ws, eventually, order_body};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;

fn assert_event(frame: &Value, seq: i64, kind: &str) {
    assert_eq!(frame["type"], "event", "{frame}");
    assert_eq!(frame["seq"], seq, "{frame}");
    assert_eq!(frame["event"], kind, "{frame}");
    assert!(
        frame["at"].is_string() && frame["order"]["id"].is_string(),
        "{frame}"
    );
}

pub async fn connect_without_since_sends_a_snapshot(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    server.create("bar").await;
    let mut ws = server.connect("/ws/stations/grill").await;
    let snapshot = ws.json().await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["seq"], 2);
    assert_eq!(snapshot["orders"], json!([order]));
    assert_eq!(snapshot["recent"], json!([]));
    let (_, http) = server.get("/api/stations/grill/orders").await;
    assert_eq!(snapshot["orders"], http["orders"]);
    assert_eq!(snapshot["seq"], http["seq"]);
}

pub async fn connect_with_retained_since_replays_then_goes_live(backend: Backend) {
    let server = TestServer::start(backend).await;
    let first = server.create("grill").await;
    server.create("bar").await;
    server.bump(&first, "preparing").await;
    let mut ws = server.connect("/ws/stations/grill?since=1").await;
    assert_event(&ws.json().await, 3, "status_changed");
    // Live from here: no duplicate of 3, nothing missed.
    let later = server.create("grill").await;
    let live = ws.json().await;
    assert_event(&live, 4, "created");
    assert_eq!(live["order"], later);
    // Replay of many events, with writes racing the replay.
    let mut ws = server.connect("/ws/stations/all?since=0").await;
    let racing = futures_util::future::join_all((0..10).map(|_| server.create("cold")));
    let reading = async {
        let mut seen = Vec::new();
        while seen.len() < 14 {
            let frame = ws.json().await;
            assert_eq!(frame["type"], "event", "{frame}");
            seen.push(frame["seq"].as_i64().unwrap());
        }
        seen
    };
    let (_, seen) = tokio::join!(racing, reading);
    assert_eq!(seen, (1..=14).collect::<Vec<_>>());
}

pub async fn since_past_retention_or_beyond_newest_sends_a_snapshot(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.retention.max_events = 2;
        config.retention.prune_every = Duration::from_millis(50);
    })
    .await;
    for _ in 0..5 {
        server.create("grill").await;
    }
    // Until the pruner has run after the fifth order: only 4 and 5 are kept,
    // so `since=2` (which needs 3) is gone. A run between two creations
    // would leave older events, and `since=1` could still replay.
    eventually(|| async {
        let (status, _) = server.get("/api/stations/grill/events?since=2").await;
        (status == reqwest::StatusCode::GONE).then_some(())
    })
    .await;
    let mut ws = server.connect("/ws/stations/grill?since=1").await;
    let frame = ws.json().await;
    assert_eq!(frame["type"], "snapshot");
    assert_eq!(frame["orders"].as_array().unwrap().len(), 5);
    let mut ws = server.connect("/ws/stations/grill?since=500").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    let mut ws = server.connect("/ws/stations/grill?since=4").await;
    assert_event(&ws.json().await, 5, "created");
}

pub async fn live_events_are_filtered_by_station(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut grill = server.connect("/ws/stations/grill").await;
    let mut all = server.connect("/ws/stations/all").await;
    assert_eq!(grill.json().await["type"], "snapshot");
    assert_eq!(all.json().await["type"], "snapshot");
    server.create("bar").await;
    let order = server.create("grill").await;
    let moved = server.bump(&order, "preparing").await;
    assert_event(&grill.json().await, 2, "created");
    let frame = grill.json().await;
    assert_event(&frame, 3, "status_changed");
    assert_eq!(frame["order"], moved);
    for seq in 1..=3 {
        assert_eq!(all.json().await["seq"], seq);
    }
}

pub async fn server_pings_and_closes_dead_peers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    // The ping interval is 250 ms in tests.
    let started = Instant::now();
    let mut pings = 0;
    while pings < 2 {
        if let Frame::Ping = ws.frame().await {
            pings += 1;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    // Reading answers pings (tungstenite pongs), so the connection stays up
    // well past dead_after (1.5 s in tests).
    let alive_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < alive_until {
        assert!(matches!(ws.frame().await, Frame::Ping | Frame::Json(_)));
    }
    // A peer that stops reading never pongs: it is closed within dead_after.
    let mut silent = server.connect("/ws/stations/grill").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let closed = silent.close_code().await;
    assert!(matches!(closed, Some(1001) | None), "{closed:?}");
}

pub async fn shutdown_closes_with_1001(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut ws = server.connect("/ws/stations/all").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    let shutdown = tokio::spawn(server.shutdown());
    assert_eq!(ws.close_code().await, Some(1001));
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("shutdown in time")
        .unwrap();
}

pub async fn malformed_or_oversized_client_frames_close_1008(backend: Backend) {
    let server = TestServer::start(backend).await;
    // Well-formed JSON is ignored and the connection goes on.
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    ws.send_text(r#"{"type": "hello"}"#).await;
    ws.send_binary(br#"{"type": "hello"}"#).await;
    server.create("grill").await;
    assert_event(&ws.json().await, 1, "created");
    // Frames larger than the server's 1 KiB read buffer, up to the 4 KiB
    // limit, are read whole (over several reads) and ignored as well.
    let padded = format!("{{\"pad\": \"{}\"}}", "x".repeat(4096 - 11));
    assert_eq!(padded.len(), 4096);
    ws.send_text(&padded).await;
    ws.send_binary(padded.as_bytes()).await;
    ws.send_text(&format!("{{\"pad\": \"{}\"}}", "y".repeat(1500)))
        .await;
    server.create("grill").await;
    assert_event(&ws.json().await, 2, "created");
    ws.send_binary(&[0xff, 0x00, 0x13]).await;
    assert_eq!(ws.close_code().await, Some(1008));
    for bad in [
        "not json".to_owned(),
        // One byte over the 4 KiB limit.
        format!("{{\"pad\": \"{}\"}}", "x".repeat(4096 - 10)),
        format!("{{\"pad\": \"{}\"}}", "x".repeat(5000)),
    ] {
        let mut ws = server.connect("/ws/stations/grill").await;
        assert_eq!(ws.json().await["type"], "snapshot");
        ws.send_text(&bad).await;
        assert_eq!(ws.close_code().await, Some(1008));
    }
    // Far over the socket limit as well.
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    ws.send_text(&"x".repeat(200 * 1024)).await;
    assert!(matches!(ws.close_code().await, Some(1008) | None));
    assert_eq!(server.get("/healthz").await.0, reqwest::StatusCode::OK);
}

/// An order body near the 64 KiB limit, so a few dozen fill socket buffers.
fn big_order(station: &str) -> Value {
    let item = json!({
        "name": "x".repeat(80),
        "qty": 1,
        "modifiers": vec!["m".repeat(30); 20],
    });
    let mut body = order_body(station);
    body["items"] = Value::Array(vec![item; 70]);
    body
}

/// Connects with a tiny receive buffer and then never reads.
async fn stalled_client(server: &TestServer, path: &str) -> Ws {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket
        .connect(server.base.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    let (ws, _) = tokio_tungstenite::client_async(
        server.ws_url(path),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    Ws(ws)
}

pub async fn a_client_that_stops_reading_does_not_stall_others(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.websocket.send_timeout = Duration::from_millis(500);
        config.websocket.dead_after = Duration::from_secs(30);
    })
    .await;
    let mut stalled = stalled_client(&server, "/ws/stations/grill").await;
    let mut healthy = server.connect("/ws/stations/grill").await;
    assert_eq!(healthy.json().await["type"], "snapshot");
    let started = Instant::now();
    let total = 120;
    for i in 1..=total {
        let (status, _) = server.post("/api/orders", &big_order("grill")).await;
        assert_eq!(status, reqwest::StatusCode::CREATED);
        // The healthy display keeps up, event by event.
        assert_event(&healthy.json().await, i, "created");
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // The stalled one was cut off, not buffered without bound.
    let text = server.metrics().await;
    assert!(
        text.lines()
            .any(|l| l.starts_with("kds_websocket_slow_closes_total") && !l.ends_with(" 0")),
        "{text}"
    );
    // What it did get is a gapless prefix, from its snapshot on (taken after
    // the upgrade, it may already hold the first orders).
    let mut expected = 1;
    for _ in 0..total + 2 {
        match stalled.frame().await {
            Frame::Json(frame) if frame["type"] == "snapshot" => {
                expected = frame["seq"].as_i64().unwrap() + 1;
            }
            Frame::Json(frame) => {
                assert_eq!(frame["seq"], expected);
                expected += 1;
            }
            Frame::Ping => {}
            Frame::Close(_) | Frame::Ended => break,
        }
    }
    assert!(
        expected <= total,
        "the stalled client cannot have received everything"
    );
}

pub async fn a_lagging_client_is_resynced_not_skipped(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.websocket.feed_capacity = 2;
        config.websocket.send_timeout = Duration::from_secs(20);
        config.websocket.dead_after = Duration::from_secs(30);
    })
    .await;
    // Not reading for a while: the session blocks on a full socket while
    // more events than the feed holds are published behind it.
    let mut ws = stalled_client(&server, "/ws/stations/all").await;
    // ~8 MB of frames: more than the kernel's largest send buffer (4 MB by
    // default), so the session must block.
    let total = 150;
    for _ in 0..total {
        let (status, _) = server.post("/api/orders", &big_order("grill")).await;
        assert_eq!(status, reqwest::StatusCode::CREATED);
    }
    // Now read everything: each event is delivered in order or covered by a
    // fresh snapshot; none is skipped silently.
    // The first snapshot is taken after the upgrade, so it may already hold
    // the first orders: the events go on from its seq.
    let first = ws.json().await;
    assert_eq!(first["type"], "snapshot");
    let mut covered = first["seq"].as_i64().unwrap();
    assert_eq!(first["orders"].as_array().unwrap().len() as i64, covered);
    let mut snapshots = 0;
    for _ in 0..=total {
        let frame = ws.json().await;
        let seq = frame["seq"].as_i64().unwrap();
        if frame["type"] == "event" {
            assert_eq!(seq, covered + 1, "an event skipped before {seq}");
        } else {
            assert_eq!(frame["type"], "snapshot");
            assert!(seq >= covered);
            assert_eq!(frame["orders"].as_array().unwrap().len() as i64, seq);
            snapshots += 1;
        }
        covered = seq;
        if covered == total {
            break;
        }
    }
    assert_eq!(covered, total);
    assert!(
        snapshots >= 1,
        "the session fell behind, so it must have resynced"
    );
}
