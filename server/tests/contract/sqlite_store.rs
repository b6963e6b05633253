//! What only the `SQLite` backend can show: a database locked by someone else.

use crate::support::{Backend, TestServer, code, order_body};
use reqwest::StatusCode;
use sqlx::Connection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_while_reads_go_on() {
    let server = TestServer::start(Backend::Sqlite).await;
    server.create("grill").await;
    let file = server.dir.path().join("kds.db");
    let mut intruder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut intruder)
        .await
        .unwrap();
    // The write waits out the busy timeout, then fails cleanly.
    let (status, error) = server.post("/api/orders", &order_body("grill")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(code(&error), "unavailable");
    assert!(
        !error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("SQLITE")
    );
    // Reads and WebSockets keep serving meanwhile (WAL).
    let (status, snapshot) = server.get("/api/stations/grill/orders").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(snapshot["orders"].as_array().unwrap().len(), 1);
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    sqlx::query("ROLLBACK")
        .execute(&mut intruder)
        .await
        .unwrap();
    // Writable again, and the failed write left nothing behind.
    let order = server.create("grill").await;
    assert_eq!(order["number"], 2);
    assert_eq!(ws.json().await["seq"], 2);
}
