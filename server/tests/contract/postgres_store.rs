//! What only the `PostgreSQL` backend can show: a database that cuts every
//! session and refuses new ones answers 503, and the server recovers alone.

use crate::support::{Backend, TestServer, code, eventually, order_body};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_then_recovers() {
    let backend = Backend::Postgres;
    if !backend.runs("postgres_store::an_unreachable_database_answers_503_then_recovers") {
        return;
    }
    // The socket is not read during the outage: no pongs, so no dead-peer close.
    let server = TestServer::start_with(backend, |config| {
        config.websocket.dead_after = std::time::Duration::from_secs(60);
    })
    .await;
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    server.create("grill").await;
    assert_eq!(ws.json().await["seq"], 1);

    let database = server.database.postgres.as_ref().unwrap();
    database.allow_connections(false).await;
    assert!(database.terminate_sessions().await >= 1);
    let (status, error) = server.post("/api/orders", &order_body("grill")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(code(&error), "unavailable");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(!message.contains("database \""), "{message}");
    let (status, _) = server.get("/api/stations/grill/orders").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    database.allow_connections(true).await;
    // The pool reconnects on demand; the listener on its own.
    let order = eventually(|| async {
        let (status, order) = server.post("/api/orders", &order_body("grill")).await;
        (status == StatusCode::CREATED).then_some(order)
    })
    .await;
    assert_eq!(order["number"], 2, "the refused write left nothing behind");
    // The open WebSocket never saw a gap: the next frame is seq 2.
    assert_eq!(ws.json().await["seq"], 2);
    let page = server.events("grill", 0).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
}
