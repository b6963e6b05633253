//! Prometheus metrics: connections, events, requests by route and status,
//! and store latency.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route pattern (`/api/orders/{id}`), never the raw path.
    pub route: String,
    /// A known method or `other` (see `routes::count_request`).
    pub method: &'static str,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreLabels {
    pub op: &'static str,
}

type LatencyFamily = Family<StoreLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~4 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// Every metric the server keeps, and the registry that writes them out.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub websockets: Gauge,
    pub websocket_resyncs: Counter,
    pub websocket_slow_closes: Counter,
    pub long_polls: Gauge,
    pub events_published: Counter,
    pub store_latency: LatencyFamily,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kds");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let websockets = Gauge::default();
        registry.register(
            "websocket_connections",
            "WebSocket connections open now",
            websockets.clone(),
        );
        let websocket_resyncs = Counter::default();
        registry.register(
            "websocket_resyncs",
            "Snapshots sent to WebSocket clients that fell behind",
            websocket_resyncs.clone(),
        );
        let websocket_slow_closes = Counter::default();
        registry.register(
            "websocket_slow_closes",
            "WebSockets closed because the peer stopped reading or answering",
            websocket_slow_closes.clone(),
        );
        let long_polls = Gauge::default();
        registry.register(
            "long_polls",
            "Event long polls waiting now",
            long_polls.clone(),
        );
        let events_published = Counter::default();
        registry.register(
            "events_published",
            "Order events published to subscribers",
            events_published.clone(),
        );
        let store_latency = LatencyFamily::new_with_constructor(latency_histogram);
        registry.register(
            "store_operation_seconds",
            "Time the store took per operation",
            store_latency.clone(),
        );
        Self {
            registry,
            requests,
            websockets,
            websocket_resyncs,
            websocket_slow_closes,
            long_polls,
            events_published,
            store_latency,
        }
    }

    pub fn observe_store(&self, op: &'static str, took: Duration) {
        self.store_latency
            .get_or_create(&StoreLabels { op })
            .observe(took.as_secs_f64());
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%err, "cannot encode metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_counted() {
        let metrics = Metrics::new();
        metrics
            .requests
            .get_or_create(&RequestLabels {
                route: "/healthz".into(),
                method: "GET",
                status: 200,
            })
            .inc();
        metrics.observe_store("create", Duration::from_millis(2));
        let text = metrics.render();
        assert!(
            text.contains(
                r#"kds_http_requests_total{route="/healthz",method="GET",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains("kds_store_operation_seconds_count{op=\"create\"} 1"),
            "{text}"
        );
    }
}
