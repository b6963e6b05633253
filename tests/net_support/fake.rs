//! A scripted WebSocket server and the frames it sends.

use super::PATIENCE;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// A WebSocket server that plays a script, for what a real server will not
/// do on demand (go silent, send garbage).
pub struct FakeServer {
    listener: TcpListener,
}

impl FakeServer {
    pub async fn start() -> Self {
        Self {
            listener: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Accepts the next WebSocket; returns it with the request's path and query.
    /// Plain HTTP requests in between (the client asks `/api/session` each
    /// time it reaches a server) fail the handshake and are dropped: to the
    /// client this is a server without that route, which it must survive.
    pub async fn accept(&self) -> (WebSocketStream<TcpStream>, String) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let (stream, _) = tokio::time::timeout_at(deadline, self.listener.accept())
                .await
                .expect("the client did not connect")
                .unwrap();
            let uri = Arc::new(Mutex::new(String::new()));
            let seen = Arc::clone(&uri);
            // The callback's error type is tungstenite's: large, but never built here.
            #[allow(clippy::result_large_err)]
            let record = move |req: &Request, res: Response| {
                *seen.lock().unwrap() = req.uri().to_string();
                Ok(res)
            };
            match tokio_tungstenite::accept_hdr_async(stream, record).await {
                Ok(socket) => {
                    let uri = uri.lock().unwrap().clone();
                    return (socket, uri);
                }
                // Said, so that a client whose handshake is broken shows
                // why instead of timing out as "did not connect".
                Err(err) => eprintln!("fake server: not a WebSocket handshake: {err}"),
            }
        }
    }
}

pub fn order_json(id: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "number": 1, "station": "grill", "status": status,
        "items": [{"name": "Burger", "qty": 1}],
        "created_at": "2026-11-22T18:04:05.123Z",
        "updated_at": "2026-11-22T18:04:05.123Z",
        "status_at": "2026-11-22T18:04:05.123Z",
        "version": 1
    })
}

pub fn snapshot_frame(seq: i64, ids: &[&str]) -> String {
    let orders: Vec<_> = ids.iter().map(|id| order_json(id, "pending")).collect();
    serde_json::json!({"type": "snapshot", "seq": seq, "orders": orders, "recent": []}).to_string()
}

pub fn event_frame(seq: i64, id: &str, status: &str) -> String {
    serde_json::json!({
        "type": "event", "seq": seq, "event": "status_changed",
        "at": "2026-11-22T18:04:05.123Z", "order": order_json(id, status)
    })
    .to_string()
}
