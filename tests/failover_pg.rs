//! A kitchen group of two kds-server instances, each a process of its own,
//! on one `PostgreSQL` database; the display (the real network engine,
//! `--server A --server B`) watches through A. A is killed with SIGKILL: the
//! display moves to B and resumes with `since`, missing nothing and needing
//! no fresh snapshot. Skipped, and saying so, when `KDS_TEST_DATABASE_URL`
//! is unset; CI sets it.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fault_support;
mod net_support;
#[path = "../server/tests/pg_support/mod.rs"]
mod pg_support;

use fault_support::api::Api;
use fault_support::server::{FAST_SERVER_CONFIG, ServerProcess};
use kds::msg::{ActionOutcome, ConnState, NetEvent};
use kds_protocol::Status;
use net_support::{Collector, bump, config};
use pg_support::{FreshDatabase, admin_url};
use tokio::sync::mpsc;

/// Starts an instance; it blocks while the process starts.
fn instance(database: &str) -> ServerProcess {
    tokio::task::block_in_place(|| ServerProcess::start_with_database(FAST_SERVER_CONFIG, database))
}

fn label(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_fails_over_from_a_killed_instance_without_a_gap() {
    let Some(admin) = admin_url("a_display_fails_over_from_a_killed_instance_without_a_gap") else {
        return;
    };
    let database = FreshDatabase::create(&admin).await;
    let mut a = instance(&database.url);
    let a_url = a.url.clone();
    let b = instance(&database.url);
    let b_url = b.url.clone();
    let pos = Api::new(&b_url);
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(256);
    let net = kds::net::spawn(config(&[&a_url, &b_url], dir.path().join("q.json")), tx);
    let mut seen = Collector::new(rx);
    let on_a = label(&a_url);
    seen.until_state(
        "Live on A",
        |s| matches!(s, ConnState::Live { server } if *server == on_a),
    )
    .await;

    // The point of sale talks to B; the display on A sees its orders.
    let mut orders = Vec::new();
    for _ in 0..3 {
        orders.push(pos.create("grill", "Fries").await);
    }
    for order in &orders {
        seen.until_order(&order.id, Status::Pending).await;
    }

    tokio::task::block_in_place(|| a.kill());
    // The kitchen goes on while the display notices and moves.
    for _ in 0..3 {
        orders.push(pos.create("grill", "Fries").await);
    }
    let on_b = label(&b_url);
    seen.until_state(
        "Live on B",
        |s| matches!(s, ConnState::Live { server } if *server == on_b),
    )
    .await;
    for order in &orders {
        seen.until_order(&order.id, Status::Pending).await;
    }
    // A resume, not a resync: one snapshot (the first, on A) and every
    // event exactly once, in order (the collector checks as it goes).
    assert_eq!(seen.snapshots, 1);
    assert_eq!(seen.seqs, (1..=6).collect::<Vec<_>>());

    // And the display's own actions now go to B.
    let action = bump(&orders[0], 1);
    net.send(action.clone());
    let done = seen
        .until(
            "the bump's answer",
            |e| matches!(e, NetEvent::ActionDone { id, .. } if *id == action.id),
        )
        .await;
    assert!(
        matches!(&done, NetEvent::ActionDone { outcome: ActionOutcome::Applied(o), .. } if o.status == Status::Preparing),
        "{done:?}"
    );
    seen.until_order(&orders[0].id, Status::Preparing).await;
    net.shutdown().await;
    drop(b);
}
