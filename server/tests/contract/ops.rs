//! `/healthz` and `/metrics`.

use crate::support::{Backend, TestServer, eventually};
use reqwest::StatusCode;

pub async fn healthz_answers_ok(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

pub async fn metrics_are_prometheus_text(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.create("grill").await;
    server.get("/api/orders/missing").await;
    let mut ws = server.connect("/ws/stations/grill").await;
    assert_eq!(ws.json().await["type"], "snapshot");
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    // The feed publishes in the background: wait for its count to show.
    let text = eventually(|| async {
        let text = server
            .http
            .get(server.url("/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains("kds_events_published_total 1")
            .then_some(text)
    })
    .await;
    for expected in [
        r#"kds_http_requests_total{route="/api/orders",method="POST",status="201"} 1"#,
        r#"kds_http_requests_total{route="/api/orders/{id}",method="GET",status="404"} 1"#,
        "kds_websocket_connections 1",
        "kds_events_published_total 1",
        r#"kds_store_operation_seconds_count{op="create_order"} 1"#,
        "# TYPE kds_store_operation_seconds histogram",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
}

pub async fn long_polls_are_counted_until_they_end(backend: Backend) {
    let server = TestServer::start(backend).await;
    let metric = |value: &'static str| {
        let server = &server;
        move || async move {
            let text = server
                .http
                .get(server.url("/metrics"))
                .send()
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.lines()
                .any(|l| l == format!("kds_long_polls {value}"))
                .then_some(())
        }
    };
    // A client that gives up after 400 ms of a 10 s poll.
    let impatient = server
        .http
        .get(server.url("/api/stations/grill/events?since=0&wait=10"))
        .timeout(std::time::Duration::from_millis(400))
        .send();
    let (gave_up, ()) = tokio::join!(impatient, eventually(metric("1")));
    assert!(gave_up.is_err());
    eventually(metric("0")).await;
}

/// The lines of `kds_http_requests_total`, one per series.
async fn request_series(server: &TestServer) -> Vec<String> {
    let text = server.metrics().await;
    let mut series: Vec<String> = text
        .lines()
        .filter(|line| line.starts_with("kds_http_requests_total{"))
        .map(|line| {
            line.rsplit_once(' ')
                .map_or(line, |(labels, _)| labels)
                .to_owned()
        })
        .collect();
    series.sort();
    series
}

pub async fn invented_methods_add_no_metric_series(backend: Backend) {
    let server = TestServer::start(backend).await;
    let invented = |n: usize| reqwest::Method::from_bytes(format!("XMETH{n}").as_bytes()).unwrap();
    // The first of each kind makes its series: /metrics itself, and `other`.
    request_series(&server).await;
    for path in ["/api/orders", "/nowhere"] {
        let response = server
            .http
            .request(invented(0), server.url(path))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{path}");
    }
    let before = request_series(&server).await;
    for n in 1..=1000 {
        let path = if n % 2 == 0 {
            "/api/orders"
        } else {
            "/nowhere"
        };
        server
            .http
            .request(invented(n), server.url(path))
            .send()
            .await
            .unwrap();
    }
    let after = request_series(&server).await;
    assert_eq!(after, before, "new series appeared");
    assert!(
        after
            .iter()
            .any(|series| series.contains(r#"method="other""#)),
        "{after:?}"
    );
}
