//! The load tools against a real kds-server on 127.0.0.1 port 0, with a
//! real `SQLite` store in a temp dir: small runs, so they take a second.

use kds_bench::clients::ConnectPlan;
use kds_bench::pty::{Launch, Pty};
use kds_bench::target::Target;
use kds_bench::{fanout, idle};
use kds_server::{RunningServer, ServerConfig};
use std::path::Path;
use std::time::Duration;

async fn server(dir: &tempfile::TempDir) -> RunningServer {
    kds_server::spawn(ServerConfig {
        listen: "127.0.0.1:0".parse().expect("a socket address"),
        database: format!("sqlite://{}", dir.path().join("kds.db").display()),
        ..ServerConfig::default()
    })
    .await
    .expect("server starts")
}

fn connect_plan() -> ConnectPlan {
    ConnectPlan {
        parallel: 4,
        timeout: Duration::from_secs(10),
    }
}

fn own_pid() -> Option<i32> {
    i32::try_from(std::process::id()).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_reaches_every_client_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir).await;
    let target = Target::new(&server.base_url(), None).unwrap();
    let plan = fanout::Plan {
        clients: 4,
        orders: 6,
        every: Duration::from_millis(10),
        station: "grill".into(),
        watch: "grill".into(),
        drain: Duration::from_secs(5),
        connect: connect_plan(),
        // The server runs in this process: its cost is ours.
        server_pid: own_pid(),
    };
    let report = fanout::run(&target, &plan).await.unwrap();
    assert_eq!(report.connected, 4, "{report:?}");
    assert_eq!(report.posted, 6, "{report:?}");
    assert_eq!(report.expected, 24);
    assert_eq!(report.delivered, 24, "{report:?}");
    assert_eq!(
        (report.missing, report.duplicated, report.dropped),
        (0, 0, 0)
    );
    let delivery = report.delivery.unwrap();
    assert_eq!(delivery.count, 24);
    assert!(delivery.p50_us <= delivery.p99_us && delivery.p99_us <= delivery.max_us);
    assert!(delivery.max_us < 5_000_000, "{delivery:?}");
    // Every frame reached its socket no later than the tool read it.
    let arrival = report.arrival.unwrap();
    assert_eq!(arrival.count, 24);
    assert!(
        arrival.max_us <= delivery.max_us,
        "{arrival:?} {delivery:?}"
    );
    let (first, first_arrival) = (
        report.first_delivery.unwrap(),
        report.first_arrival.unwrap(),
    );
    assert!(
        first_arrival.max_us <= first.max_us,
        "{first_arrival:?} {first:?}"
    );
    let cost = report.server.as_ref().unwrap();
    assert!(cost.cpu_seconds >= 0.0 && cost.after.peak_rss_kib > 0);
    let table = kds_bench::report::fanout_table(&report);
    assert!(table.contains("missing 0, duplicated 0"), "{table}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expo_view_sees_orders_of_a_station_and_failures_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir).await;
    let target = Target::new(&server.base_url(), None).unwrap();
    let plan = fanout::Plan {
        clients: 2,
        orders: 3,
        every: Duration::from_millis(5),
        station: "fry".into(),
        watch: "all".into(),
        drain: Duration::from_secs(5),
        connect: connect_plan(),
        server_pid: None,
    };
    let report = fanout::run(&target, &plan).await.unwrap();
    assert_eq!(report.delivered, 6, "{report:?}");
    assert!(report.server.is_none());

    // A station name the server refuses: every POST fails, and says why.
    let bad = fanout::Plan {
        station: "Bad Station".into(),
        drain: Duration::from_millis(100),
        ..plan
    };
    let report = fanout::run(&target, &bad).await.unwrap();
    assert_eq!(report.posted, 0);
    assert_eq!(report.post_failures.get("HTTP 422"), Some(&3), "{report:?}");
    assert_eq!(report.missing, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_clients_are_held_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir).await;
    let target = Target::new(&server.base_url(), None).unwrap();
    let plan = idle::Plan {
        clients: 20,
        watch: "grill".into(),
        hold: Duration::from_millis(200),
        connect: connect_plan(),
        server_pid: own_pid(),
    };
    let report = idle::run(&target, &plan).await.unwrap();
    assert_eq!(report.connected, 20, "{report:?}");
    assert_eq!(report.still_open, 20);
    assert!(report.connect_failures.is_empty());
    assert!(report.server.is_some());
    server.shutdown().await;

    // With the server gone, connecting fails and the failures are grouped.
    let report = idle::run(&target, &idle::Plan { clients: 3, ..plan })
        .await
        .unwrap();
    assert_eq!(report.connected, 0);
    assert_eq!(
        report.connect_failures.values().sum::<usize>(),
        3,
        "{report:?}"
    );
}

#[tokio::test]
async fn the_pty_times_the_first_appearance_of_a_text() {
    let args = [
        "-c".to_owned(),
        "printf 'warming up\\r\\nready: 42\\r\\n'".to_owned(),
    ];
    let (mut pty, started) = Pty::spawn(&Launch {
        program: Path::new("/bin/sh"),
        args: &args,
        env: &[],
        cols: 40,
        rows: 5,
        needle: "ready: 42".into(),
    })
    .unwrap();
    let found = pty.wait_found(Duration::from_secs(10)).await.unwrap();
    assert!(found >= started);
    assert!(pty.first_output().unwrap() <= found);
    assert!(pty.bytes() >= 20);
    assert_eq!(pty.wait_exit(Duration::from_secs(10)).await, Some(0));
}
