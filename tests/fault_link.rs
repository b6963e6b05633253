//! The link between display and server fails; nothing is lost. Real server
//! on 127.0.0.1:0, a TCP proxy in between that slows, stalls, cuts or
//! refuses WebSocket upgrades, and displays made of the real engine, model
//! and update, compared at the end with the server's HTTP snapshot.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod fault_support;
mod net_support;

use fault_support::api::Api;
use fault_support::display::{Display, fast_timing};
use fault_support::proxy::FaultProxy;
use kds::model::Column;
use kds::msg::{ActionOutcome, ConnState};
use kds::net::NetTiming;
use kds_protocol::{EventKind, Order, Status};
use net_support::kitchen::{Kitchen, Proxy};
use std::time::Duration;
use tokio::time::Instant;

/// Waits until the display shows exactly what the server's snapshot holds.
async fn converge(display: &mut Display, api: &Api, station: &str) {
    let deadline = Instant::now() + fault_support::PATIENCE;
    loop {
        display.run_for(Duration::from_millis(50)).await;
        let truth = api.snapshot(station).await;
        match display.compare(&truth) {
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

/// Seqs were delivered in ascending order, none twice.
fn assert_gapless_order(display: &Display) {
    assert!(
        display.seqs.windows(2).all(|w| w[0] < w[1]),
        "{}: seqs out of order or repeated: {:?}",
        display.name,
        display.seqs
    );
}

fn status_moves(events: &[kds_protocol::Event], id: &str) -> Vec<Status> {
    events
        .iter()
        .filter(|e| e.order.id == id && e.kind == EventKind::StatusChanged)
        .map(|e| e.order.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_link_stays_live_and_a_stalled_one_is_dropped_within_the_dead_peer_bound() {
    let kitchen = Kitchen::start().await;
    let api = Api::new(&kitchen.url);
    let proxy = FaultProxy::start(kitchen.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let timing = NetTiming {
        dead_peer: Duration::from_secs(1),
        ..fast_timing()
    };
    let dead_peer = timing.dead_peer;
    let first = api.create("grill", "Burger").await;
    let mut display = Display::start(
        "grill",
        &[&proxy.url],
        "grill",
        dir.path().join("q.json"),
        timing,
    );
    display
        .until("live with the first ticket", |d| {
            d.is_live() && d.position(&first.id).is_some()
        })
        .await;

    // Slow but alive: every chunk waits 150 ms each way. Pongs still come
    // back within the bound, so the link must stay up.
    proxy.slow(Duration::from_millis(150));
    let slow = api.create("grill", "Fries").await;
    display
        .until("the order over the slow link", |d| {
            d.position(&slow.id).is_some()
        })
        .await;
    display.run_for(dead_peer * 3).await;
    assert!(display.is_live(), "states: {:?}", display.states);
    assert_eq!(
        display
            .states
            .iter()
            .filter(|s| matches!(s, ConnState::Live { .. }))
            .count(),
        1
    );
    proxy.resume();

    // Stalled: TCP stays open, nothing moves. Only the dead-peer clock can tell.
    display.run_for(Duration::from_millis(200)).await;
    proxy.stall();
    let stalled_at = Instant::now();
    display
        .until_within("the stall noticed", dead_peer * 5, |d| !d.is_live())
        .await;
    let noticed = stalled_at.elapsed();
    // Not before the bound (minus the ping interval, since the last pong
    // may predate the stall), and not much after it.
    let earliest = dead_peer.saturating_sub(dead_peer / 3 + Duration::from_millis(100));
    assert!(noticed >= earliest, "{noticed:?}");
    assert!(noticed <= dead_peer + Duration::from_secs(2), "{noticed:?}");

    // Meanwhile the kitchen goes on.
    let during = api.create("grill", "Shake").await;
    api.set_status(&first, Status::Preparing).await;
    proxy.resume();
    display.until("live again", Display::is_live).await;
    converge(&mut display, &api, "grill").await;
    assert_eq!(
        display.position(&during.id).map(|p| p.0),
        Some(Column::Pending)
    );
    assert_eq!(
        display.position(&first.id).map(|p| p.0),
        Some(Column::Preparing)
    );
    // Resumed with `since`: the missed events were replayed, no new snapshot.
    assert_eq!(display.snapshots, 1, "states: {:?}", display.states);
    assert_gapless_order(&display);
    assert_eq!(display.seqs.len(), 3, "{:?}", display.seqs);
    display.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_replays_what_was_missed_and_flushes_queued_bumps_in_order() {
    let kitchen = Kitchen::start().await;
    let api = Api::new(&kitchen.url);
    let proxy = FaultProxy::start(kitchen.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let mut orders: Vec<Order> = Vec::new();
    for item in ["Burger", "Fries", "Salad", "Soup"] {
        orders.push(api.create("grill", item).await);
    }
    let [o1, o2, o3, o4] = [0, 1, 2, 3].map(|i| orders[i].clone());
    // The cook's display goes through the proxy; another terminal does not.
    let mut cook = Display::quick("cook", &proxy.url, "grill", dir.path());
    let mut other = Display::quick("other", &kitchen.url, "grill", dir.path());
    for display in [&mut cook, &mut other] {
        display
            .until("all four tickets", |d| {
                d.is_live() && d.tickets().len() == 4
            })
            .await;
    }

    proxy.cut();
    cook.until("the cut noticed", |d| !d.is_live()).await;
    // The cook works on: o1 twice, o2 (which the other terminal moves
    // first), o3. Each shows at once, marked pending.
    assert_eq!(cook.bump(&o1.id), Some(Status::Preparing));
    assert_eq!(cook.bump(&o1.id), Some(Status::Ready));
    assert_eq!(cook.bump(&o2.id), Some(Status::Preparing));
    assert_eq!(cook.bump(&o3.id), Some(Status::Preparing));
    assert_eq!(cook.model.pending_actions().len(), 4);
    // The rest of the kitchen goes on meanwhile.
    assert_eq!(other.bump(&o2.id), Some(Status::Preparing));
    assert_eq!(other.bump(&o4.id), Some(Status::Preparing));
    other
        .until("the other terminal's bumps answered", |d| {
            d.outcomes.len() == 2
        })
        .await;
    let o5 = api.create("grill", "Shake").await;
    let o6 = api.create("grill", "Wrap").await;
    cook.until("four actions queued", |d| d.model.queued() == 4)
        .await;
    assert!(cook.outcomes.is_empty(), "{:?}", cook.outcomes);

    proxy.resume();
    cook.until("every action answered", |d| d.outcomes.len() == 4)
        .await;
    // Strictly in the order made; the conflicting one reported, not dropped.
    let outcomes: Vec<(&str, Status, &str)> = cook
        .outcomes
        .iter()
        .map(|(_, outcome)| match outcome {
            ActionOutcome::Applied(o) => ("applied", o.status, o.id.as_str()),
            ActionOutcome::Conflict(o) => ("conflict", o.status, o.id.as_str()),
            ActionOutcome::Rejected(why) => panic!("rejected: {why}"),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("applied", Status::Preparing, o1.id.as_str()),
            ("applied", Status::Ready, o1.id.as_str()),
            ("conflict", Status::Preparing, o2.id.as_str()),
            ("applied", Status::Preparing, o3.id.as_str()),
        ]
    );
    let conflict = format!(
        "#{} was already moved to Preparing by another station",
        o2.number
    );
    assert!(cook.said.contains(&conflict), "said: {:?}", cook.said);

    converge(&mut cook, &api, "grill").await;
    converge(&mut other, &api, "grill").await;
    assert_eq!(cook.tickets(), other.tickets());
    assert_eq!(cook.position(&o5.id).map(|p| p.0), Some(Column::Pending));
    assert_eq!(cook.position(&o6.id).map(|p| p.0), Some(Column::Pending));
    // The server saw o1's two moves in the order they were made, and o2
    // moved once only.
    let events = api.events("grill", 0).await;
    assert_eq!(
        status_moves(&events, &o1.id),
        [Status::Preparing, Status::Ready]
    );
    assert_eq!(status_moves(&events, &o2.id), [Status::Preparing]);
    assert_eq!(api.order(&o2.id).await.version, 2);
    // The missed events were replayed after the cursor: no snapshot again.
    assert_eq!(cook.snapshots, 1, "states: {:?}", cook.states);
    assert_gapless_order(&cook);
    cook.shutdown().await;
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_that_refuses_websockets_a_display_polls_to_the_same_state() {
    let kitchen = Kitchen::start().await;
    let api = Api::new(&kitchen.url);
    let proxy = Proxy::start(kitchen.addr, "403 Forbidden").await;
    let dir = tempfile::tempdir().unwrap();
    let mut orders = Vec::new();
    for item in ["Burger", "Fries", "Salad"] {
        orders.push(api.create("grill", item).await);
    }
    let mut polled = Display::quick("polled", &proxy.url, "grill", dir.path());
    let mut live = Display::quick("live", &kitchen.url, "grill", dir.path());
    polled
        .until("polling with every ticket", |d| {
            matches!(d.model.connection(), ConnState::Polling { .. }) && d.tickets().len() == 3
        })
        .await;
    live.until("live with every ticket", |d| {
        d.is_live() && d.tickets().len() == 3
    })
    .await;

    // Both bump, one completes a ticket, and new orders arrive.
    assert_eq!(polled.bump(&orders[0].id), Some(Status::Preparing));
    assert_eq!(live.bump(&orders[1].id), Some(Status::Preparing));
    let late = api.create("grill", "Shake").await;
    polled
        .until("its bump answered", |d| d.outcomes.len() == 1)
        .await;
    live.until("its bump answered", |d| d.outcomes.len() == 1)
        .await;
    polled
        .until("the other bump polled", |d| {
            d.model.order(&orders[1].id).map(|o| o.status) == Some(Status::Preparing)
        })
        .await;
    assert_eq!(polled.bump(&orders[1].id), Some(Status::Ready));
    polled
        .until("the second bump answered", |d| d.outcomes.len() == 2)
        .await;
    live.until("the ready ticket", |d| {
        d.position(&orders[1].id).map(|p| p.0) == Some(Column::Ready)
    })
    .await;
    assert_eq!(live.bump(&orders[1].id), Some(Status::Completed));

    converge(&mut polled, &api, "grill").await;
    converge(&mut live, &api, "grill").await;
    assert_eq!(polled.tickets(), live.tickets());
    assert_eq!(polled.model.recall_list().len(), 1);
    assert_eq!(
        polled.position(&late.id).map(|p| p.0),
        Some(Column::Pending)
    );
    assert!(
        !polled
            .states
            .iter()
            .any(|s| matches!(s, ConnState::Live { .. })),
        "the WebSocket never opened through this proxy: {:?}",
        polled.states
    );
    assert!(
        polled
            .outcomes
            .iter()
            .all(|(_, o)| matches!(o, ActionOutcome::Applied(_)))
    );
    assert_gapless_order(&polled);
    polled.shutdown().await;
    live.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_displays_bumping_the_same_ticket_at_once_move_it_exactly_once() {
    let kitchen = Kitchen::start().await;
    let api = Api::new(&kitchen.url);
    let dir = tempfile::tempdir().unwrap();
    let mut orders = Vec::new();
    for n in 0..5 {
        orders.push(api.create("grill", &format!("Burger {n}")).await);
    }
    let mut left = Display::quick("left", &kitchen.url, "grill", dir.path());
    let mut right = Display::quick("right", &kitchen.url, "grill", dir.path());
    for display in [&mut left, &mut right] {
        display
            .until("every ticket", |d| d.is_live() && d.tickets().len() == 5)
            .await;
    }
    // Both cooks hit the same ticket in the same instant: neither display
    // has heard of the other's bump when its own goes out.
    for order in &orders {
        assert_eq!(left.bump(&order.id), Some(Status::Preparing));
        assert_eq!(right.bump(&order.id), Some(Status::Preparing));
    }
    left.until("answers", |d| d.outcomes.len() == 5).await;
    right.until("answers", |d| d.outcomes.len() == 5).await;

    let events = api.events("grill", 0).await;
    for order in &orders {
        let now = api.order(&order.id).await;
        assert_eq!((now.status, now.version), (Status::Preparing, 2), "{now:?}");
        assert_eq!(status_moves(&events, &order.id), [Status::Preparing]);
        let answers = [left.outcomes_for(&order.id), right.outcomes_for(&order.id)];
        let applied = answers
            .iter()
            .flatten()
            .filter(|o| matches!(o, ActionOutcome::Applied(_)))
            .count();
        assert_eq!(applied, 1, "exactly one bump lands: {answers:?}");
        let (loser, lost) = if matches!(answers[0][0], ActionOutcome::Conflict(_)) {
            (&left, answers[0][0])
        } else {
            (&right, answers[1][0])
        };
        assert!(
            matches!(lost, ActionOutcome::Conflict(o) if o.status == Status::Preparing && o.version == 2),
            "{lost:?}"
        );
        let said = format!(
            "#{} was already moved to Preparing by another station",
            order.number
        );
        assert!(
            loser.said.contains(&said),
            "{}: {:?}",
            loser.name,
            loser.said
        );
    }
    converge(&mut left, &api, "grill").await;
    converge(&mut right, &api, "grill").await;
    left.shutdown().await;
    right.shutdown().await;
}
