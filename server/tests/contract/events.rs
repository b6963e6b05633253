//! Snapshots, events with `since`, long polls and retention.

use crate::support::{Backend, TestServer, code, eventually};
use kds_server::Retention;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

fn seqs(page: &Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

pub async fn snapshot_orders_oldest_first_recent_newest_first(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut orders = Vec::new();
    for _ in 0..24 {
        orders.push(server.create("grill").await);
    }
    server.create("bar").await;
    // Complete the first 22, in order.
    for order in &orders[..22] {
        let mut order = order.clone();
        for to in ["preparing", "ready", "completed"] {
            order = server.bump(&order, to).await;
        }
    }
    let (status, snapshot) = server.get("/api/stations/grill/orders").await;
    assert_eq!(status, StatusCode::OK);
    let open: Vec<_> = snapshot["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(
        open,
        vec![orders[22]["id"].clone(), orders[23]["id"].clone()]
    );
    let recent = snapshot["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 20);
    assert_eq!(recent[0]["id"], orders[21]["id"], "newest completed first");
    assert_eq!(recent[19]["id"], orders[2]["id"]);
    assert!(recent.iter().all(|o| o["status"] == "completed"));
    let newest = server.events("all", 0).await;
    assert_eq!(snapshot["seq"], newest["seq"]);
    assert_eq!(snapshot["seq"].as_i64(), Some(25 + 22 * 3));
}

pub async fn station_all_sees_every_station(backend: Backend) {
    let server = TestServer::start(backend).await;
    for station in ["grill", "bar", "cold"] {
        server.create(station).await;
    }
    let (_, all) = server.get("/api/stations/all/orders").await;
    assert_eq!(all["orders"].as_array().unwrap().len(), 3);
    let (_, bar) = server.get("/api/stations/bar/orders").await;
    assert_eq!(bar["orders"].as_array().unwrap().len(), 1);
    assert_eq!(seqs(&server.events("all", 0).await), vec![1, 2, 3]);
    assert_eq!(seqs(&server.events("bar", 0).await), vec![2]);
    let (_, empty) = server.get("/api/stations/fry/orders").await;
    assert_eq!(empty["orders"].as_array().unwrap().len(), 0);
    assert_eq!(empty["seq"], 3);
}

pub async fn events_resume_with_since_after_missing_some(backend: Backend) {
    let server = TestServer::start(backend).await;
    let first = server.create("grill").await;
    let seen = server.events("grill", 0).await;
    assert_eq!(seqs(&seen), vec![1]);
    let since = seen["seq"].as_i64().unwrap();
    // While the display is away: its own events and other stations'.
    server.create("bar").await;
    let moved = server.bump(&first, "preparing").await;
    server.create("bar").await;
    server.create("grill").await;
    let missed = server.events("grill", since).await;
    assert_eq!(seqs(&missed), vec![3, 5], "gaps are other stations'");
    let events = missed["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "status_changed");
    assert_eq!(events[0]["order"], moved, "the order after the change");
    assert_eq!(events[1]["type"], "created");
    assert!(events[0]["at"].is_string());
    assert_eq!(missed["seq"], 5);
    let nothing = server.events("grill", 5).await;
    assert!(seqs(&nothing).is_empty());
    assert_eq!(nothing["seq"], 5);
    // Another station moves on: a page's seq is its last event's, and an
    // empty page moves `since` past the other station's events.
    server.create("bar").await;
    let page = server.events("grill", 0).await;
    assert_eq!(seqs(&page), vec![1, 3, 5]);
    assert_eq!(page["seq"], 5);
    let quiet = server.events("grill", 5).await;
    assert!(seqs(&quiet).is_empty());
    assert_eq!(quiet["seq"], 6);
}

pub async fn events_page_at_500_and_page_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let creates = (0..260).map(|_| server.create("grill"));
    let orders = futures_util::future::join_all(creates).await;
    let bumps = orders.iter().map(|o| server.bump(o, "preparing"));
    futures_util::future::join_all(bumps).await;
    let first = server.events("grill", 0).await;
    assert_eq!(seqs(&first), (1..=500).collect::<Vec<_>>());
    assert_eq!(first["seq"], 500);
    let second = server.events("grill", 500).await;
    assert_eq!(seqs(&second), (501..=520).collect::<Vec<_>>());
    assert_eq!(second["seq"], 520);
}

pub async fn long_poll_wakes_on_a_new_event(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.create("grill").await;
    let started = Instant::now();
    let poll = server.get("/api/stations/grill/events?since=1&wait=20");
    let post = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.create("grill").await
    };
    let ((status, page), created) = tokio::join!(poll, post);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seqs(&page), vec![2]);
    assert_eq!(page["events"][0]["order"], created);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

pub async fn long_poll_times_out_empty_with_seq(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.create("grill").await;
    let started = Instant::now();
    let (status, page) = server
        .get("/api/stations/grill/events?since=1&wait=1")
        .await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(seqs(&page).is_empty());
    assert_eq!(page["seq"], 1);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // wait=0 (and no wait) answer at once.
    let started = Instant::now();
    server
        .get("/api/stations/grill/events?since=1&wait=0")
        .await;
    server.get("/api/stations/grill/events?since=1").await;
    assert!(started.elapsed() < Duration::from_secs(2));
}

pub async fn long_poll_ignores_other_stations(backend: Backend) {
    let server = TestServer::start(backend).await;
    let poll = server.get("/api/stations/grill/events?since=0&wait=2");
    let other = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.create("bar").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.create("grill").await
    };
    let ((status, page), grill) = tokio::join!(poll, other);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seqs(&page), vec![2], "{page}");
    assert_eq!(page["events"][0]["order"]["id"], grill["id"]);
}

pub async fn wait_and_since_are_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    for (query, expected_status, field) in [
        ("since=abc", StatusCode::BAD_REQUEST, "since"),
        ("since=1.5", StatusCode::BAD_REQUEST, "since"),
        ("since=-1", StatusCode::UNPROCESSABLE_ENTITY, "since"),
        ("since=0&wait=31", StatusCode::UNPROCESSABLE_ENTITY, "wait"),
        ("since=0&wait=-1", StatusCode::UNPROCESSABLE_ENTITY, "wait"),
        ("since=0&wait=soon", StatusCode::BAD_REQUEST, "wait"),
    ] {
        let (status, error) = server
            .get(&format!("/api/stations/grill/events?{query}"))
            .await;
        assert_eq!(status, expected_status, "{query}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{error}"
        );
    }
}

pub async fn since_past_retention_is_410(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.retention = Retention {
            max_events: 3,
            prune_every: Duration::from_millis(50),
            ..Retention::default()
        };
    })
    .await;
    for _ in 0..8 {
        server.create("grill").await;
    }
    // The pruner runs in the background, maybe already between the creates:
    // wait for the pass that sees all eight (floor 5).
    eventually(|| async {
        let (status, _) = server.get("/api/stations/grill/events?since=4").await;
        (status == StatusCode::GONE).then_some(())
    })
    .await;
    let (status, error) = server.get("/api/stations/grill/events?since=0").await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(code(&error), "resync_required");
    let kept = server.events("grill", 5).await;
    assert_eq!(seqs(&kept), vec![6, 7, 8]);
    // The snapshot still has every order.
    let (_, snapshot) = server.get("/api/stations/grill/orders").await;
    assert_eq!(snapshot["orders"].as_array().unwrap().len(), 8);
    assert_eq!(
        seqs(
            &server
                .events("grill", snapshot["seq"].as_i64().unwrap())
                .await
        ),
        Vec::<i64>::new()
    );
}

pub async fn since_beyond_newest_is_410(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.create("grill").await;
    let (status, error) = server.get("/api/stations/grill/events?since=99").await;
    assert_eq!(status, StatusCode::GONE, "a replaced database");
    assert_eq!(code(&error), "resync_required");
}

pub async fn seqs_follow_commit_order_under_concurrency(backend: Backend) {
    let server = TestServer::start(backend).await;
    // A reader that keeps paging while writers race: every page it reads
    // must continue where the last one ended, never revealing an older seq.
    let writers = futures_util::future::join_all((0..40).map(|i| {
        let station = if i % 2 == 0 { "grill" } else { "bar" };
        server.create(station)
    }));
    let reader = async {
        let mut since = 0;
        let mut seen = Vec::new();
        for _ in 0..400 {
            let page = server.events("all", since).await;
            for seq in seqs(&page) {
                assert!(seq > since, "seq {seq} after {since}");
                seen.push(seq);
                since = seq;
            }
            since = since.max(page["seq"].as_i64().unwrap());
            if seen.len() == 40 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        seen
    };
    let (_, seen) = tokio::join!(writers, reader);
    assert_eq!(seen, (1..=40).collect::<Vec<_>>());
}
