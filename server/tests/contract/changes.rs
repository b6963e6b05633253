//! Version 1.1: orders that change after they were sent: PATCH, add-on
//! lines, voided lines and orders, lines done, `ready_at`, `version` guards.

use crate::support::{Backend, TestServer, code, order_path};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The events of the order `id`, oldest first, as (type, version).
async fn history(server: &TestServer, order: &Value) -> Vec<(String, i64)> {
    server
        .all_events()
        .await
        .iter()
        .filter(|e| e["order"]["id"] == order["id"])
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["order"]["version"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn item_ids(order: &Value) -> Vec<String> {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn new_fields_are_always_present(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    for field in ["check_id", "voided_at", "void_reason", "ready_at"] {
        assert_eq!(order[field], Value::Null, "{field}: {order}");
    }
    assert_eq!(order["also_at"], json!([]));
    let item = &order["items"][0];
    assert_eq!(
        (item["id"].clone(), item["added_in"].clone()),
        (json!("1"), json!(1))
    );
    assert_eq!(
        (item["voided_at"].clone(), item["done_at"].clone()),
        (Value::Null, Value::Null)
    );
}

pub async fn patch_changes_fields_and_null_clears_them(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = order_path(&order, "");
    let (status, patched) = server
        .patch(
            &path,
            &json!({"notes": "SESAME ALLERGY", "table": "9", "customer": null, "kind": "dine_in", "rush": false, "version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["notes"], "SESAME ALLERGY");
    assert_eq!(patched["table"], "9");
    assert_eq!(patched["customer"], Value::Null);
    assert_eq!(patched["kind"], "dine_in");
    assert_eq!(patched["rush"], false);
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["status"], order["status"]);
    assert_eq!(patched["status_at"], order["status_at"]);
    assert_eq!(patched["items"], order["items"]);
    // Absent fields stay as they are.
    let (_, again) = server.patch(&path, &json!({"table": "10"})).await;
    assert_eq!(
        (again["notes"].clone(), again["table"].clone()),
        (json!("SESAME ALLERGY"), json!("10"))
    );
    assert_eq!(
        history(&server, &order).await,
        [
            ("created".into(), 1),
            ("updated".into(), 2),
            ("updated".into(), 3)
        ]
    );
    // Nothing to change: 200, no event, no new version.
    let (status, same) = server.patch(&path, &json!({"table": "10"})).await;
    assert_eq!(
        (status, same["version"].clone()),
        (StatusCode::OK, json!(3))
    );
    assert_eq!(history(&server, &order).await.len(), 3);
    for (body, field) in [
        (json!({"kind": null}), "kind"),
        (json!({"rush": null}), "rush"),
        (json!({"kind": "drive_thru"}), "kind"),
        (json!({"notes": "n".repeat(501)}), "notes"),
    ] {
        let (status, error) = server.patch(&path, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field)
        );
    }
    let (status, error) = server.patch(&path, &json!({"rush": "yes"})).await;
    assert_eq!(
        (status, code(&error)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (status, _) = server
        .patch("/api/orders/nope", &json!({"table": "1"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

pub async fn a_stale_version_is_409_with_current(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    server
        .patch(&order_path(&order, ""), &json!({"table": "1"}))
        .await;
    let stale = json!({"version": 1});
    for (method, path, mut body) in [
        (Method::PATCH, order_path(&order, ""), json!({"notes": "x"})),
        (
            Method::POST,
            order_path(&order, "/items"),
            json!({"items": [{"name": "Pie", "qty": 1}]}),
        ),
        (
            Method::POST,
            order_path(&order, "/void"),
            json!({"reason": "x"}),
        ),
        (Method::POST, order_path(&order, "/items/1/void"), json!({})),
    ] {
        body["version"] = stale["version"].clone();
        let (status, error) = server
            .call(server.request(method.clone(), &path).json(&body))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {error}");
        assert_eq!(code(&error), "conflict");
        assert_eq!(error["current"]["version"], 2);
        assert_eq!(error["current"]["table"], "1");
    }
    assert_eq!(history(&server, &order).await.len(), 2, "nothing changed");
    // The version the order has goes through.
    let (status, _) = server
        .patch(
            &order_path(&order, ""),
            &json!({"notes": "x", "version": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

pub async fn an_add_on_appends_lines_with_new_ids(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let added = server
        .change(
            &order_path(&order, "/items"),
            &json!({"items": [{"name": "Pie", "qty": 1}, {"name": "Tea", "qty": 2, "notes": "hot", "station": "grill"}], "version": 1}),
        )
        .await;
    assert_eq!(item_ids(&added), ["1", "2", "3"]);
    assert_eq!(added["version"], 2);
    assert_eq!(added["items"][1]["added_in"], 2);
    assert_eq!(added["items"][2]["notes"], "hot");
    assert_eq!(added["items"][0]["added_in"], 1);
    assert_eq!(added["status"], "pending");
    assert_eq!(history(&server, &order).await.last().unwrap().0, "updated");
    // Lines for another station go as a check; bad lines name themselves.
    for (body, field) in [
        (
            json!({"items": [{"name": "Cola", "qty": 1, "station": "bar"}]}),
            "items[0].station",
        ),
        (json!({"items": []}), "items"),
        (json!({}), "items"),
        (json!({"items": [{"name": "", "qty": 1}]}), "items[0].name"),
    ] {
        let (status, error) = server.post(&order_path(&order, "/items"), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{error}"
        );
    }
}

pub async fn an_add_on_to_a_completed_order_brings_it_back_to_preparing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut order = server.create("grill").await;
    for to in ["preparing", "ready", "completed"] {
        order = server.bump(&order, to).await;
    }
    assert!(
        order["ready_at"].is_string(),
        "kept on the way to completed"
    );
    let back = server
        .change(
            &order_path(&order, "/items"),
            &json!({"items": [{"name": "Dessert", "qty": 1}]}),
        )
        .await;
    assert_eq!(back["status"], "preparing");
    assert_eq!(back["ready_at"], Value::Null);
    assert_ne!(back["status_at"], order["status_at"]);
    assert_eq!(back["version"], order["version"].as_i64().unwrap() + 1);
    // One event, an `updated` one, for the whole change.
    let events = history(&server, &order).await;
    assert_eq!(events.last().unwrap(), &("updated".to_owned(), 5));
    assert_eq!(events.len(), 5);
    let (_, snapshot) = server.get("/api/stations/grill/orders").await;
    assert_eq!(
        snapshot["orders"][0]["id"], order["id"],
        "on the station's screen again"
    );
    // From ready too.
    let ready = server.bump(&back, "ready").await;
    let again = server
        .change(
            &order_path(&ready, "/items"),
            &json!({"items": [{"name": "Coffee", "qty": 1}]}),
        )
        .await;
    assert_eq!(again["status"], "preparing");
}

pub async fn an_order_holds_at_most_100_lines(backend: Backend) {
    let server = TestServer::start(backend).await;
    let many: Vec<Value> = (0..99)
        .map(|i| json!({"name": format!("x{i}"), "qty": 1}))
        .collect();
    let (status, order) = server
        .post("/api/orders", &json!({"station": "grill", "items": many}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    server
        .change(&order_path(&order, "/items/5/void"), &json!({}))
        .await;
    let one = json!({"items": [{"name": "last", "qty": 1}]});
    let full = server.change(&order_path(&order, "/items"), &one).await;
    assert_eq!(full["items"].as_array().unwrap().len(), 100);
    let (status, error) = server.post(&order_path(&order, "/items"), &one).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("items")
    );
}

pub async fn voiding_lines_and_then_the_last_voids_the_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, order) = server
        .post(
            "/api/orders",
            &json!({"station": "grill", "items": [{"name": "Burger", "qty": 1}, {"name": "Fries", "qty": 1}]}),
        )
        .await;
    let one = server
        .change(&order_path(&order, "/items/2/void"), &json!({"version": 1}))
        .await;
    assert!(one["items"][1]["voided_at"].is_string());
    assert_eq!(one["items"][0]["voided_at"], Value::Null);
    assert_eq!(one["voided_at"], Value::Null);
    // Again: 200 and no change. No body at all is a body of defaults.
    let response = server
        .request(Method::POST, &order_path(&order, "/items/2/void"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["version"], 2);
    let last = server
        .change(&order_path(&order, "/items/1/void"), &json!({}))
        .await;
    assert!(last["voided_at"].is_string(), "{last}");
    assert_eq!(last["status"], "pending");
    assert_eq!(last["version"], 3);
    assert_eq!(
        history(&server, &order).await,
        [
            ("created".into(), 1),
            ("updated".into(), 2),
            ("updated".into(), 3)
        ]
    );
    let (status, error) = server
        .post(&order_path(&order, "/items/9/void"), &json!({}))
        .await;
    assert_eq!((status, code(&error)), (StatusCode::NOT_FOUND, "not_found"));
}

pub async fn a_voided_order_keeps_its_status_and_can_only_be_cleared(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let order = server.bump(&order, "preparing").await;
    let voided = server
        .change(
            &order_path(&order, "/void"),
            &json!({"reason": "guest left"}),
        )
        .await;
    assert_eq!(voided["status"], "preparing");
    assert_eq!(voided["void_reason"], "guest left");
    assert!(voided["voided_at"].is_string());
    let again = server
        .change(&order_path(&order, "/void"), &json!({"reason": "other"}))
        .await;
    assert_eq!(
        (again["version"].clone(), again["void_reason"].clone()),
        (voided["version"].clone(), json!("guest left"))
    );
    let status_path = order_path(&order, "/status");
    for body in [
        json!({"status": "ready"}),
        json!({"status": "ready", "from": "preparing"}),
        json!({"status": "pending", "from": "preparing"}),
    ] {
        let (status, error) = server.post(&status_path, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(code(&error), "invalid_transition", "{body}");
        assert_eq!(error["current"]["id"], order["id"]);
    }
    let (status, error) = server
        .post(
            &status_path,
            &json!({"status": "completed", "from": "pending"}),
        )
        .await;
    assert_eq!((status, code(&error)), (StatusCode::CONFLICT, "conflict"));
    for (method, path, body) in [
        (Method::PATCH, order_path(&order, ""), json!({"notes": "x"})),
        (
            Method::POST,
            order_path(&order, "/items"),
            json!({"items": [{"name": "Pie", "qty": 1}]}),
        ),
        (
            Method::POST,
            order_path(&order, "/items/1/done"),
            json!({"done": true}),
        ),
    ] {
        let (status, error) = server
            .call(server.request(method.clone(), &path).json(&body))
            .await;
        assert_eq!(
            (status, code(&error)),
            (StatusCode::CONFLICT, "invalid_transition"),
            "{method} {path}"
        );
    }
    // A line that does not exist is not found, voided order or not.
    let (status, _) = server
        .post(&order_path(&order, "/items/9/done"), &json!({"done": true}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Straight to completed, from preparing, with a `status_changed` event.
    let cleared = server
        .change(
            &status_path,
            &json!({"status": "completed", "from": "preparing"}),
        )
        .await;
    assert_eq!(cleared["status"], "completed");
    assert_eq!(
        history(&server, &order).await.last().unwrap().0,
        "status_changed"
    );
    let (status, _) = server
        .post(
            &status_path,
            &json!({"status": "ready", "from": "completed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // From pending too, without `from`.
    let other = server.create("grill").await;
    server
        .change(&order_path(&other, "/void"), &json!({}))
        .await;
    let cleared = server
        .change(
            &order_path(&other, "/status"),
            &json!({"status": "completed"}),
        )
        .await;
    assert_eq!(
        (cleared["status"].clone(), cleared["void_reason"].clone()),
        (json!("completed"), Value::Null)
    );
    let (status, error) = server
        .post(
            &order_path(&other, "/void"),
            &json!({"reason": "r".repeat(201)}),
        )
        .await;
    assert_eq!(
        (status, code(&error)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
}

pub async fn lines_are_marked_done_and_undone(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, order) = server
        .post(
            "/api/orders",
            &json!({"station": "grill", "items": [{"name": "Burger", "qty": 1}, {"name": "Fries", "qty": 1}]}),
        )
        .await;
    let done = server
        .change(&order_path(&order, "/items/1/done"), &json!({"done": true}))
        .await;
    assert!(done["items"][0]["done_at"].is_string());
    assert_eq!(done["items"][1]["done_at"], Value::Null);
    assert_eq!(done["version"], 2);
    let same = server
        .change(&order_path(&order, "/items/1/done"), &json!({"done": true}))
        .await;
    assert_eq!(same["version"], 2, "already done: no change");
    let undone = server
        .change(
            &order_path(&order, "/items/1/done"),
            &json!({"done": false}),
        )
        .await;
    assert_eq!(
        (
            undone["items"][0]["done_at"].clone(),
            undone["version"].clone()
        ),
        (Value::Null, json!(3))
    );
    assert_eq!(history(&server, &order).await.len(), 3);
    let (status, error) = server
        .post(&order_path(&order, "/items/1/done"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, _) = server
        .post(&order_path(&order, "/items/7/done"), &json!({"done": true}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server
        .change(&order_path(&order, "/items/2/void"), &json!({}))
        .await;
    let (status, error) = server
        .post(&order_path(&order, "/items/2/done"), &json!({"done": true}))
        .await;
    assert_eq!(
        (status, code(&error)),
        (StatusCode::CONFLICT, "invalid_transition")
    );
    assert_eq!(error["current"]["id"], order["id"]);
}

pub async fn ready_at_follows_the_status(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let preparing = server.bump(&order, "preparing").await;
    assert_eq!(preparing["ready_at"], Value::Null);
    let ready = server.bump(&preparing, "ready").await;
    assert_eq!(ready["ready_at"], ready["status_at"]);
    let completed = server.bump(&ready, "completed").await;
    assert_eq!(completed["ready_at"], ready["ready_at"]);
    let recalled = server.bump(&completed, "ready").await;
    assert_eq!(recalled["ready_at"], recalled["status_at"]);
    let back = server.bump(&recalled, "preparing").await;
    assert_eq!(back["ready_at"], Value::Null);
}

pub async fn every_change_takes_an_idempotency_key(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let changes = [
        (
            Method::PATCH,
            order_path(&order, ""),
            json!({"table": "3"}),
            json!({"table": "4"}),
        ),
        (
            Method::POST,
            order_path(&order, "/items"),
            json!({"items": [{"name": "Pie", "qty": 1}]}),
            json!({"items": [{"name": "Tea", "qty": 1}]}),
        ),
        (
            Method::POST,
            order_path(&order, "/items/2/done"),
            json!({"done": true}),
            json!({"done": false}),
        ),
        (
            Method::POST,
            order_path(&order, "/items/1/void"),
            json!({}),
            json!({"version": 4}),
        ),
        (
            Method::POST,
            order_path(&order, "/void"),
            json!({"reason": "x"}),
            json!({"reason": "y"}),
        ),
    ];
    for (n, (method, path, body, other)) in changes.iter().enumerate() {
        let key = format!("pos-{n}");
        let (status, first) = server.keyed(method.clone(), path, &key, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {first}");
        let events = server.all_events().await.len();
        let (status, again) = server.keyed(method.clone(), path, &key, body).await;
        assert_eq!((status, &again), (StatusCode::OK, &first), "{path}");
        assert_eq!(
            server.all_events().await.len(),
            events,
            "{path}: a repeat changes nothing"
        );
        // The same key for another request is refused.
        let (status, error) = server.keyed(method.clone(), path, &key, other).await;
        assert_eq!(
            (status, code(&error)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{path}"
        );
        // And for another kind of request altogether.
        let (status, error) = server
            .keyed(
                Method::POST,
                "/api/orders",
                &key,
                &crate::support::order_body("bar"),
            )
            .await;
        assert_eq!(
            (status, code(&error)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{path}: the key of another kind"
        );
    }
}

pub async fn display_may_not_edit_or_void_but_may_mark_lines_done(backend: Backend) {
    let mut server = TestServer::start_with(backend, |config| {
        config.tokens = crate::auth::three_tokens();
    })
    .await;
    server.token = Some("till-secret".into());
    let order = server.create("grill").await;
    server.token = Some("screen-secret".into());
    for (method, path, body) in [
        (Method::PATCH, order_path(&order, ""), json!({"notes": "x"})),
        (
            Method::POST,
            order_path(&order, "/items"),
            json!({"items": [{"name": "Pie", "qty": 1}]}),
        ),
        (Method::POST, order_path(&order, "/void"), json!({})),
        (Method::POST, order_path(&order, "/items/1/void"), json!({})),
        (
            Method::POST,
            "/api/checks".to_owned(),
            json!({"items": [{"name": "Tea", "qty": 1, "station": "bar"}]}),
        ),
    ] {
        let (status, error) = server
            .call(server.request(method.clone(), &path).json(&body))
            .await;
        assert_eq!(
            (status, code(&error)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
    }
    assert_eq!(history(&server, &order).await.len(), 1);
    let done = server
        .change(&order_path(&order, "/items/1/done"), &json!({"done": true}))
        .await;
    assert!(done["items"][0]["done_at"].is_string());
}

pub async fn concurrent_add_ons_all_land_with_distinct_ids(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = order_path(&order, "/items");
    let adds = (0..8).map(|n| {
        let body = json!({"items": [{"name": format!("extra {n}"), "qty": 1}]});
        let path = path.clone();
        let server = &server;
        async move { server.post(&path, &body).await }
    });
    let results = futures_util::future::join_all(adds).await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::OK),
        "{results:?}"
    );
    let (_, last) = server.get(&order_path(&order, "")).await;
    let ids = item_ids(&last);
    assert_eq!(ids.len(), 9);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 9, "{ids:?}");
    let mut names: Vec<_> = last["items"].as_array().unwrap()[1..]
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        (0..8).map(|n| format!("extra {n}")).collect::<Vec<_>>()
    );
    assert_eq!(last["version"], 9);
}

pub async fn changes_reach_the_websocket_as_updated_events(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let mut ws = server.connect("/ws/stations/grill?since=1").await;
    server
        .change(&order_path(&order, "/items/1/void"), &json!({}))
        .await;
    let frame = ws.json().await;
    assert_eq!(frame["type"], "event");
    assert_eq!(frame["event"], "updated");
    assert!(frame["order"]["items"][0]["voided_at"].is_string());
    assert!(
        frame["order"]["voided_at"].is_string(),
        "its only line went"
    );
}
