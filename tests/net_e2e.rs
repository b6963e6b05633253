//! The network engine against the real kds-server on 127.0.0.1:0: the
//! end-to-end promises of the issue, driven through `kds::net::spawn` and
//! its `NetEvent` channel.

mod net_support;

use kds::msg::{ActionOutcome, ConnState, NetEvent};
use kds::net::{NetHandle, spawn};
use kds_protocol::{Order, Status};
use net_support::kitchen::{Kitchen, Proxy};
use net_support::{Collector, bump, config, dead_url, move_action};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

fn start_client(servers: &[&str], queue: &Path) -> (NetHandle, Collector) {
    let (tx, rx) = mpsc::channel(256);
    let net = spawn(config(servers, queue.to_path_buf()), tx);
    (net, Collector::new(rx))
}

/// Waits for the answer to action `id`.
async fn outcome_of(seen: &mut Collector, id: &str) -> ActionOutcome {
    let done = seen
        .until(
            &format!("the answer to {id}"),
            |e| matches!(e, NetEvent::ActionDone { id: done, .. } if done == id),
        )
        .await;
    match done {
        NetEvent::ActionDone { outcome, .. } => outcome,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bump_on_one_display_shows_on_the_other() {
    let kitchen = Kitchen::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (one, mut seen_one) = start_client(&[&kitchen.url], &dir.path().join("one.json"));
    let (two, mut seen_two) = start_client(&[&kitchen.url], &dir.path().join("two.json"));
    seen_one.until_live().await;
    seen_two.until_live().await;

    let order = kitchen.create("grill", "Burger").await;
    let _elsewhere = kitchen.create("bar", "Mojito").await;
    seen_one.until_order(&order.id, Status::Pending).await;
    seen_two.until_order(&order.id, Status::Pending).await;

    let action = bump(&order, 1);
    one.send(action.clone());
    let outcome = outcome_of(&mut seen_one, &action.id).await;
    assert!(
        matches!(&outcome, ActionOutcome::Applied(o) if o.status == Status::Preparing),
        "{outcome:?}"
    );
    seen_two.until_order(&order.id, Status::Preparing).await;
    seen_one.until_order(&order.id, Status::Preparing).await;

    assert_eq!(kitchen.order(&order.id).await.status, Status::Preparing);
    let truth = kitchen.picture("grill").await;
    assert_eq!(seen_one.picture(), truth);
    assert_eq!(seen_two.picture(), truth);
    one.shutdown().await;
    two.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_server_restart_the_client_resumes_without_a_gap() {
    let mut kitchen = Kitchen::start().await;
    let dir = tempfile::tempdir().unwrap();
    let first = kitchen.create("grill", "Burger").await;
    let (net, mut seen) = start_client(&[&kitchen.url], &dir.path().join("q.json"));
    seen.until_live().await;
    seen.until_order(&first.id, Status::Pending).await;

    kitchen.stop().await;
    seen.until_state("the link to drop", |s| !matches!(s, ConnState::Live { .. }))
        .await;
    kitchen.restart().await;
    // Changes made while the client is (probably still) away.
    let second = kitchen.create("grill", "Fries").await;
    assert_eq!(
        kitchen
            .set_status(&first.id, Status::Preparing, Status::Pending)
            .await,
        200
    );
    seen.until_live().await;
    let third = kitchen.create("grill", "Shake").await;
    seen.until_order(&third.id, Status::Pending).await;
    seen.until_order(&second.id, Status::Pending).await;
    seen.until_order(&first.id, Status::Preparing).await;

    assert_eq!(seen.picture(), kitchen.picture("grill").await);
    // Resumed from its cursor: the events were replayed, no second snapshot.
    assert_eq!(seen.snapshots, 1, "states: {:?}", seen.states);
    assert_eq!(seen.seqs.len(), 3, "seqs: {:?}", seen.seqs);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_a_proxy_refuses_websockets_polling_delivers_and_the_switch_back_is_clean() {
    let kitchen = Kitchen::start().await;
    let proxy = Proxy::start(kitchen.addr, "403 Forbidden").await;
    let dir = tempfile::tempdir().unwrap();
    let before = kitchen.create("grill", "Burger").await;
    let (net, mut seen) = start_client(&[&proxy.url], &dir.path().join("q.json"));

    let state = seen
        .until_state("Polling", |s| matches!(s, ConnState::Polling { .. }))
        .await;
    assert!(
        matches!(
            &state,
            ConnState::Polling {
                interval_secs: 1,
                ..
            }
        ),
        "{state:?}"
    );
    seen.until_order(&before.id, Status::Pending).await;
    let polled = kitchen.create("grill", "Fries").await;
    seen.until_order(&polled.id, Status::Pending).await;
    // Actions go over HTTP and work the same while polling.
    let action = bump(&polled, 1);
    net.send(action.clone());
    assert!(matches!(
        outcome_of(&mut seen, &action.id).await,
        ActionOutcome::Applied(_)
    ));
    seen.until_order(&polled.id, Status::Preparing).await;
    assert!(
        !seen
            .states
            .iter()
            .any(|s| matches!(s, ConnState::Live { .. })),
        "{:?}",
        seen.states
    );

    proxy.allow_websockets();
    seen.until_live().await;
    let live = kitchen.create("grill", "Shake").await;
    assert_eq!(
        kitchen
            .set_status(&before.id, Status::Preparing, Status::Pending)
            .await,
        200
    );
    seen.until_order(&live.id, Status::Pending).await;
    seen.until_order(&before.id, Status::Preparing).await;
    assert_eq!(seen.picture(), kitchen.picture("grill").await);
    // Four changes after the snapshot, each delivered once (the collector
    // fails on a repeat).
    assert_eq!(seen.seqs.len(), 4, "seqs: {:?}", seen.seqs);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bumps_made_offline_survive_a_client_restart_and_land() {
    let mut kitchen = Kitchen::start().await;
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("queue-grill.json");
    let order = kitchen.create("grill", "Burger").await;
    let (net, mut seen) = start_client(&[&kitchen.url], &queue);
    seen.until_order(&order.id, Status::Pending).await;

    kitchen.stop().await;
    // Neither the WebSocket nor HTTP answers now.
    seen.until_state("Offline", |s| matches!(s, ConnState::Offline { .. }))
        .await;
    let first = bump(&order, 1);
    let mut preparing = order.clone();
    preparing.status = Status::Preparing;
    let second = bump(&preparing, 2);
    net.send(first.clone());
    net.send(second.clone());
    seen.until("two queued", |e| matches!(e, NetEvent::Queued(2)))
        .await;
    net.shutdown().await;

    kitchen.restart().await;
    let (net, mut seen) = start_client(&[&kitchen.url], &queue);
    let restored = seen
        .until("Restored", |e| matches!(e, NetEvent::Restored(_)))
        .await;
    assert!(
        matches!(&restored, NetEvent::Restored(actions) if *actions == [first.clone(), second.clone()])
    );
    let outcome = outcome_of(&mut seen, &first.id).await;
    assert!(
        matches!(&outcome, ActionOutcome::Applied(o) if o.status == Status::Preparing),
        "{outcome:?}"
    );
    let outcome = outcome_of(&mut seen, &second.id).await;
    assert!(
        matches!(&outcome, ActionOutcome::Applied(o) if o.status == Status::Ready),
        "{outcome:?}"
    );
    seen.until("an empty queue", |e| matches!(e, NetEvent::Queued(0)))
        .await;
    seen.until_order(&order.id, Status::Ready).await;
    assert_eq!(kitchen.order(&order.id).await.status, Status::Ready);
    assert!(net_support::queued_in(&queue).is_empty());
    net.shutdown().await;

    // Sent again (a lost answer): the idempotency key keeps it from moving twice.
    let (net, mut seen) = start_client(&[&kitchen.url], &queue);
    net.send(first.clone());
    let outcome = outcome_of(&mut seen, &first.id).await;
    assert!(matches!(&outcome, ActionOutcome::Applied(_)), "{outcome:?}");
    assert_eq!(kitchen.order(&order.id).await.status, Status::Ready);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_token_shows_unauthorized_and_a_good_one_works() {
    let token = |token: &str| kds_server::TokenConfig {
        token: token.to_owned(),
        role: kds_server::Role::Display,
        name: None,
    };
    let mut kitchen = Kitchen::with_tokens(vec![
        token("display-token"),
        kds_server::TokenConfig {
            role: kds_server::Role::Pos,
            ..token("pos-token")
        },
    ])
    .await;
    kitchen.token = Some("pos-token".to_owned());
    let dir = tempfile::tempdir().unwrap();

    let mut wrong = config(&[&kitchen.url], dir.path().join("wrong.json"));
    wrong.token = Some("not-a-token".to_owned());
    let (tx, rx) = mpsc::channel(64);
    let net = spawn(wrong, tx);
    let mut seen = Collector::new(rx);
    seen.until_state("Unauthorized", |s| {
        matches!(s, ConnState::Unauthorized { .. })
    })
    .await;
    // It stops asking: nothing more happens for a good while.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(seen.drain().is_empty());
    assert_eq!(seen.snapshots, 0);
    net.shutdown().await;

    let mut right = config(&[&kitchen.url], dir.path().join("right.json"));
    right.token = Some("display-token".to_owned());
    let (tx, rx) = mpsc::channel(64);
    let net = spawn(right, tx);
    let mut seen = Collector::new(rx);
    seen.until_live().await;
    let order = kitchen.create("grill", "Burger").await;
    seen.until_order(&order.id, Status::Pending).await;
    let action = bump(&order, 1);
    net.send(action.clone());
    assert!(matches!(
        outcome_of(&mut seen, &action.id).await,
        ActionOutcome::Applied(_)
    ));
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_server_fails_over_and_a_conflict_shows_the_real_state() {
    let kitchen = Kitchen::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dead = dead_url().await;
    let (net, mut seen) = start_client(&[&dead, &kitchen.url], &dir.path().join("q.json"));
    seen.until_live().await;
    let live_on = seen.states.last().cloned();
    assert_eq!(
        live_on,
        Some(ConnState::Live {
            server: kitchen.addr.to_string()
        })
    );

    let order = kitchen.create("grill", "Burger").await;
    seen.until_order(&order.id, Status::Pending).await;
    // Another terminal moves it first; our bump (from pending) must not land.
    assert_eq!(
        kitchen
            .set_status(&order.id, Status::Preparing, Status::Pending)
            .await,
        200
    );
    let late = move_action(&order, Status::Preparing, 1);
    net.send(late.clone());
    let outcome = outcome_of(&mut seen, &late.id).await;
    assert!(
        matches!(&outcome, ActionOutcome::Conflict(current) if current.status == Status::Preparing),
        "{outcome:?}"
    );
    seen.until_order(&order.id, Status::Preparing).await;
    assert_eq!(kitchen.order(&order.id).await.status, Status::Preparing);
    net.shutdown().await;
}

/// The server's `Date` on the engine's own connection reaches the app as a
/// reading of the server's clock, bounded by the round trip.
#[tokio::test]
async fn the_servers_date_is_read_from_its_answers() {
    let kitchen = Kitchen::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (net, mut seen) = start_client(&[&kitchen.url], &dir.path().join("q.json"));
    let before = kds_protocol::Timestamp::now();
    let reading = seen
        .until("a reading of the server's clock", |e| {
            matches!(e, NetEvent::ServerTime { .. })
        })
        .await;
    let NetEvent::ServerTime {
        date,
        sent,
        received,
    } = reading
    else {
        unreachable!("matched above")
    };
    // One machine, one clock: the Date (a whole second) lies within a
    // second of the round trip it was read in.
    assert!(sent <= received && sent >= before, "{sent:?} {received:?}");
    assert!(
        date.as_millis() <= received.as_millis(),
        "{date:?} after {received:?}"
    );
    assert!(
        date.as_millis() > sent.as_millis() - 1_000,
        "{date:?} long before {sent:?}"
    );
    net.shutdown().await;
}

/// The sum of `kds_http_requests_total` over the series whose labels hold
/// every one of `labels`.
fn requests_counted(metrics: &str, labels: &[&str]) -> u64 {
    metrics
        .lines()
        .filter(|line| line.starts_with("kds_http_requests_total{"))
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// A client over its rate waits as long as the server's `Retry-After` says
/// instead of backing off in tens of milliseconds: every action still lands,
/// in order, and the server answers 429 about once per action held back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_client_waits_as_long_as_it_is_told() {
    let token = |token: &str, role| kds_server::TokenConfig {
        token: token.to_owned(),
        role,
        name: None,
    };
    let mut kitchen = Kitchen::with(|config| {
        config.tokens = vec![
            token("till-token", kds_server::Role::Pos),
            token("screen-token", kds_server::Role::Display),
        ];
        // Each token: three changes at once, then one a second.
        config.rate_limits.changes_per_second = 1;
        config.rate_limits.change_burst = 3;
    })
    .await;
    kitchen.token = Some("till-token".to_owned());
    let dir = tempfile::tempdir().unwrap();
    let mut screen = config(&[&kitchen.url], dir.path().join("q.json"));
    screen.token = Some("screen-token".to_owned());
    let (tx, rx) = mpsc::channel(256);
    let net = spawn(screen, tx);
    let mut seen = Collector::new(rx);
    seen.until_live().await;

    let mut orders = Vec::new();
    for item in ["Burger", "Fries", "Shake"] {
        let order = kitchen.create("grill", item).await;
        seen.until_order(&order.id, Status::Pending).await;
        orders.push(order);
    }
    // Five changes from the screen: three pass at once, two are held back.
    let mut actions: Vec<_> = orders.iter().zip(1..).map(|(o, n)| bump(o, n)).collect();
    for (order, n) in orders[..2].iter().zip(4..) {
        let preparing = Order {
            status: Status::Preparing,
            ..order.clone()
        };
        actions.push(bump(&preparing, n));
    }
    for action in &actions {
        net.send(action.clone());
    }
    for action in &actions {
        let outcome = outcome_of(&mut seen, &action.id).await;
        assert!(matches!(outcome, ActionOutcome::Applied(_)), "{outcome:?}");
    }
    assert_eq!(kitchen.order(&orders[0].id).await.status, Status::Ready);
    assert_eq!(kitchen.order(&orders[2].id).await.status, Status::Preparing);

    // Backing off from 50 ms (these tests' timing) would have been refused
    // about five times per action held back; waiting out Retry-After, once.
    let metrics = kitchen.metrics().await;
    let refused = requests_counted(&metrics, &[r#"status="429""#]);
    assert!(
        (1..=4).contains(&refused),
        "{refused} answers 429 for two actions held back:\n{metrics}"
    );
    net.shutdown().await;
}
