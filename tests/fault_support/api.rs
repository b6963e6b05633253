//! The HTTP API as a point-of-sale or another terminal uses it, aimed at a
//! base URL that can change (a proxy, a restarted server).

use super::PATIENCE;
use kds_protocol::{ErrorBody, Event, EventsPage, Order, Snapshot, Status};
use serde_json::{Value, json};
use std::time::Duration;

/// What one request got: a status and a body, or no answer at all.
#[derive(Debug)]
pub enum Reply {
    Answered {
        status: u16,
        body: Value,
    },
    /// The connection failed or timed out: the request may or may not have landed.
    NoAnswer(String),
}

impl Reply {
    pub fn status(&self) -> Option<u16> {
        match self {
            Reply::Answered { status, .. } => Some(*status),
            Reply::NoAnswer(_) => None,
        }
    }

    /// The order of a 2xx answer.
    pub fn order(&self) -> Option<Order> {
        match self {
            Reply::Answered { status, body } if (200..300).contains(status) => {
                Some(serde_json::from_value(body.clone()).expect("a 2xx carries an order"))
            }
            _ => None,
        }
    }

    /// The error body of a non-2xx answer.
    pub fn error(&self) -> Option<ErrorBody> {
        match self {
            Reply::Answered { status, body } if !(200..300).contains(status) => {
                serde_json::from_value(body.clone()).ok()
            }
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

/// A one-item order for `station`.
pub fn order_body(station: &str, item: &str) -> Value {
    json!({"station": station, "items": [{"name": item, "qty": 1}]})
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text().await {
                    Ok(text) => Reply::Answered {
                        status,
                        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    },
                    Err(err) => Reply::NoAnswer(err.to_string()),
                }
            }
            Err(err) => Reply::NoAnswer(err.to_string()),
        }
    }

    /// `POST /api/orders` with `body`, and an `Idempotency-Key` if given.
    pub async fn post_order(&self, body: &Value, key: Option<&str>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/orders", self.base))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    /// `POST /api/orders/{id}/status`, guarded by `from`.
    pub async fn move_status(
        &self,
        id: &str,
        to: Status,
        from: Status,
        key: Option<&str>,
    ) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/orders/{id}/status", self.base))
            .json(&json!({"status": to, "from": from}));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    /// Creates an order and returns it; fails the test otherwise.
    pub async fn create(&self, station: &str, item: &str) -> Order {
        let reply = self.post_order(&order_body(station, item), None).await;
        assert_eq!(reply.status(), Some(201), "creating an order: {reply:?}");
        reply.order().unwrap()
    }

    /// Moves an order as another terminal would; fails the test unless 200.
    pub async fn set_status(&self, order: &Order, to: Status) -> Order {
        let reply = self.move_status(&order.id, to, order.status, None).await;
        assert_eq!(reply.status(), Some(200), "moving {}: {reply:?}", order.id);
        reply.order().unwrap()
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|err| panic!("GET {path}: {err}"));
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn order(&self, id: &str) -> Order {
        self.get(&format!("/api/orders/{id}")).await
    }

    pub async fn snapshot(&self, station: &str) -> Snapshot {
        self.get(&format!("/api/stations/{station}/orders")).await
    }

    /// Every retained event of `station` after `since`, paging on to the end.
    pub async fn events(&self, station: &str, since: i64) -> Vec<Event> {
        let mut since = since;
        let mut all = Vec::new();
        for _ in 0..1000 {
            let page: EventsPage = self
                .get(&format!("/api/stations/{station}/events?since={since}"))
                .await;
            if page.events.is_empty() {
                return all;
            }
            since = page.seq;
            all.extend(page.events);
        }
        panic!("more than 1000 pages of events");
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A metric's value (the first sample whose line starts with `name`);
    /// the ones these tests read are counts.
    pub async fn metric(&self, name: &str) -> i64 {
        let text = self.metrics().await;
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or_else(|| panic!("no metric {name} in:\n{text}"), |v| v as i64)
    }

    /// Waits until `/healthz` answers 200.
    pub async fn healthy(&self) -> bool {
        matches!(
            self.http.get(format!("{}/healthz", self.base)).send().await,
            Ok(response) if response.status().is_success()
        )
    }

    /// Polls until `check` holds for the order, at most [`PATIENCE`].
    pub async fn wait_for_order(
        &self,
        id: &str,
        what: &str,
        check: impl Fn(&Order) -> bool,
    ) -> Order {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let order = self.order(id).await;
            if check(&order) {
                return order;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {id} never {what}: {order:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
