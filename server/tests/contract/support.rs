//! The fixture every contract test runs on: a real server on 127.0.0.1:0
//! over a real store, plain HTTP through reqwest and real `WebSocket`s.
//!
//! Tests take a [`Backend`] so every store runs the very same suite:
//! `SQLite` in a temp dir, and `PostgreSQL` in a fresh database on the
//! server `KDS_TEST_DATABASE_URL` names (skipped, and saying so, when unset).

use crate::pg_support::{FreshDatabase, URL_VAR, admin_url};
use futures_util::{SinkExt, StreamExt};
use kds_server::{RunningServer, ServerConfig, WebSocketConfig};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single wait in a test may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test, gone with this value.
pub struct TestDatabase {
    pub url: String,
    /// The `PostgreSQL` database, dropped with the guard.
    pub postgres: Option<FreshDatabase>,
}

impl Backend {
    /// Whether `test` can run on this backend here; says so when it cannot.
    pub fn runs(self, test: &str) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => admin_url(test).is_some(),
        }
    }

    pub async fn database(self, dir: &tempfile::TempDir) -> TestDatabase {
        match self {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("kds.db").display()),
                postgres: None,
            },
            Backend::Postgres => {
                let admin = std::env::var(URL_VAR).expect("checked by Backend::runs");
                let fresh = FreshDatabase::create(&admin).await;
                TestDatabase {
                    url: fresh.url.clone(),
                    postgres: Some(fresh),
                }
            }
        }
    }
}

pub struct TestServer {
    server: Option<RunningServer>,
    pub config: ServerConfig,
    pub base: String,
    pub http: reqwest::Client,
    /// Sent as `Authorization: Bearer` by [`TestServer::request`].
    pub token: Option<String>,
    pub backend: Backend,
    // Last: the database outlives the server.
    pub database: TestDatabase,
    pub dir: tempfile::TempDir,
}

/// Quick heartbeats so the heartbeat rows of the contract test in a second.
pub fn fast_websockets() -> WebSocketConfig {
    WebSocketConfig {
        ping_every: Duration::from_millis(250),
        dead_after: Duration::from_millis(1500),
        send_timeout: Duration::from_secs(1),
        feed_capacity: 256,
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts with the test defaults changed by `adjust`.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = backend.database(&dir).await;
        let mut config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: database.url.clone(),
            websocket: fast_websockets(),
            ..ServerConfig::default()
        };
        adjust(&mut config);
        Self::start_in(backend, (database, dir), config).await
    }

    async fn start_in(
        backend: Backend,
        (database, dir): (TestDatabase, tempfile::TempDir),
        config: ServerConfig,
    ) -> Self {
        let server = kds_server::spawn(config.clone())
            .await
            .expect("server starts");
        let base = server.base_url();
        Self {
            server: Some(server),
            config,
            base,
            http: reqwest::Client::builder()
                .timeout(PATIENCE * 4)
                .build()
                .unwrap(),
            token: None,
            backend,
            database,
            dir,
        }
    }

    /// Stops the server gracefully and starts a new one on the same store.
    pub async fn restart(mut self) -> Self {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        let token = self.token.take();
        let mut next = Self::start_in(self.backend, (self.database, self.dir), self.config).await;
        next.token = token;
        next
    }

    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.base.trim_start_matches("http://"))
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request and returns its status and JSON body (`Null` if none).
    pub async fn call(&self, builder: RequestBuilder) -> (StatusCode, Value) {
        let response = builder.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(self.request(Method::POST, path).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(self.request(Method::PATCH, path).json(body))
            .await
    }

    /// A POST or PATCH with an `Idempotency-Key`.
    pub async fn keyed(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        self.call(
            self.request(method, path)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    /// `POST path` that must answer 200; returns the order.
    pub async fn change(&self, path: &str, body: &Value) -> Value {
        let (status, order) = self.post(path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {order}");
        order
    }

    /// Creates a check and returns the answer; fails the test otherwise.
    pub async fn create_check(&self, body: &Value) -> Value {
        let (status, check) = self.post("/api/checks", body).await;
        assert_eq!(status, StatusCode::CREATED, "{check}");
        check
    }

    /// Every event of every station, in order.
    pub async fn all_events(&self) -> Vec<Value> {
        self.events("all", 0).await["events"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Creates an order at `station` and returns it; fails the test otherwise.
    pub async fn create(&self, station: &str) -> Value {
        let (status, order) = self.post("/api/orders", &order_body(station)).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order
    }

    /// Moves an order, guarded by its current status; returns the new order.
    pub async fn bump(&self, order: &Value, to: &str) -> Value {
        let path = format!("/api/orders/{}/status", order["id"].as_str().unwrap());
        let (status, moved) = self
            .post(&path, &json!({"status": to, "from": order["status"]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        moved
    }

    /// The text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.http.get(self.url("/metrics")).send().await;
        response
            .expect("metrics answered")
            .text()
            .await
            .expect("metrics read")
    }

    pub async fn events(&self, station: &str, since: i64) -> Value {
        let (status, page) = self
            .get(&format!("/api/stations/{station}/events?since={since}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    }

    pub async fn connect(&self, path: &str) -> Ws {
        let url = self.ws_url(path);
        let mut request = url.into_client_request().unwrap();
        if let Some(token) = &self.token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        let (ws, _) = tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(request))
            .await
            .expect("connect in time")
            .expect("websocket connects");
        Ws(ws)
    }
}

/// A valid `NewOrder` body.
pub fn order_body(station: &str) -> Value {
    json!({
        "station": station,
        "items": [{"name": "Classic Burger", "qty": 2, "modifiers": ["no onion"]}],
        "notes": "nut allergy",
        "kind": "takeout",
        "customer": "Sam",
        "rush": true
    })
}

/// The path of order `order` with `rest` after it.
pub fn order_path(order: &Value, rest: &str) -> String {
    format!("/api/orders/{}{rest}", order["id"].as_str().unwrap())
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

/// A WebSocket client for tests.
pub struct Ws(pub WebSocketStream<MaybeTlsStream<TcpStream>>);

/// What the next meaningful thing on a socket was.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    Ping,
    Close(Option<u16>),
    /// The stream ended without a close frame.
    Ended,
}

impl Ws {
    /// The next frame, pongs skipped; fails the test after `PATIENCE`.
    pub async fn frame(&mut self) -> Frame {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.0.next())
                .await
                .expect("a frame in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Frame::Json(
                        serde_json::from_str(text.as_str()).expect("frames are JSON"),
                    );
                }
                Some(Ok(Message::Ping(_))) => return Frame::Ping,
                Some(Ok(Message::Close(frame))) => {
                    return Frame::Close(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Frame::Ended,
            }
        }
    }

    /// The next JSON frame, pings skipped.
    pub async fn json(&mut self) -> Value {
        for _ in 0..1000 {
            match self.frame().await {
                Frame::Json(value) => return value,
                Frame::Ping => {}
                other => panic!("expected a JSON frame, got {other:?}"),
            }
        }
        panic!("only pings");
    }

    /// Reads until the server closes; returns the close code.
    pub async fn close_code(&mut self) -> Option<u16> {
        for _ in 0..10_000 {
            match self.frame().await {
                Frame::Close(code) => return code,
                Frame::Ended => return None,
                Frame::Json(_) | Frame::Ping => {}
            }
        }
        panic!("the server never closed");
    }

    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.0
            .send(Message::Binary(bytes.to_vec().into()))
            .await
            .expect("frame sent");
    }

    pub async fn send_text(&mut self, text: &str) {
        self.0
            .send(Message::Text(text.into()))
            .await
            .expect("frame sent");
    }
}

/// Polls `check` until it returns `Some`, at most `PATIENCE`.
pub async fn eventually<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never held"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
