//! Shared by the end-to-end tests: a real kds-server on 127.0.0.1:0 with a
//! `SQLite` file of its own, and the real `kds` binary in a pseudo-terminal.
#![allow(dead_code)]
// each test binary uses its own part of the support code
// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

pub mod pty;

use kds_server::{RunningServer, ServerConfig, TokenConfig};
use serde_json::{Value, json};
use std::time::Duration;

/// A running server and the runtime that drives it.
pub struct Kitchen {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<RunningServer>,
    pub url: String,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Kitchen {
    pub fn start() -> Kitchen {
        Kitchen::with_tokens(Vec::new())
    }

    pub fn with_tokens(tokens: Vec<TokenConfig>) -> Kitchen {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: format!("sqlite://{}", dir.path().join("kds.db").display()),
            tokens,
            ..ServerConfig::default()
        };
        let server = runtime.block_on(kds_server::spawn(config)).unwrap();
        let url = server.base_url();
        Kitchen {
            runtime,
            server: Some(server),
            url,
            dir,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    /// Posts an order (with `token`, if given) and returns it as the server answered.
    pub fn post_order(&self, token: Option<&str>, body: &Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/api/orders", self.url))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.runtime.block_on(async {
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 201, "creating {body}");
            response.json().await.unwrap()
        })
    }

    /// `POST path` with `body` as the point of sale would (no token);
    /// returns the status and the answer.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body)
    }

    /// `PATCH path` with `body`, as [`Kitchen::post`].
    #[allow(dead_code, reason = "not every test binary edits orders")]
    pub fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, body)
    }

    fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .json(body);
        self.runtime.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        })
    }

    pub fn order(&self, id: &str) -> Value {
        self.order_as(None, id)
    }

    /// `GET /api/orders/{id}` with `token`, if given.
    pub fn order_as(&self, token: Option<&str>, id: &str) -> Value {
        let mut request = self.http.get(format!("{}/api/orders/{id}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.runtime
            .block_on(async { request.send().await.unwrap().json().await.unwrap() })
    }

    /// The server's `/metrics` text.
    pub fn metrics(&self) -> String {
        let request = self.http.get(format!("{}/metrics", self.url));
        self.runtime
            .block_on(async { request.send().await.unwrap().text().await.unwrap() })
    }

    /// Polls the server until order `id` has `status` (at most `timeout`).
    pub fn wait_for_status(&self, id: &str, status: &str, timeout: Duration) {
        let start = std::time::Instant::now();
        loop {
            let order = self.order(id);
            if order["status"] == status {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "order {id} still {} after {timeout:?}, wanted {status}",
                order["status"]
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Kitchen {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// A small order for `station`.
pub fn burger_order(station: &str, table: &str) -> Value {
    json!({
        "station": station,
        "table": table,
        "items": [{"name": "Cheeseburger", "qty": 2, "modifiers": ["no onion"]}],
        "notes": "ALLERGY: sesame"
    })
}
