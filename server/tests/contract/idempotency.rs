//! `Idempotency-Key` on both POSTs.

use crate::support::{Backend, TestServer, code, order_body};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post_with_key(
    server: &TestServer,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    server
        .call(
            server
                .request(Method::POST, path)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
}

async fn open_orders(server: &TestServer) -> usize {
    let (_, snapshot) = server.get("/api/stations/all/orders").await;
    snapshot["orders"].as_array().unwrap().len()
}

pub async fn repeated_create_returns_200_and_creates_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let body = order_body("grill");
    let (status, first) = post_with_key(&server, "/api/orders", "till-1-0001", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    let seq = server.events("all", 0).await["seq"].clone();
    for _ in 0..3 {
        let (status, again) = post_with_key(&server, "/api/orders", "till-1-0001", &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, first);
    }
    assert_eq!(open_orders(&server).await, 1);
    assert_eq!(server.events("all", 0).await["seq"], seq, "no new event");
    // Another key is another order.
    let (status, second) = post_with_key(&server, "/api/orders", "till-1-0002", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["id"], first["id"]);
    // Concurrent repeats of a fresh key still create one order.
    let tries = (0..6).map(|_| post_with_key(&server, "/api/orders", "till-1-0003", &body));
    let results = futures_util::future::join_all(tries).await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(_, order)| order["id"] == results[0].1["id"])
    );
    assert_eq!(open_orders(&server).await, 3);
}

pub async fn key_reused_with_another_body_is_422(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, _) = post_with_key(&server, "/api/orders", "k1", &order_body("grill")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = post_with_key(&server, "/api/orders", "k1", &order_body("bar")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&error), "invalid");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Idempotency-Key")
    );
    assert_eq!(open_orders(&server).await, 1);
}

pub async fn malformed_keys_are_422(backend: Backend) {
    let server = TestServer::start(backend).await;
    for key in ["", &"k".repeat(129)] {
        let (status, error) =
            post_with_key(&server, "/api/orders", key, &order_body("grill")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key:?}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Idempotency-Key")
        );
    }
    let (status, _) = post_with_key(
        &server,
        "/api/orders",
        &"k".repeat(128),
        &order_body("grill"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(open_orders(&server).await, 1);
}

pub async fn repeated_status_move_returns_the_first_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    let bump = json!({"status": "preparing", "from": "pending"});
    let (status, first) = post_with_key(&server, &path, "bump-1", &bump).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["status"], "preparing");
    let (status, again) = post_with_key(&server, &path, "bump-1", &bump).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    // Moved on since; the repeat still answers as the first time.
    server.bump(&first, "ready").await;
    let (status, again) = post_with_key(&server, &path, "bump-1", &bump).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    let events = server.events("grill", 0).await;
    assert_eq!(events["events"].as_array().unwrap().len(), 3);
    let (status, error) =
        post_with_key(&server, &path, "bump-1", &json!({"status": "completed"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}

pub async fn keys_survive_a_restart(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, first) =
        post_with_key(&server, "/api/orders", "durable-key", &order_body("grill")).await;
    assert_eq!(status, StatusCode::CREATED);
    let server = server.restart().await;
    let (status, again) =
        post_with_key(&server, "/api/orders", "durable-key", &order_body("grill")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    assert_eq!(open_orders(&server).await, 1);
}
