//! Tokens and roles: 401 without a known token, 403 for a weak role.

use crate::support::{Backend, TestServer, code, order_body};
use kds_server::{Role, TokenConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A till (`till-secret`), a station screen (`screen-secret`) and a
/// manager's read-only screen (`viewer-secret`).
pub fn three_tokens() -> Vec<TokenConfig> {
    vec![
        TokenConfig {
            token: "till-secret".into(),
            role: Role::Pos,
            name: Some("front till".into()),
        },
        TokenConfig {
            token: "screen-secret".into(),
            role: Role::Display,
            name: None,
        },
        TokenConfig {
            token: "viewer-secret".into(),
            role: Role::Viewer,
            name: Some("office".into()),
        },
    ]
}

async fn with_tokens(backend: Backend) -> TestServer {
    TestServer::start_with(backend, |config| config.tokens = three_tokens()).await
}

pub async fn open_server_lets_everyone_in(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.create("grill").await;
    assert_eq!(
        server.get("/api/stations/grill/orders").await.0,
        StatusCode::OK
    );
}

pub async fn missing_or_unknown_tokens_are_401(backend: Backend) {
    let mut server = with_tokens(backend).await;
    for token in [None, Some("wrong"), Some("")] {
        server.token = token.map(str::to_owned);
        for (method, path) in [
            (Method::GET, "/api/stations/grill/orders"),
            (Method::GET, "/api/stations/all/events?since=0"),
            (Method::GET, "/api/orders/whatever"),
            (Method::POST, "/api/orders"),
            (Method::POST, "/api/orders/whatever/status"),
        ] {
            let (status, error) = server
                .call(
                    server
                        .request(method.clone(), path)
                        .json(&order_body("grill")),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{token:?} {method} {path}"
            );
            assert_eq!(code(&error), "unauthorized");
        }
    }
    // A scheme other than Bearer, and a token in the wrong place.
    let response = server
        .http
        .get(server.url("/api/stations/grill/orders"))
        .header("authorization", "Basic dGlsbC1zZWNyZXQ=")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // ?token= works for anything.
    let response = server
        .http
        .get(server.url("/api/stations/grill/orders?token=screen-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

pub async fn display_reads_and_moves_but_cannot_create(backend: Backend) {
    let mut server = with_tokens(backend).await;
    server.token = Some("till-secret".into());
    let order = server.create("grill").await;
    server.token = Some("screen-secret".into());
    let (status, error) = server.post("/api/orders", &order_body("grill")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&error), "forbidden");
    // Even a malformed body is refused for the role first: nothing is parsed.
    let (status, _) = server
        .call(server.request(Method::POST, "/api/orders").body("{"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        server.get("/api/stations/grill/orders").await.0,
        StatusCode::OK
    );
    assert_eq!(
        server.get("/api/stations/all/events?since=0").await.0,
        StatusCode::OK
    );
    let path = format!("/api/orders/{}", order["id"].as_str().unwrap());
    assert_eq!(server.get(&path).await.0, StatusCode::OK);
    let moved = server.bump(&order, "preparing").await;
    assert_eq!(moved["status"], "preparing");
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
}

pub async fn pos_may_do_everything(backend: Backend) {
    let mut server = with_tokens(backend).await;
    server.token = Some("till-secret".into());
    let order = server.create("grill").await;
    server.bump(&order, "preparing").await;
    assert_eq!(
        server.get("/api/stations/all/orders").await.0,
        StatusCode::OK
    );
    let (status, _) = server
        .post(
            &format!("/api/orders/{}/status", order["id"].as_str().unwrap()),
            &json!({"status": "ready"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Health and metrics stay open for probes and scrapers.
    server.token = None;
    assert_eq!(server.get("/healthz").await.0, StatusCode::OK);
}

pub async fn websocket_auth_happens_before_the_upgrade(backend: Backend) {
    let server = with_tokens(backend).await;
    for path in ["/ws/stations/grill", "/ws/stations/grill?token=wrong"] {
        let result = tokio_tungstenite::connect_async(server.ws_url(path)).await;
        match result {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401, "{path}");
                let body: serde_json::Value =
                    serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(code(&body), "unauthorized");
            }
            other => panic!("{path}: expected a 401 answer, got {:?}", other.map(|_| ())),
        }
    }
    let mut ws = server
        .connect("/ws/stations/grill?token=screen-secret")
        .await;
    assert_eq!(ws.json().await["type"], "snapshot");
}

pub async fn every_route_admits_exactly_the_roles_it_should(backend: Backend) {
    let mut server = with_tokens(backend).await;
    server.token = Some("till-secret".into());
    let order = server.create("grill").await;
    let id = order["id"].as_str().unwrap();
    let item = json!({"items": [{"name": "Pie", "qty": 1}]});
    // (method, path, body, the weakest role allowed)
    let routes = [
        (
            Method::GET,
            "/api/stations/grill/orders".to_owned(),
            json!(null),
            Role::Viewer,
        ),
        (
            Method::GET,
            "/api/stations/all/events?since=0".to_owned(),
            json!(null),
            Role::Viewer,
        ),
        (
            Method::GET,
            "/api/stations/grill/stats".to_owned(),
            json!(null),
            Role::Viewer,
        ),
        (
            Method::GET,
            format!("/api/orders/{id}"),
            json!(null),
            Role::Viewer,
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/items/1/done"),
            json!({"done": true}),
            Role::Display,
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/status"),
            json!({"status": "preparing", "from": "pending"}),
            Role::Display,
        ),
        (
            Method::POST,
            "/api/orders".to_owned(),
            order_body("grill"),
            Role::Pos,
        ),
        (
            Method::POST,
            "/api/checks".to_owned(),
            json!({"items": [{"name": "Tea", "qty": 1, "station": "bar"}]}),
            Role::Pos,
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}"),
            json!({"table": "2"}),
            Role::Pos,
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/items"),
            item,
            Role::Pos,
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/items/1/void"),
            json!({}),
            Role::Pos,
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/void"),
            json!({}),
            Role::Pos,
        ),
    ];
    for (token, role) in [
        ("viewer-secret", Role::Viewer),
        ("screen-secret", Role::Display),
        ("till-secret", Role::Pos),
    ] {
        server.token = Some(token.into());
        for (method, path, body, needs) in &routes {
            let mut request = server.request(method.clone(), path);
            if !body.is_null() {
                request = request.json(body);
            }
            let (status, answer) = server.call(request).await;
            if role >= *needs {
                assert!(
                    status.is_success() || status == StatusCode::CONFLICT,
                    "{token} {method} {path}: {status} {answer}"
                );
            } else {
                assert_eq!(
                    (status, code(&answer)),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{token} {method} {path}"
                );
            }
        }
    }
    // A viewer reads the WebSocket too.
    let mut ws = server
        .connect("/ws/stations/grill?token=viewer-secret")
        .await;
    assert_eq!(ws.json().await["type"], "snapshot");
}

/// `GET /api/session` (kds-server's own route) names the caller's role, so
/// a screen on a viewer token can say it is read-only; an open server's
/// callers may do everything, so they are `pos`.
pub async fn the_session_tells_each_token_its_role(backend: Backend) {
    let open = TestServer::start(backend).await;
    let (status, session) = open.get("/api/session").await;
    assert_eq!((status, session), (StatusCode::OK, json!({"role": "pos"})));

    let mut server = with_tokens(backend).await;
    for (token, role) in [
        ("viewer-secret", "viewer"),
        ("screen-secret", "display"),
        ("till-secret", "pos"),
    ] {
        server.token = Some(token.into());
        let (status, session) = server.get("/api/session").await;
        assert_eq!((status, session), (StatusCode::OK, json!({"role": role})));
    }
    server.token = Some("wrong".into());
    let (status, error) = server.get("/api/session").await;
    assert_eq!(
        (status, code(&error)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
}
