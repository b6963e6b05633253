//! The database cuts every session of every instance, again and again,
//! while writers write and displays watch: the instances recover by
//! themselves and no acknowledged event is lost, doubled or reordered.

use crate::cluster::{
    Cluster, NOTIFIED_WITHIN, PATIENCE, check_log, digest, follow_websocket, median_crossing,
    write_orders,
};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{sleep, timeout};

const WRITERS: usize = 4;
/// Rounds of `pg_terminate_backend` on every session of the database.
const CUTS: usize = 4;
const BETWEEN_CUTS: Duration = Duration::from_millis(250);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_database_sessions_under_load_lose_no_event() {
    let Some(cluster) = Cluster::start("cut_database_sessions_under_load_lose_no_event", 2).await
    else {
        return;
    };
    let (done, target) = watch::channel(0);
    let readers =
        [0, 1].map(|i| tokio::spawn(follow_websocket(cluster.url(i), "all", target.clone())));
    let cutting = AtomicBool::new(true);
    let writers = futures_util::future::join_all((0..WRITERS).map(|writer| {
        let station = ["grill", "bar"][writer % 2];
        // A create and a bump per order, for as long as the cuts go on.
        write_orders(&cluster, writer, station, 2, |n| {
            n < 3 || cutting.load(Ordering::Relaxed)
        })
    }));
    let cuts = async {
        let mut ended = Vec::new();
        for _ in 0..CUTS {
            sleep(BETWEEN_CUTS).await;
            ended.push(cluster.database.terminate_sessions().await);
        }
        cutting.store(false, Ordering::Relaxed);
        ended
    };
    let (acked, ended) = tokio::join!(writers, cuts);
    let acked: Vec<Value> = acked.concat();
    assert!(
        ended.iter().all(|&n| n > 0),
        "every cut ended sessions: {ended:?}"
    );

    let truth = cluster.all_events(1, "all").await;
    check_log(&truth, &acked);
    done.send_replace(acked.len() as i64);
    for (instance, reader) in readers.into_iter().enumerate() {
        let seen = timeout(PATIENCE, reader).await.unwrap().unwrap();
        assert_eq!(
            digest(&seen),
            digest(&truth),
            "the display on instance {instance}"
        );
    }
    // The commit listeners are back too: events cross at notification speed.
    let a_to_b = median_crossing(&cluster, 0, 1, "grill").await;
    let b_to_a = median_crossing(&cluster, 1, 0, "bar").await;
    assert!(a_to_b < NOTIFIED_WITHIN, "A to B: {a_to_b:?}");
    assert!(b_to_a < NOTIFIED_WITHIN, "B to A: {b_to_a:?}");
}
