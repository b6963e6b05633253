//! Orders: creation, reads and status moves.

use crate::support::{Backend, TestServer, code, order_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn is_contract_timestamp(value: &Value) -> bool {
    // 2026-11-22T18:04:05.123Z
    value.as_str().is_some_and(|t| {
        t.len() == 24 && t.ends_with('Z') && t.as_bytes()[19] == b'.' && t.as_bytes()[10] == b'T'
    })
}

pub async fn create_answers_201_with_the_server_fields(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    assert!(order["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(order["number"].as_i64().is_some_and(|n| n >= 1));
    assert_eq!(order["station"], "grill");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["version"], 1);
    assert_eq!(order["items"][0]["name"], "Classic Burger");
    assert_eq!(order["items"][0]["qty"], 2);
    assert_eq!(order["items"][0]["modifiers"], json!(["no onion"]));
    assert_eq!(order["notes"], "nut allergy");
    assert_eq!(order["kind"], "takeout");
    assert_eq!(order["customer"], "Sam");
    assert_eq!(order["rush"], true);
    for field in ["created_at", "updated_at", "status_at"] {
        assert!(
            is_contract_timestamp(&order[field]),
            "{field}: {}",
            order[field]
        );
    }
    // Defaults: kind dine_in, rush false, modifiers [].
    let (status, plain) = server
        .post(
            "/api/orders",
            &json!({"station": "bar", "items": [{"name": "Cola", "qty": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(plain["kind"], "dine_in");
    assert_eq!(plain["rush"], false);
    assert_eq!(plain["items"][0]["modifiers"], json!([]));
    assert_ne!(plain["id"], order["id"]);
}

pub async fn get_answers_the_order_or_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let (status, fetched) = server
        .get(&format!("/api/orders/{}", order["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, order);
    let (status, body) = server.get("/api/orders/no-such-order").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
}

pub async fn numbers_increase(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut last = 0;
    for station in ["grill", "bar", "grill", "cold"] {
        let number = server.create(station).await["number"].as_i64().unwrap();
        assert!(number > last, "{number} after {last}");
        last = number;
    }
}

pub async fn status_moves_one_step_either_way(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut order = server.create("grill").await;
    let mut version = 1;
    for to in [
        "preparing",
        "ready",
        "completed",
        "ready",
        "preparing",
        "pending",
    ] {
        let moved = server.bump(&order, to).await;
        version += 1;
        assert_eq!(moved["status"], to);
        assert_eq!(moved["version"], version);
        assert_eq!(moved["id"], order["id"]);
        assert_eq!(moved["created_at"], order["created_at"]);
        assert!(moved["status_at"].as_str() >= order["status_at"].as_str());
        order = moved;
    }
    // Without `from` a single step is fine too.
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    let (status, moved) = server.post(&path, &json!({"status": "preparing"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["status"], "preparing");
}

pub async fn other_moves_are_invalid_transitions_with_current(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    for to in ["ready", "completed"] {
        let (status, body) = server.post(&path, &json!({"status": to})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(code(&body), "invalid_transition");
        assert_eq!(body["current"], order);
    }
    // Setting the status it already has without `from` is not a step either.
    let (status, body) = server.post(&path, &json!({"status": "pending"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "invalid_transition");
    // Guarded, but two steps.
    let (status, body) = server
        .post(&path, &json!({"status": "ready", "from": "pending"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "invalid_transition");
    let (_, now) = server
        .get(&format!("/api/orders/{}", order["id"].as_str().unwrap()))
        .await;
    assert_eq!(now, order, "a refused move changes nothing");
}

pub async fn from_guard_conflicts_with_current(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let preparing = server.bump(&order, "preparing").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    // A second display still believes it is pending.
    let (status, body) = server
        .post(&path, &json!({"status": "preparing", "from": "pending"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "conflict");
    assert_eq!(body["current"], preparing);
}

pub async fn same_status_with_matching_from_is_200_without_event(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let before = server.events("all", 0).await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    let (status, same) = server
        .post(&path, &json!({"status": "pending", "from": "pending"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same, order, "no change, same version");
    let after = server.events("all", 0).await;
    assert_eq!(after["events"].as_array().unwrap().len(), 1);
    assert_eq!(before["seq"], after["seq"]);
}

pub async fn concurrent_bumps_with_the_same_from_one_wins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    let attempts = (0..8).map(|_| {
        let request = server
            .request(reqwest::Method::POST, &path)
            .json(&json!({"status": "preparing", "from": "pending"}));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let wins: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .collect();
    assert_eq!(wins.len(), 1, "{results:?}");
    for (status, body) in &results {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::CONFLICT);
            assert_eq!(code(body), "conflict");
            assert_eq!(body["current"], wins[0].1);
        }
    }
    let events = server.events("grill", 0).await;
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        2,
        "one create, one move"
    );
}

pub async fn unknown_fields_are_ignored(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut body = order_body("grill");
    body["coupon"] = json!("FREE");
    body["items"][0]["colour"] = json!("red");
    let (status, order) = server.post("/api/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(order.get("coupon").is_none());
}
