//! `GET /api/stations/{station}/stats?window=S` (PROTOCOL.md 1.1), with a
//! manual clock: every ticket time below is exact because the test sets
//! the time of every creation and every bump.

use crate::support::{Backend, TestServer, code, order_path};
use kds_protocol::Timestamp;
use kds_server::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const T0: i64 = 1_800_000_000_000;

async fn with_clock(backend: Backend) -> (TestServer, Clock) {
    let clock = Clock::manual(Timestamp::from_millis(T0));
    let server = TestServer::start_with(backend, |config| config.clock = clock.clone()).await;
    (server, clock)
}

/// The stats of `station` with `query` (`""` or `"?window=N"`).
async fn stats(server: &TestServer, station: &str, query: &str) -> Value {
    let (status, answer) = server
        .get(&format!("/api/stations/{station}/stats{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

/// The figures of a stats answer that the tests compare, in one value.
fn figures(stats: &Value) -> Value {
    json!({
        "completed": stats["completed"],
        "avg": stats["avg_ready_s"],
        "p90": stats["p90_ready_s"],
        "open": stats["open"],
        "late": stats["late"],
    })
}

/// Moves `order` from pending to ready `after` from now (the ticket time,
/// if it was created now); returns it.
async fn ready_after(server: &TestServer, clock: &Clock, order: &Value, after: Duration) -> Value {
    clock.advance(after);
    let order = server.bump(order, "preparing").await;
    server.bump(&order, "ready").await
}

pub async fn the_window_is_checked_and_defaults_to_an_hour(backend: Backend) {
    let (server, _clock) = with_clock(backend).await;
    assert_eq!(stats(&server, "grill", "").await["window_s"], 3600);
    for window in [60, 3600, 86_400] {
        let query = format!("?window={window}");
        assert_eq!(stats(&server, "all", &query).await["window_s"], window);
    }
    for bad in ["59", "86401", "0", "-60", "99999999999999999999999"] {
        let (status, error) = server
            .get(&format!("/api/stations/grill/stats?window={bad}"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {error}");
        assert_eq!(code(&error), "invalid");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("window"), "{bad}: {message}");
    }
    for bad in ["abc", "", "60.5", "1e3", "%FF"] {
        let (status, error) = server
            .get(&format!("/api/stations/grill/stats?window={bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
        assert_eq!(code(&error), "bad_request");
    }
    let (status, error) = server.get("/api/stations/Grill!/stats").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}

pub async fn ticket_times_are_those_of_orders_that_reached_ready_in_the_window(backend: Backend) {
    let (server, clock) = with_clock(backend).await;
    // Nothing yet: no ticket time at all, not zero.
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 0, "avg": null, "p90": null, "open": 0, "late": 0})
    );
    // Ten orders created at T0, the n-th ready n times 50 s later.
    let mut orders = Vec::new();
    for _ in 0..10 {
        orders.push(server.create("grill").await);
    }
    for order in &mut orders {
        *order = ready_after(&server, &clock, order, Duration::from_secs(50)).await;
    }
    // Clearing a ready order off the screen keeps its ticket time.
    let cleared = server.bump(&orders[0], "completed").await;
    assert_eq!(cleared["ready_at"], orders[0]["ready_at"]);
    // At T0 + 500 s: ticket times 50, 100, ..., 500 s; the mean is 275 s
    // and the 90th percentile by nearest rank is the 9th of 10, 450 s.
    // Nine are still open (ready is open), none late yet (600 s).
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 10, "avg": 275.0, "p90": 450.0, "open": 9, "late": 0})
    );
    // The last 330 s hold the orders ready at 200 s and after: seven of
    // them, 200..500 s, mean 350 s, p90 the 7th of 7.
    assert_eq!(
        figures(&stats(&server, "grill", "?window=330").await),
        json!({"completed": 7, "avg": 350.0, "p90": 500.0, "open": 9, "late": 0})
    );
    // An hour and a bit later the default window holds none of them.
    clock.advance(Duration::from_secs(3600 + 1));
    let later = figures(&stats(&server, "grill", "").await);
    assert_eq!(
        (&later["completed"], &later["avg"], &later["p90"]),
        (&json!(0), &Value::Null, &Value::Null)
    );
    // A fraction of a second is kept in the answer.
    let quick = server.create("grill").await;
    ready_after(&server, &clock, &quick, Duration::from_millis(90_500)).await;
    assert_eq!(
        figures(&stats(&server, "grill", "?window=60").await)["avg"],
        90.5
    );
}

pub async fn open_and_late_leave_out_completed_and_voided_orders(backend: Backend) {
    let clock = Clock::manual(Timestamp::from_millis(T0));
    let server = TestServer::start_with(backend, |config| {
        config.clock = clock.clone();
        config.late_after = Duration::from_secs(300);
    })
    .await;
    let old = server.create("grill").await;
    let old_voided = server.create("grill").await;
    server
        .change(
            &order_path(&old_voided, "/void"),
            &json!({"reason": "walked out"}),
        )
        .await;
    clock.advance(Duration::from_secs(301));
    server.create("grill").await;
    let done = server.create("grill").await;
    let done = ready_after(&server, &clock, &done, Duration::from_secs(30)).await;
    // Ready and voided: it counts nowhere, neither open nor completed.
    let ready_voided = server.create("grill").await;
    let ready_voided = ready_after(&server, &clock, &ready_voided, Duration::from_secs(30)).await;
    server
        .change(&order_path(&ready_voided, "/void"), &json!({}))
        .await;
    server.bump(&done, "completed").await;
    // Open: `old` (361 s, late) and the one created at 301 s (60 s old);
    // `done` is completed.
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 1, "avg": 30.0, "p90": 30.0, "open": 2, "late": 1})
    );
    // Five minutes on, the younger is past the threshold too; `old`,
    // now preparing, is still open and late.
    clock.advance(Duration::from_secs(300));
    server.bump(&old, "preparing").await;
    let late = figures(&stats(&server, "grill", "").await);
    assert_eq!((&late["open"], &late["late"]), (&json!(2), &json!(2)));
}

pub async fn stations_are_counted_apart_and_all_counts_every_one(backend: Backend) {
    let (server, clock) = with_clock(backend).await;
    let grill_1 = server.create("grill").await;
    let grill_2 = server.create("grill").await;
    let bar = server.create("bar").await;
    server.create("fry").await;
    ready_after(&server, &clock, &grill_1, Duration::from_secs(60)).await;
    ready_after(&server, &clock, &grill_2, Duration::from_secs(60)).await;
    ready_after(&server, &clock, &bar, Duration::from_secs(180)).await;
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 2, "avg": 90.0, "p90": 120.0, "open": 2, "late": 0})
    );
    assert_eq!(
        figures(&stats(&server, "bar", "").await),
        json!({"completed": 1, "avg": 300.0, "p90": 300.0, "open": 1, "late": 0})
    );
    // Every station: 60, 120 and 300 s; p90 is the 3rd of 3.
    assert_eq!(
        figures(&stats(&server, "all", "").await),
        json!({"completed": 3, "avg": 160.0, "p90": 300.0, "open": 4, "late": 0})
    );
    assert_eq!(
        figures(&stats(&server, "cold", "").await),
        json!({"completed": 0, "avg": null, "p90": null, "open": 0, "late": 0})
    );
}

pub async fn an_order_recalled_from_ready_no_longer_counts_until_ready_again(backend: Backend) {
    let (server, clock) = with_clock(backend).await;
    let order = server.create("grill").await;
    let order = ready_after(&server, &clock, &order, Duration::from_secs(60)).await;
    assert_eq!(stats(&server, "grill", "").await["completed"], 1);
    // Back to the line: its ready time is gone, and so is its ticket time.
    let recalled = server.bump(&order, "preparing").await;
    assert_eq!(recalled["ready_at"], Value::Null);
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 0, "avg": null, "p90": null, "open": 1, "late": 0})
    );
    // Ready again two minutes later: one ticket, timed from its creation.
    clock.advance(Duration::from_secs(120));
    let order = server.bump(&recalled, "ready").await;
    assert_eq!(figures(&stats(&server, "grill", "").await)["avg"], 180.0);
    // Completed, then recalled from completed to ready: it entered ready
    // anew, and still counts once.
    let order = server.bump(&order, "completed").await;
    clock.advance(Duration::from_secs(60));
    server.bump(&order, "ready").await;
    assert_eq!(
        figures(&stats(&server, "grill", "").await),
        json!({"completed": 1, "avg": 240.0, "p90": 240.0, "open": 1, "late": 0})
    );
}
