//! The network engine against scripted servers: the behaviours a real server
//! will not show on demand (a peer that goes silent, garbage frames, a close
//! at a chosen moment), and the action queue's life on disk.

mod net_support;

use futures_util::{SinkExt, StreamExt};
use kds::msg::{ConnState, NetEvent};
use kds::net::{NetTiming, spawn};
use net_support::fake::{FakeServer, event_frame, order_json, snapshot_frame};
use net_support::{Collector, PATIENCE, config, dead_url, fast_timing};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn text(frame: String) -> Message {
    Message::text(frame)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_declared_dead_and_the_client_resumes_with_since() {
    let fake = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dead_peer = Duration::from_millis(1200);
    let mut cfg = config(&[&fake.url()], dir.path().join("q.json"));
    cfg.timing = NetTiming {
        dead_peer,
        ..fast_timing()
    };
    let (tx, rx) = mpsc::channel(64);
    let net = spawn(cfg, tx);
    let mut seen = Collector::new(rx);

    let (mut socket, uri) = fake.accept().await;
    assert_eq!(uri, "/ws/stations/grill");
    socket.send(text(snapshot_frame(5, &["o1"]))).await.unwrap();
    seen.until_live().await;
    seen.until("snapshot", |e| matches!(e, NetEvent::Snapshot { .. }))
        .await;

    // Quiet but alive: the server reads (so tungstenite answers the client's
    // pings) and sends nothing for over twice the dead-peer time.
    let (stop_reading, stopped) = oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        tokio::select! {
            _ = stopped => {}
            () = async { while let Some(Ok(_)) = socket.next().await {} } => {}
        }
        socket
    });
    tokio::time::sleep(dead_peer * 2 + dead_peer / 2).await;
    let reconnects: Vec<_> = seen
        .drain()
        .into_iter()
        .filter(|e| matches!(e, NetEvent::Connection(_)))
        .collect();
    assert!(
        reconnects.is_empty(),
        "a live link was dropped: {reconnects:?}"
    );

    // Now it stops answering, though TCP stays open.
    stop_reading.send(()).unwrap();
    let silent = reader.await.unwrap();
    let went_silent = Instant::now();
    seen.until_state("Reconnecting", |s| {
        matches!(s, ConnState::Reconnecting { .. })
    })
    .await;
    let noticed = went_silent.elapsed();
    assert!(
        noticed >= dead_peer / 2 && noticed < dead_peer * 3,
        "dead peer noticed after {noticed:?}"
    );

    let (mut socket, uri) = fake.accept().await;
    assert_eq!(uri, "/ws/stations/grill?since=5");
    socket
        .send(text(event_frame(6, "o1", "preparing")))
        .await
        .unwrap();
    seen.until_live().await;
    seen.until_order("o1", kds_protocol::Status::Preparing)
        .await;
    assert_eq!(seen.seqs, [6]);
    drop(silent);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_away_reconnects_at_once_and_replayed_events_are_not_repeated() {
    let fake = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(64);
    let net = spawn(config(&[&fake.url()], dir.path().join("q.json")), tx);
    let mut seen = Collector::new(rx);

    let (mut socket, _) = fake.accept().await;
    socket
        .send(text(snapshot_frame(3, &["o1", "o2"])))
        .await
        .unwrap();
    socket
        .send(text(event_frame(4, "o1", "preparing")))
        .await
        .unwrap();
    seen.until_order("o1", kds_protocol::Status::Preparing)
        .await;
    // A session that lasted a while, then the server shuts down.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let away = CloseFrame {
        code: CloseCode::Away,
        reason: "shutting down".into(),
    };
    socket.send(Message::Close(Some(away))).await.unwrap();

    let (mut socket, uri) = fake.accept().await;
    assert_eq!(uri, "/ws/stations/grill?since=4");
    // A careless server replays one event too many.
    socket
        .send(text(event_frame(4, "o1", "preparing")))
        .await
        .unwrap();
    socket
        .send(text(event_frame(5, "o2", "preparing")))
        .await
        .unwrap();
    seen.until_order("o2", kds_protocol::Status::Preparing)
        .await;
    assert_eq!(seen.seqs, [4, 5]);
    assert_eq!(seen.snapshots, 1);
    // Straight back, without a backoff wait in between.
    let after_first_live: Vec<_> = seen.states.iter().skip(2).collect();
    assert!(
        matches!(
            after_first_live.as_slice(),
            [ConnState::Connecting { .. }, ConnState::Live { .. }]
        ),
        "{:?}",
        seen.states
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_frames_are_ignored_and_garbage_forces_a_resync() {
    let fake = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(64);
    let net = spawn(config(&[&fake.url()], dir.path().join("q.json")), tx);
    let mut seen = Collector::new(rx);

    let (mut socket, _) = fake.accept().await;
    socket.send(text(snapshot_frame(1, &["o1"]))).await.unwrap();
    socket
        .send(text(r#"{"type":"hello","from":"the future"}"#.to_owned()))
        .await
        .unwrap();
    socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    socket
        .send(text(event_frame(2, "o1", "preparing")))
        .await
        .unwrap();
    seen.until_order("o1", kds_protocol::Status::Preparing)
        .await;
    // An event frame that does not decode: dropping it silently could lose
    // an event, so the client reconnects and asks again from what it has.
    socket
        .send(text(r#"{"type":"event","seq":3,"order":17}"#.to_owned()))
        .await
        .unwrap();
    let (mut socket, uri) = fake.accept().await;
    assert_eq!(uri, "/ws/stations/grill?since=2");
    socket
        .send(text(event_frame(3, "o1", "ready")))
        .await
        .unwrap();
    seen.until_order("o1", kds_protocol::Status::Ready).await;
    assert_eq!(seen.seqs, [2, 3]);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_handed_over_before_quitting_are_on_disk_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("data").join("queue-grill.json");
    let offline = dead_url().await;
    let order: kds_protocol::Order = serde_json::from_value(order_json("o1", "pending")).unwrap();
    let first = net_support::bump(&order, 1);
    let mut second_order = order.clone();
    second_order.status = kds_protocol::Status::Preparing;
    let second = net_support::bump(&second_order, 2);

    let (tx, _rx) = mpsc::channel(64);
    let net = spawn(config(&[&offline], queue.clone()), tx);
    net.send(first.clone());
    net.send(second.clone());
    // Quit at once: the handle must write both before the task stops.
    let started = Instant::now();
    net.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2), "quit is slow");
    let keys: Vec<_> = net_support::queued_in(&queue)
        .iter()
        .map(|a| a["idempotency_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        keys,
        [
            first.idempotency_key.clone(),
            second.idempotency_key.clone()
        ]
    );

    let (tx, mut rx) = mpsc::channel(64);
    let net = spawn(config(&[&offline], queue.clone()), tx);
    let restored = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
    assert!(
        matches!(&restored, Some(NetEvent::Restored(actions)) if *actions == [first, second]),
        "{restored:?}"
    );
    let queued = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
    assert!(matches!(queued, Some(NetEvent::Queued(2))), "{queued:?}");
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_queue_is_kept_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("queue-grill.json");
    std::fs::write(&queue, b"{\"version\":1,\"actions\":[{\"id\"").unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let net = spawn(config(&[&dead_url().await], queue.clone()), tx);
    let report = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
    let Some(NetEvent::QueueUnreadable { kept_at }) = report else {
        panic!("expected QueueUnreadable, got {report:?}");
    };
    assert_eq!(
        std::fs::read(&kept_at).unwrap(),
        b"{\"version\":1,\"actions\":[{\"id\""
    );
    assert!(!queue.exists());
    // It goes on working: the next report is about the connection.
    let after = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
    assert!(
        matches!(
            after,
            Some(NetEvent::Connection(ConnState::Connecting { .. }))
        ),
        "{after:?}"
    );
    net.shutdown().await;
}
