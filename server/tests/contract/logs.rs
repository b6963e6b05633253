//! Tokens never reach the log, even when sent in the query string.

use crate::support::{Backend, TestServer};
use kds_server::{Role, TokenConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime: every server task runs on this thread, under
// the thread-local subscriber below.
#[tokio::test]
async fn tokens_never_appear_in_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut server = TestServer::start_with(Backend::Sqlite, |config| {
        config.tokens = vec![TokenConfig {
            token: "tok-SECRET-123".into(),
            role: Role::Pos,
            name: Some("till".into()),
        }];
    })
    .await;
    let response = server
        .http
        .get(server.url("/api/stations/grill/orders?token=tok-SECRET-123"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.token = Some("tok-SECRET-123".into());
    server.create("grill").await;
    let mut ws = server
        .connect("/ws/stations/grill?token=tok-SECRET-123")
        .await;
    assert_eq!(ws.json().await["type"], "snapshot");
    server.token = Some("tok-WRONG-456".into());
    assert_eq!(server.get("/api/stations/grill/orders").await.0, 401);
    server.shutdown().await;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("/api/stations/grill/orders"),
        "requests are logged:\n{log}"
    );
    assert!(!log.contains("SECRET") && !log.contains("WRONG"), "{log}");
}
