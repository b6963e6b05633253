//! The error shape and codes: 400, 413, 422, 404, 405.

use crate::support::{Backend, TestServer, code, order_body};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn raw_post(
    server: &TestServer,
    path: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, Value) {
    server
        .call(
            server
                .request(Method::POST, path)
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
        .await
}

fn assert_error_shape(body: &Value, expected: &str) {
    assert_eq!(code(body), expected, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

pub async fn malformed_json_and_wrong_types_are_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let id = server.create("grill").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for body in [
        "",
        "{",
        "not json",
        "[]",
        r#"{"station": 5, "items": [{"name": "a", "qty": 1}]}"#,
        r#"{"station": "grill", "items": "burger"}"#,
        r#"{"station": "grill", "items": [{"name": "a", "qty": "2"}]}"#,
        r#"{"station": "grill", "items": [{"name": "a", "qty": 1.5}]}"#,
        r#"{"station": "grill", "items": [{"name": "a", "qty": 1}], "rush": "yes"}"#,
    ] {
        let (status, error) = raw_post(&server, "/api/orders", "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error_shape(&error, "bad_request");
    }
    let path = format!("/api/orders/{id}/status");
    for body in [
        "",
        "{\"status\": ",
        r#"{"status": 3}"#,
        r#"{"status": "ready", "from": []}"#,
    ] {
        let (status, error) = raw_post(&server, &path, "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error_shape(&error, "bad_request");
    }
}

pub async fn bodies_are_json_whatever_their_content_type(backend: Backend) {
    let server = TestServer::start(backend).await;
    let body = order_body("grill").to_string();
    for content_type in [
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
    ] {
        let (status, order) = raw_post(&server, "/api/orders", content_type, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{content_type}: {order}");
    }
    let (status, error) = raw_post(
        &server,
        "/api/orders",
        "application/x-www-form-urlencoded",
        "station=grill&item=burger",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_shape(&error, "bad_request");
    let (_, snapshot) = server.get("/api/stations/grill/orders").await;
    assert_eq!(snapshot["orders"].as_array().map(Vec::len), Some(3));
}

pub async fn oversized_bodies_are_413(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut body = order_body("grill");
    body["notes"] = json!("x".repeat(70 * 1024));
    let (status, error) = server.post("/api/orders", &body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error_shape(&error, "too_large");
    // Also without a Content-Length: a chunked body that grows past the limit.
    let answer = chunked_post(&server, "/api/orders", 20, 8 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"too_large\""), "{answer}");
    // Just under the limit is fine.
    let mut body = order_body("grill");
    body["notes"] = json!("x".repeat(400));
    assert_eq!(
        server.post("/api/orders", &body).await.0,
        StatusCode::CREATED
    );
}

pub async fn broken_rules_are_422_naming_the_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let item = json!({"name": "Burger", "qty": 1});
    let cases = [
        (json!({"items": [item]}), "station"),
        (json!({"station": "all", "items": [item]}), "station"),
        (json!({"station": "Grill", "items": [item]}), "station"),
        (
            json!({"station": "x".repeat(33), "items": [item]}),
            "station",
        ),
        (json!({"station": "grill"}), "items"),
        (json!({"station": "grill", "items": []}), "items"),
        (
            json!({"station": "grill", "items": vec![item.clone(); 101]}),
            "items",
        ),
        (
            json!({"station": "grill", "items": [{"name": "", "qty": 1}]}),
            "items[0].name",
        ),
        (
            json!({"station": "grill", "items": [{"name": "a", "qty": 0}]}),
            "items[0].qty",
        ),
        (
            json!({"station": "grill", "items": [{"name": "a", "qty": 100}]}),
            "items[0].qty",
        ),
        (
            json!({"station": "grill", "items": [{"name": "a", "qty": 1, "modifiers": vec!["m"; 21]}]}),
            "items[0].modifiers",
        ),
        (
            json!({"station": "grill", "items": [{"name": "a", "qty": 1, "notes": "n".repeat(201)}]}),
            "items[0].notes",
        ),
        (
            json!({"station": "grill", "items": [item], "notes": "n".repeat(501)}),
            "notes",
        ),
        (
            json!({"station": "grill", "items": [item], "table": "t".repeat(33)}),
            "table",
        ),
        (
            json!({"station": "grill", "items": [item], "customer": "c".repeat(65)}),
            "customer",
        ),
        (
            json!({"station": "grill", "items": [item], "kind": "drive_thru"}),
            "kind",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = server.post("/api/orders", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_error_shape(&error, "invalid");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{field}: {message}");
    }
    let order = server.create("grill").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    for (body, field) in [
        (json!({}), "status"),
        (json!({"status": "done"}), "status"),
        (json!({"status": "preparing", "from": "cooking"}), "from"),
    ] {
        let (status, error) = server.post(&path, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field)
        );
    }
}

pub async fn bad_station_paths_are_422(backend: Backend) {
    let server = TestServer::start(backend).await;
    for station in ["Grill", "-x", "a%20b", &"x".repeat(33)] {
        for path in [
            format!("/api/stations/{station}/orders"),
            format!("/api/stations/{station}/events?since=0"),
        ] {
            let (status, error) = server.get(&path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert_error_shape(&error, "invalid");
        }
    }
}

pub async fn unknown_ids_are_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, error) = server
        .post("/api/orders/nope/status", &json!({"status": "preparing"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_shape(&error, "not_found");
    let (status, error) = server
        .get("/api/orders/01a201b4-0000-7000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_shape(&error, "not_found");
}

pub async fn unknown_routes_and_methods_answer_in_shape(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, error) = server.get("/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_shape(&error, "not_found");
    let (status, error) = server
        .call(server.request(Method::DELETE, "/api/orders"))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(error["error"]["code"].is_string(), "{error}");
    let (status, error) = server
        .call(server.request(Method::PUT, "/api/stations/grill/orders"))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(error["error"]["code"].is_string(), "{error}");
}

pub async fn nothing_malformed_changes_data(backend: Backend) {
    let server = TestServer::start(backend).await;
    let order = server.create("grill").await;
    let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
    let junk = [
        (
            "/api/orders",
            "{\"station\": \"grill\", \"items\": [{\"name\": \"a\", \"qty\": 1}]",
        ),
        ("/api/orders", "\u{0}\u{1}\u{2}"),
        (path.as_str(), "{\"status\": \"completed\"}"),
        (path.as_str(), "{\"status\": null, \"from\": \"pending\"}"),
        ("/api/orders/../orders", "{}"),
    ];
    for (target, body) in junk {
        let (status, _) = raw_post(&server, target, "application/json", body).await;
        assert!(status.is_client_error(), "{target} {body}: {status}");
    }
    let page = server.events("all", 0).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 1, "{page}");
    let (status, ok) = server.get("/healthz").await;
    assert_eq!((status, ok), (StatusCode::OK, Value::Null));
}

/// Sends a chunked POST by hand (reqwest always knows the length) and
/// returns the raw answer.
async fn chunked_post(server: &TestServer, path: &str, chunks: usize, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{size:x}\r\n{}\r\n", " ".repeat(size));
    for _ in 0..chunks {
        // The server may answer and close before the last chunk.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(crate::support::PATIENCE, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}
