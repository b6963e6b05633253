//! Instances that share a database share one stream of events.

use crate::cluster::{
    Cluster, NOTIFIED_WITHIN, PATIENCE, check_log, config, digest, follow_long_poll,
    follow_websocket, median_crossing, order_body, write_orders,
};
use kds_server::RunningServer;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use tokio::sync::watch;
use tokio::time::timeout;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_posted_to_a_reaches_a_display_on_b_at_once() {
    let Some(cluster) =
        Cluster::start("an_order_posted_to_a_reaches_a_display_on_b_at_once", 2).await
    else {
        return;
    };
    let a_to_b = median_crossing(&cluster, 0, 1, "grill").await;
    let b_to_a = median_crossing(&cluster, 1, 0, "bar").await;
    assert!(a_to_b < NOTIFIED_WITHIN, "A to B: {a_to_b:?}");
    assert!(b_to_a < NOTIFIED_WITHIN, "B to A: {b_to_a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_that_start_together_migrate_once() {
    let Some(cluster) = Cluster::start("instances_that_start_together_migrate_once", 0).await
    else {
        return;
    };
    let url = &cluster.database.url;
    let started: Vec<RunningServer> =
        futures_util::future::join_all((0..3).map(|_| kds_server::spawn(config(url))))
            .await
            .into_iter()
            .map(|spawned| spawned.expect("every instance starts"))
            .collect();
    let mut numbers = HashSet::new();
    for server in &started {
        let url = format!("{}/api/orders", server.base_url());
        let response = cluster
            .http
            .post(url)
            .json(&order_body("grill"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let order: Value = response.json().await.unwrap();
        numbers.insert(order["number"].as_i64().unwrap());
    }
    assert_eq!(numbers, HashSet::from([1, 2, 3]));
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    // Each migration once, however many instances ran them.
    let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(applied, i64::try_from(on_disk).unwrap());
    for server in started {
        server.shutdown().await;
    }
}

const WRITERS: usize = 8;
const ORDERS_PER_WRITER: usize = 4;
/// A create and three bumps: pending to completed.
const CHANGES_PER_ORDER: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_writers_on_two_instances_one_order_for_every_reader() {
    let Some(cluster) = Cluster::start(
        "eight_writers_on_two_instances_one_order_for_every_reader",
        2,
    )
    .await
    else {
        return;
    };
    let (all_done, all_target) = watch::channel(0);
    let (grill_done, grill_target) = watch::channel(0);
    let readers = (
        tokio::spawn(follow_websocket(cluster.url(0), "all", all_target.clone())),
        tokio::spawn(follow_websocket(cluster.url(1), "all", all_target.clone())),
        tokio::spawn(follow_websocket(
            cluster.url(0),
            "grill",
            grill_target.clone(),
        )),
        tokio::spawn(follow_long_poll(cluster.url(1), "grill", all_target)),
    );
    let acked: Vec<Value> = futures_util::future::join_all((0..WRITERS).map(|writer| {
        let station = ["grill", "bar"][writer % 2];
        write_orders(&cluster, writer, station, CHANGES_PER_ORDER, |n| {
            n < ORDERS_PER_WRITER
        })
    }))
    .await
    .concat();
    let total = (WRITERS * ORDERS_PER_WRITER * CHANGES_PER_ORDER) as i64;
    assert_eq!(acked.len() as i64, total);

    // The truth: the log as either instance serves it, holding every
    // acknowledged change exactly once.
    let truth = cluster.all_events(0, "all").await;
    assert_eq!(digest(&truth), digest(&cluster.all_events(1, "all").await));
    check_log(&truth, &acked);
    let grill = cluster.all_events(1, "grill").await;
    let grill_last = grill.last().unwrap()["seq"].as_i64().unwrap();
    assert_eq!(grill.len(), total as usize / 2);

    all_done.send_replace(total);
    grill_done.send_replace(grill_last);
    let (all_a, all_b, grill_a, grill_b) = readers;
    let within = |reader| timeout(PATIENCE, reader);
    assert_eq!(
        digest(&within(all_a).await.unwrap().unwrap()),
        digest(&truth),
        "all on A"
    );
    assert_eq!(
        digest(&within(all_b).await.unwrap().unwrap()),
        digest(&truth),
        "all on B"
    );
    assert_eq!(
        digest(&within(grill_a).await.unwrap().unwrap()),
        digest(&grill),
        "grill on A"
    );
    assert_eq!(
        digest(&within(grill_b).await.unwrap().unwrap()),
        digest(&grill),
        "grill on B"
    );
}
